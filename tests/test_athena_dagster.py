"""`athena_query_history` crawls the seeded member account's history through the accounts the
AWS resource opens: the CTAS from the raw PII table lands as observed lineage meeting the Glue
table and the location a pipeline reads; failed and cancelled queries do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from dagster_project.defs.athena.assets import athena_query_history
from dagster_project.defs.store.assets import crawl_run
from dagster_project.resources import AwsResource, LineageStoreResource
from lineage_assets import config
from lineage_assets.athena.ids import execution_node
from lineage_dev.emulator import seed_athena
from lineage_dev.emulator.seed import SeededAccount
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_REGION


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [crawl_run, athena_query_history],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "aws": AwsResource(regions=MEMBER_REGION, accounts=MEMBER_ACCOUNT_ID),
            },
            instance=instance,
        )


def rows(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(config.duckdb_path(home)), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_the_member_accounts_history_lands_as_observed_lineage(
    aws_env: SeededAccount, tmp_path: Path
) -> None:
    result = materialize(tmp_path)
    assert result.success
    metadata = result.asset_materializations_for_node("athena_query_history")[0].metadata
    assert metadata["written"].value == 6
    assert metadata["ignored_failed_or_cancelled"].value == 2
    stored = {
        name
        for (name,) in rows(
            tmp_path,
            "SELECT execution_id FROM athena_executions WHERE account_id = ?",
            [MEMBER_ACCOUNT_ID],
        )
    }
    ids = {query.name: query.execution_id for query in seed_athena.QUERIES}
    assert ids["typo-failed"] not in stored and ids["export-cancelled"] not in stored
    assert ids["customers-features-ctas"] in stored
    ctas = execution_node(MEMBER_ACCOUNT_ID, MEMBER_REGION, ids["customers-features-ctas"])
    edges = set(
        rows(
            tmp_path,
            "SELECT source_node, target_node, edge_kind FROM lineage_edges "
            "WHERE execution_arn = ? AND provenance = 'observed'",
            [ctas],
        )
    )
    raw, features = f"table:{seed_athena.RAW_PII_TABLE}", f"table:{seed_athena.CTAS_TABLE}"
    assert (raw, features, "sql") in edges
    assert (features, f"data:{seed_athena.CTAS_LOCATION}", "location") in edges
    assert (f"column:{seed_athena.RAW_PII_TABLE}.email", f"column:{seed_athena.CTAS_TABLE}.email",
            "column") in edges  # fmt: skip
    # The daily INSERT names the table unqualified: the execution's database qualifies it.
    insert = execution_node(MEMBER_ACCOUNT_ID, MEMBER_REGION, ids["customers-features-insert"])
    assert rows(
        tmp_path,
        "SELECT DISTINCT target_node FROM lineage_edges WHERE execution_arn = ? "
        "AND edge_kind = 'sql'",
        [insert],
    ) == [(features,)]
    # An unchanged re-crawl writes nothing new.
    again = materialize(tmp_path)
    assert (
        again.asset_materializations_for_node("athena_query_history")[0].metadata["written"].value
        == 0
    )


def test_personal_data_flows_from_the_glue_table_through_the_ctas(
    aws_env: SeededAccount, tmp_path: Path
) -> None:
    """The CTAS names the raw table as Glue does, so its column edges join Glue's table (whose
    declared PII the graph tags) to the curated table the CTAS registered."""
    from dagster_project.defs.glue.assets import glue_catalog
    from dagster_project.defs.graph.assets import lineage_graph

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [crawl_run, glue_catalog, athena_query_history, lineage_graph],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
                "aws": AwsResource(regions=MEMBER_REGION, accounts=MEMBER_ACCOUNT_ID),
            },
            instance=instance,
        )
    assert result.success
    raw, features = seed_athena.RAW_PII_TABLE, seed_athena.CTAS_TABLE
    flows = rows(  # the CTAS and the daily INSERT
        tmp_path,
        "SELECT DISTINCT source_column, transform FROM column_flows "
        "WHERE source_table = ? AND target_table = ? AND target_column = 'email'",
        [raw, features],
    )
    assert flows == [("email", "identity")]
    tags = rows(
        tmp_path,
        "SELECT owner_node, pii_class FROM pii_tags WHERE column_node IN (?, ?)",
        [f"column:{raw}.email", f"column:{features}.email"],
    )
    assert set(tags) == {(f"table:{raw}", "email"), (f"table:{features}", "email")}
