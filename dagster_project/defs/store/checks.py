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
    from lineage_assets.store.views import stale_sources

    with lineage_store.reader() as conn:
        stale = stale_sources(conn)
    return listing_check(
        stale,
        lambda source: f"{code(source.source_key)} ({source.status}): {code(source.last_error)}",
        severity=dg.AssetCheckSeverity.WARN,
        count="stale_sources",
    )
