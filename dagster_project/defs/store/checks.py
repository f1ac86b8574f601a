"""Checks of the store's health, reading the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.metadata import code, listing_check
from dagster_project.names import LINEAGE_STORE_HEALTH
from dagster_project.resources import LineageStoreResource


@dg.asset_check(
    asset=LINEAGE_STORE_HEALTH,
    description="Warns when sources keep stale lineage because their last crawl failed.",
)
def no_stale_sources(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        stale = conn.execute(
            "SELECT source_key, status, last_error FROM stale_sources ORDER BY source_key"
        ).fetchall()
    return listing_check(
        stale,
        lambda row: f"{code(row[0])} ({row[1]}): {code(row[2])}",
        severity=dg.AssetCheckSeverity.WARN,
        count="stale_sources",
    )
