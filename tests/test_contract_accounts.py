"""The contract reads in the pipeline's own account: one feature group name in two accounts,
with offline stores in different places, gives each pipeline its own account's store; one
pipeline name in two accounts is listed with its account and asked for by account (library,
API, CLI), and each gets its snapshot."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from lineage_assets import config
from lineage_assets.api.app import create_app
from lineage_assets.cli import main
from lineage_assets.contract import AmbiguousName, Request, build_lineage, reads
from lineage_assets.contract.schema import validation_errors
from lineage_assets.contract.snapshots import pipeline_documents
from lineage_assets.store import LineageStore
from lineage_dev.emulator import definitions as seeded
from tests.support.twin_account import REGION, RENAMED, TWIN, TWIN_STORE_URI, crawl_both

STEP = "PrepareCustomerFeatures"


def written_by(document: dict, step: str) -> set[str]:
    node = next(n for n in document["graphPipeline"]["nodes"] if n["id"] == step)
    return {output["uri"] for output in node["outputs"]}


def test_one_feature_group_name_in_two_accounts_resolves_to_each_accounts_store(aws_env, store):
    crawl_both(store, aws_env.account_id, RENAMED)
    conn, seeded_account = store.conn, aws_env.account_id
    stores = dict(
        conn.execute(
            "SELECT account_id, resolved_offline_uri FROM feature_groups WHERE region = ? "
            "AND feature_group_name = ?",
            [REGION, seeded.FEATURE_GROUP],
        ).fetchall()
    )
    assert set(stores) == {seeded_account, TWIN}
    assert stores[TWIN].startswith(f"{TWIN_STORE_URI}/")
    assert not stores[seeded_account].startswith(TWIN_STORE_URI)
    for account in (seeded_account, TWIN):
        found = reads.feature_store_uris(conn, account, REGION)
        assert found[seeded.FEATURE_GROUP] == stores[account]
        aliases = reads.offline_store_aliases(conn, account, REGION)
        assert {group for _, group in aliases.values()} == {seeded.FEATURE_GROUP}
        assert {resolved for resolved, _ in aliases.values()} == {stores[account]}

    for name, account in ((seeded.CHURN_PIPELINE, seeded_account), (RENAMED, TWIN)):
        document = build_lineage(conn, Request(name, REGION, include_latest_execution=False))
        assert validation_errors(document) == []
        assert document["pipeline"]["sourceKey"] == f"sagemaker:{account}/{REGION}/{name}"
        assert stores[account] in written_by(document, STEP)
        other = stores[TWIN if account == seeded_account else seeded_account]
        assert other not in written_by(document, STEP)


def test_a_domain_is_read_in_the_pipelines_account(store):
    for account in ("111111111111", "222222222222"):
        store.conn.execute(
            "INSERT INTO sagemaker_domains (source_key, account_id, region, domain_id, domain_arn) "
            "VALUES (?, ?, ?, 'd-same', ?)",
            [
                f"sagemaker_domains:{account}/{REGION}",
                account,
                REGION,
                f"arn:aws:sagemaker:{REGION}:{account}:domain/d-same",
            ],
        )
    for account in ("111111111111", "222222222222"):
        found = reads.domain(store.conn, account, REGION, "d-same")
        assert found["DomainArn"].split(":")[4] == account
    assert reads.domain(store.conn, "333333333333", REGION, "d-same") == {}


def test_one_pipeline_name_in_two_accounts_is_asked_for_by_account(aws_env, store):
    crawl_both(store, aws_env.account_id, seeded.CHURN_PIPELINE)
    with pytest.raises(AmbiguousName, match="give account") as raised:
        build_lineage(store.conn, Request(seeded.CHURN_PIPELINE, REGION))
    assert raised.value.regions == sorted(
        f"{account}/{REGION}" for account in (aws_env.account_id, TWIN)
    )
    for account in (aws_env.account_id, TWIN):
        document = build_lineage(store.conn, Request(seeded.CHURN_PIPELINE, account=account))
        assert document["pipeline"]["sourceKey"].startswith(f"sagemaker:{account}/")
    snapshots = dict(pipeline_documents(store.conn))  # one per account, none refused
    assert set(snapshots) == {
        f"sagemaker:{account}/{REGION}/{seeded.CHURN_PIPELINE}"
        for account in (aws_env.account_id, TWIN)
    }
    assert all(validation_errors(document) == [] for document in snapshots.values())


def test_the_api_and_the_cli_ask_for_the_account(aws_env, tmp_path, monkeypatch, capsys):
    with LineageStore.open(config.duckdb_path(tmp_path), config.published_path(tmp_path)) as store:
        crawl_both(store, aws_env.account_id, seeded.CHURN_PIPELINE)
        store.publish()
    accounts = (aws_env.account_id, TWIN)
    with TestClient(create_app(config.published_path(tmp_path))) as client:
        ambiguous = client.get("/lineage", params={"pipeline": seeded.CHURN_PIPELINE})
        assert ambiguous.status_code == 409
        assert ambiguous.json()["regions"] == sorted(f"{a}/{REGION}" for a in accounts)
        for account in accounts:
            params = {"pipeline": seeded.CHURN_PIPELINE, "account": account}
            answer = client.get("/lineage", params=params)
            assert answer.status_code == 200, answer.text
            assert answer.json()["pipeline"]["sourceKey"].startswith(f"sagemaker:{account}/")
        refused = client.get("/lineage", params={"pipeline": "x", "account": "12"})
        assert refused.status_code == 422
        listing = client.get("/sagemaker/pipelines", params={"name": seeded.CHURN_PIPELINE})
        assert validation_errors(listing.json(), "pipelines") == []
        (region,) = listing.json()["regions"]
        assert [(p["name"], p["account"]) for p in region["pipelines"]] == [
            (seeded.CHURN_PIPELINE, account) for account in sorted(accounts)
        ]
        assert all(p["arn"].split(":")[4] == p["account"] for p in region["pipelines"])

    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    assert main(["sagemaker", "lineage", seeded.CHURN_PIPELINE]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--account" in err and TWIN in err
    assert main(["sagemaker", "lineage", seeded.CHURN_PIPELINE, "--account", TWIN]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["pipeline"]["sourceKey"].startswith(f"sagemaker:{TWIN}/")
