"""Checks of the SQL lineage, reading the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.metadata import code, listing_check
from dagster_project.names import SQL_LINEAGE
from dagster_project.resources import LineageStoreResource


@dg.asset_check(asset=SQL_LINEAGE, description="Warns when any SQL statement failed to parse.")
def sql_statements_parse(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.git_sql.views import parse_errors

    with lineage_store.reader() as conn:
        errors = parse_errors(conn)
    return listing_check(
        errors,
        lambda error: f"{code(f'{error.file}:{error.line}')}: {code(error.error)}",
        severity=dg.AssetCheckSeverity.WARN,
        count="failed_statements",
    )
