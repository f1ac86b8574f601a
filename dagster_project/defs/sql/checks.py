"""Checks of the SQL lineage, reading the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.defs.sql.assets import PARSE_ERRORS_SQL
from dagster_project.metadata import code, listing_check
from dagster_project.names import SQL_LINEAGE
from dagster_project.resources import LineageStoreResource


@dg.asset_check(asset=SQL_LINEAGE, description="Warns when any SQL statement failed to parse.")
def sql_statements_parse(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        errors = conn.execute(PARSE_ERRORS_SQL).fetchall()
    return listing_check(
        errors,
        lambda row: f"{code(f'{row[0]}:{row[1]}')}: {code(row[2])}",
        severity=dg.AssetCheckSeverity.WARN,
        count="failed_statements",
    )
