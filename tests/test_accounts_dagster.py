"""The accounts in Dagster against the emulator and a real store: `aws_accounts` records every
account and region it opens and an error row for a refused role and a throttled region, which
the store-health check then reports, while the rest is opened; the nightly SageMaker crawl and
the discovery sensor cover every member account with its own credentials; one run's AWS assets
share one opened estate (each role assumed once per run, counted at the emulator)."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.accounts.assets import aws_accounts
from dagster_project.defs.athena.assets import athena_query_history
from dagster_project.defs.glue.assets import glue_catalog
from dagster_project.defs.sagemaker.assets import sagemaker_crawl
from dagster_project.defs.sagemaker.partitions import pipeline_partition_key, sagemaker_pipelines
from dagster_project.defs.sagemaker.sensors import sagemaker_pipeline_discovery
from dagster_project.defs.serving.assets import sagemaker_serving
from dagster_project.defs.store.assets import crawl_run, lineage_store_health
from dagster_project.defs.store.checks import no_stale_sources
from dagster_project.resources import AwsResource, LineageStoreResource
from lineage_assets import config
from lineage_assets.accounts.views import account_access
from lineage_dev.emulator import faults
from lineage_dev.emulator.definitions import ROLE_ARN
from lineage_dev.emulator.seed_accounts import member_client
from tests.support.organization import MEMBERS, ensure_organization

REGIONS = "us-east-1,eu-west-1"


@pytest.fixture
def members(aws_env) -> tuple[str, ...]:
    """Three member accounts of the tests' organization, crawled by listing their ids (the
    default chain, the seeded account, assumes the role in each)."""
    ensure_organization(aws_env.endpoint_url)
    return MEMBERS[:3]


def materialize(home, accounts: str, assets: list) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            assets,
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "aws": AwsResource(regions=REGIONS, accounts=accounts, max_attempts=1),
            },
            instance=instance,
        )


def access(home) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(config.duckdb_path(home)), read_only=True) as conn:
        return {a.source_key: (a.status, a.last_error) for a in account_access(conn)}


def test_aws_accounts_records_a_refused_role_and_a_throttled_region(members, tmp_path):
    opened, denied, throttled = members
    with faults.injected(denied_accounts=[denied], throttled=[f"{throttled}/eu-west-1"]):
        result = materialize(
            tmp_path,
            ",".join(members),
            [crawl_run, aws_accounts, lineage_store_health, no_stale_sources],
        )
    assert result.success
    rows = access(tmp_path)
    assert {key for key, (status, _) in rows.items() if status == "ok"} == {
        f"aws_account:{opened}",
        f"aws_account:{opened}/us-east-1",
        f"aws_account:{opened}/eu-west-1",
        f"aws_account:{throttled}",
        f"aws_account:{throttled}/us-east-1",
    }
    assert rows[f"aws_account:{denied}"][0] == "failed"
    assert "AccessDenied" in (rows[f"aws_account:{denied}"][1] or "")
    assert rows[f"aws_account:{throttled}/eu-west-1"][0] == "failed"
    assert "ThrottlingException" in (rows[f"aws_account:{throttled}/eu-west-1"][1] or "")
    metadata = result.asset_materializations_for_node("aws_accounts")[0].metadata
    assert (metadata["accounts"].value, metadata["account_regions"].value) == (2, 3)
    assert denied in metadata["errors"].value and "eu-west-1" in metadata["errors"].value
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed  # the store's health names the failed account and region

    # Without the faults the next run opens them all and the failures are cleared.
    assert materialize(tmp_path, ",".join(members), [crawl_run, aws_accounts]).success
    assert {status for status, _ in access(tmp_path).values()} == {"ok"}


def test_a_malformed_account_list_fails_the_run_naming_the_variable(aws_env, tmp_path):
    with pytest.raises(dg.Failure, match=r"^LINEAGE_AWS_ACCOUNTS: '1234' is not a 12-digit"):
        materialize(tmp_path, "1234", [crawl_run, aws_accounts])


def _pipeline(endpoint: str, account_id: str, region: str, name: str) -> None:
    """A pipeline in a member account (created once per emulator)."""
    sagemaker = member_client(endpoint, "sagemaker", region, account_id=account_id)
    listed = sagemaker.list_pipelines()["PipelineSummaries"]
    if name not in {summary["PipelineName"] for summary in listed}:
        definition = json.dumps({"Version": "2020-12-01", "Steps": []})
        sagemaker.create_pipeline(
            PipelineName=name, PipelineDefinition=definition, RoleArn=ROLE_ARN
        )


@pytest.fixture
def member_pipelines(aws_env, members) -> dict[str, tuple[str, str]]:
    """A pipeline in each member and region: name → (account, region)."""
    opened, denied, throttled = members
    pipelines = {
        "OpenedPipeline": (opened, "us-east-1"),
        "OpenedEuPipeline": (opened, "eu-west-1"),
        "DeniedPipeline": (denied, "us-east-1"),
        "ThrottledUsPipeline": (throttled, "us-east-1"),
        "ThrottledEuPipeline": (throttled, "eu-west-1"),
    }
    for name, (account_id, region) in pipelines.items():
        _pipeline(aws_env.endpoint_url, account_id, region, name)
    return pipelines


def test_the_nightly_sagemaker_crawl_covers_every_member_account_and_region(
    members, member_pipelines, tmp_path
):
    _, denied, throttled = members
    with faults.injected(denied_accounts=[denied], throttled=[f"{throttled}/eu-west-1"]):
        result = materialize(
            tmp_path, ",".join(members), [crawl_run, aws_accounts, sagemaker_crawl]
        )
    assert result.success
    with duckdb.connect(str(config.duckdb_path(tmp_path)), read_only=True) as conn:
        rows = conn.execute(
            "SELECT account_id, region, pipeline_name, source_key FROM sagemaker_pipelines"
        ).fetchall()
    landed = {name: (account, region) for account, region, name, _ in rows}
    # Each member's own pipelines, with its account id, crawled with its own credentials; the
    # refused account and the throttled region are error rows of aws_accounts.
    assert landed == {
        name: where
        for name, where in member_pipelines.items()
        if name in {"OpenedPipeline", "OpenedEuPipeline", "ThrottledUsPipeline"}
    }
    assert {key for *_, key in rows} == {
        f"sagemaker:{account}/{region}/{name}" for name, (account, region) in landed.items()
    }
    errors = result.asset_materializations_for_node("aws_accounts")[0].metadata["errors"].value
    assert f"aws_account:{denied}:" in errors and f"aws_account:{throttled}/eu-west-1" in errors


def test_discovery_lists_every_member_account_and_adds_its_accounts_and_regions(
    members, member_pipelines
):
    opened, denied, throttled = members
    aws = AwsResource(regions=REGIONS, accounts=",".join(members), max_attempts=1)
    with (
        faults.injected(denied_accounts=[denied]),
        dg.instance_for_test() as instance,
    ):
        kept = pipeline_partition_key(denied, "us-east-1", "DeniedPipeline")
        instance.add_dynamic_partitions(sagemaker_pipelines.name, [kept])
        with dg.build_sensor_context(instance=instance, resources={"aws": aws}) as context:
            result = sagemaker_pipeline_discovery(context)
    requests = {r.partitions_def_name: r for r in result.dynamic_partitions_requests}
    assert set(requests) == {"sagemaker_pipelines", "aws_accounts", "aws_regions"}  # none retired
    assert sorted(requests["sagemaker_pipelines"].partition_keys) == sorted(
        pipeline_partition_key(account, region, name)
        for name, (account, region) in member_pipelines.items()
        if account != denied
    )
    assert sorted(requests["aws_accounts"].partition_keys) == sorted([opened, throttled])
    assert sorted(requests["aws_regions"].partition_keys) == ["eu-west-1", "us-east-1"]


# The nightly job's assets that open the AWS estate.
ESTATE_ASSETS = [
    aws_accounts,
    sagemaker_crawl,
    sagemaker_serving,
    glue_catalog,
    athena_query_history,
]


def test_one_run_assumes_each_role_once_for_all_its_aws_assets(emulator, members, tmp_path):
    server, _ = emulator
    accounts = members[:2]  # each reached by assuming the role from the seeded account
    probes = 1 + len(accounts) * len(REGIONS.split(","))  # the caller, then each account/region
    with server.counting_calls() as calls:
        result = materialize(tmp_path, ",".join(accounts), [crawl_run, *ESTATE_ASSETS])
    assert result.success
    assert calls["sts:AssumeRole"] == len(accounts)
    assert calls["sts:GetCallerIdentity"] == probes

    # Runs of their own each open the estate afresh: nothing outlives its run.
    with server.counting_calls() as calls:
        for asset in (aws_accounts, glue_catalog):
            assert materialize(tmp_path, ",".join(accounts), [asset]).success
    assert calls["sts:AssumeRole"] == 2 * len(accounts)
    assert calls["sts:GetCallerIdentity"] == 2 * probes


def test_a_runs_estate_is_lent_to_each_asker_and_closed_with_the_run(members):
    aws = AwsResource(regions=REGIONS, accounts=members[0], max_attempts=1)
    with dg.build_resources({"aws": aws}) as resources:
        first, second = resources.aws.estate(), resources.aws.estate()
        (account,) = first.accounts
        assert second.accounts == [account] and first is not second
        client = account.client("sts", "us-east-1")
        first.close()  # a loan: the next asset still has the account's clients
        assert second.accounts[0].client("sts", "us-east-1") is client
        assert client.get_caller_identity()["Account"] == members[0]
    assert "0 clients" in repr(account)  # closed when the run's resources were torn down
    alone, again = aws.estate(), aws.estate()  # outside a run: each its own, owned
    try:
        assert alone.accounts[0] is not again.accounts[0] and not alone.borrowed
    finally:
        alone.close()
        again.close()
