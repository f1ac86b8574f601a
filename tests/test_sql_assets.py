"""The SQL assets and the inline job, materialized in-process on a real git remote and a real
DuckDB store."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.sql.assets import sql_lineage, sql_sources
from dagster_project.defs.sql.checks import sql_statements_parse
from dagster_project.defs.sql.jobs import parse_inline_sql
from dagster_project.defs.store.assets import crawl_run
from dagster_project.resources import LineageStoreResource, SqlRepoResource
from lineage_assets import config
from lineage_dev.demo_repo import build_demo_remote

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_remote(tmp_path):
    return build_demo_remote(PROJECT / "sql_repo", tmp_path / "sql_repo.git")


def published_rows(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.published_path(home)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def materialize_sql(home: Path, remote: str, name: str = "") -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [crawl_run, sql_sources, sql_lineage, sql_statements_parse],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "sql_repo": SqlRepoResource(remote=remote, name=name),
            },
            instance=instance,
        )


def test_sql_assets_sync_the_demo_repository_then_parse_nothing_again(tmp_path, demo_remote):
    home = tmp_path / "home"
    first = materialize_sql(home, demo_remote.url)
    assert first.success
    synced = first.asset_materializations_for_node("sql_sources")[0].metadata
    assert synced["commit"].value == demo_remote.head
    assert synced["files_added"].value == 12 and synced["statements_parsed"].value > 10
    summary = first.asset_materializations_for_node("sql_lineage")[0].metadata
    assert summary["table_edges"].value > 5 and summary["column_edges"].value > 20
    assert "analytics.orders" in summary["top_tables"].value
    errors = [r.data for r in summary["parse_errors"].value.records]
    assert [(e["file"], e["line"]) for e in errors] == [("broken/99_syntax_error.sql", 9)]
    (check,) = first.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "broken/99_syntax_error.sql:9" in check.metadata["details"].value

    edges = published_rows(
        home,
        "SELECT location, commit_sha FROM lineage_edges "
        "WHERE source_node = 'table:analytics.customers_raw' "
        "AND target_node = 'table:analytics.customer_dim'",
    )
    assert edges == [("warehouse/20_customer_dim_merge.sql:4", demo_remote.commits[1])]

    again = materialize_sql(home, demo_remote.url)
    resynced = again.asset_materializations_for_node("sql_sources")[0].metadata
    assert resynced["statements_parsed"].value == 0
    assert resynced["files_unchanged"].value == 12


INLINE = """
CREATE TABLE mart.emails AS SELECT id, md5(email) AS email_md5 FROM raw.users;
DROP TABLE sources;
"""


def run_inline(home: Path, name: str, sql: str) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return parse_inline_sql.execute_in_process(
            run_config={"ops": {"parse_inline_sql_op": {"config": {"sql": sql, "name": name}}}},
            resources={"lineage_store": LineageStoreResource(lineage_home=str(home))},
            instance=instance,
        )


def test_inline_sql_is_parsed_and_stored_never_executed_and_replaced_by_name(tmp_path):
    result = run_inline(tmp_path, "adhoc", INLINE)
    assert result.success
    statements = published_rows(
        tmp_path, "SELECT kind FROM sql_statements WHERE source_key = 'inline:adhoc'"
    )
    assert len(statements) == 2  # the DROP is recorded as lineage, not run
    assert published_rows(tmp_path, "SELECT count(*) FROM sources")[0][0] == 1  # table intact
    masked = published_rows(
        tmp_path,
        "SELECT transform FROM column_edges WHERE target_column = 'email_md5'",
    )
    assert masked == [("masking",)]

    assert run_inline(tmp_path, "adhoc", "INSERT INTO mart.b SELECT x FROM raw.a;").success
    edges = published_rows(
        tmp_path,
        "SELECT source_table, target_table FROM table_edges WHERE source_key = 'inline:adhoc'",
    )
    assert edges == [("raw.a", "mart.b")]


def test_an_unreachable_sql_remote_keeps_lineage_and_reports_the_remote(tmp_path, demo_remote):
    home = tmp_path / "home"
    assert materialize_sql(home, demo_remote.url, name="warehouse").success
    broken = materialize_sql(home, (tmp_path / "nowhere.git").as_uri(), name="warehouse")
    assert broken.success  # one failed source never stops the crawl
    error = broken.asset_materializations_for_node("sql_sources")[0].metadata["error"].value
    assert "nowhere.git" in error
    statuses = published_rows(
        home,
        "SELECT DISTINCT status FROM sources WHERE starts_with(source_key, 'sql:warehouse/')",
    )
    assert statuses == [("stale",)]
    assert published_rows(home, "SELECT count(*) FROM table_edges")[0][0] > 5  # still there
