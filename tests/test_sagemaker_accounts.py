"""Every SageMaker key and node names its account: a store written before that opens, its
SageMaker sources removed (the next crawl writes them under account-qualified keys) and the
rest kept; the same pipeline name in two accounts is two pipelines."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from lineage_assets import aws
from lineage_assets.core.ids import step_node
from lineage_assets.sagemaker.crawl import caller_account, crawl_regions
from lineage_assets.store import LineageStore
from lineage_assets.store.migrate import migrate
from lineage_assets.store.registry import default
from lineage_dev.emulator import definitions as seeded

ACCOUNTS_MIGRATION = 23
NARROW_INDEX_MIGRATION = 11  # newer than the account ids: an old store has neither
OTHER_ACCOUNT = "210987654341"  # an emulator account of its own
OLD_KEYS = (
    ("sagemaker:us-east-1/P", "sagemaker_pipeline"),
    ("sagemaker_domains:us-east-1", "sagemaker_domains"),
    ("sagemaker_region:eu-west-1", "sagemaker_region"),
)


def _old_store(path: Path) -> None:
    """A store as the code before account ids wrote it: old-format SageMaker sources, rows and
    walk index entries beside a SQL file's."""
    con = duckdb.connect(str(path))
    try:
        newer = (NARROW_INDEX_MIGRATION, ACCOUNTS_MIGRATION)
        migrate(con, tuple(m for m in default().migrations() if m.version not in newer))
        for key, kind in (*OLD_KEYS, ("sql:r/a.sql", "sql_file")):
            con.execute(
                "INSERT INTO sources (source_key, source_kind, status) VALUES (?, ?, 'ok')",
                [key, kind],
            )
        con.execute(
            "INSERT INTO sagemaker_pipelines (source_key, region, pipeline_name) "
            "VALUES ('sagemaker:us-east-1/P', 'us-east-1', 'P')"
        )
        con.execute(
            "INSERT INTO sagemaker_step_io (source_key, region, pipeline_name, step_name, "
            "direction, uri, provenance) VALUES ('sagemaker:us-east-1/P', 'us-east-1', 'P', "
            "'Train', 'input', 's3://b/in/', 'declared')"
        )
        con.execute(
            "INSERT INTO sagemaker_domains (source_key, region, domain_id) "
            "VALUES ('sagemaker_domains:us-east-1', 'us-east-1', 'd-1')"
        )
        con.execute(
            "INSERT INTO table_edges (source_key, source_table, target_table) "
            "VALUES ('sql:r/a.sql', 'raw.a', 'mart.b')"
        )
        con.execute("INSERT INTO lineage_edge_index SELECT * EXCLUDE (is_stale) FROM lineage_edges")
        indexed = con.execute("SELECT DISTINCT source_key FROM lineage_edge_index").fetchall()
        assert sorted(indexed) == [("sagemaker:us-east-1/P",), ("sql:r/a.sql",)]
    finally:
        con.close()


def test_a_store_with_sagemaker_keys_of_no_account_opens_without_them(tmp_path, aws_env):
    db = tmp_path / "old.duckdb"
    _old_store(db)
    with LineageStore.open(db) as store:
        sources = store.conn.execute("SELECT source_key FROM sources ORDER BY 1").fetchall()
        assert sources == [("sql:r/a.sql",)]
        for table in ("sagemaker_pipelines", "sagemaker_step_io", "sagemaker_domains"):
            assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608
        indexed = store.conn.execute("SELECT DISTINCT source_key FROM lineage_edge_index")
        assert indexed.fetchall() == [("sql:r/a.sql",)]
        assert store.conn.execute("SELECT node FROM upstream('table:mart.b', 3)").fetchall() == [
            ("table:raw.a",)
        ]
        report = crawl_regions(
            store, aws.client, aws_env.account_id, ["us-east-1"], reads=store.conn
        )
        assert report.errors == []
        keys = store.conn.execute(
            "SELECT source_key, account_id FROM sagemaker_pipelines ORDER BY 1"
        ).fetchall()
    assert keys and all(
        key.startswith(f"sagemaker:{aws_env.account_id}/us-east-1/")
        and account == aws_env.account_id
        for key, account in keys
    )


def test_the_same_pipeline_name_in_two_accounts_is_two_pipelines(aws_env, store, monkeypatch):
    assert caller_account(aws.client, "us-east-1") == aws_env.account_id
    crawl_regions(store, aws.client, aws_env.account_id, ["us-east-1"], reads=store.conn)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    sagemaker = aws.client("sagemaker", "us-east-1")
    listed = {p["PipelineName"] for p in sagemaker.list_pipelines()["PipelineSummaries"]}
    if seeded.ABALONE_PIPELINE not in listed:
        sagemaker.create_pipeline(
            PipelineName=seeded.ABALONE_PIPELINE,
            PipelineDefinition=json.dumps(seeded.abalone_definition()),
            RoleArn=seeded.ROLE_ARN,
        )
    other = caller_account(aws.client, "us-east-1")
    assert other == OTHER_ACCOUNT
    report = crawl_regions(store, aws.client, other, ["us-east-1"], reads=store.conn)
    assert report.errors == [] and report.removed == []  # the first account's rows stay
    owners = store.conn.execute(
        "SELECT account_id FROM sagemaker_pipelines WHERE pipeline_name = ? ORDER BY 1",
        [seeded.ABALONE_PIPELINE],
    ).fetchall()
    assert owners == sorted([(aws_env.account_id,), (OTHER_ACCOUNT,)])
    step = seeded.abalone_definition()["Steps"][0]["Name"]
    nodes = {
        step_node(account, "us-east-1", seeded.ABALONE_PIPELINE, step)
        for account in (aws_env.account_id, OTHER_ACCOUNT)
    }
    found = store.conn.execute(
        "SELECT DISTINCT source_node FROM lineage_edges WHERE list_contains(?, source_node) "
        "UNION SELECT DISTINCT target_node FROM lineage_edges WHERE list_contains(?, target_node)",
        [sorted(nodes), sorted(nodes)],
    ).fetchall()
    assert {node for (node,) in found} == nodes
