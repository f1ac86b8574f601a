"""The right-to-erasure check, reading the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.metadata import code, listing_check
from dagster_project.names import RETENTION_REPORTS
from dagster_project.resources import LineageStoreResource


@dg.asset_check(
    asset=RETENTION_REPORTS,
    description="Fails while a dataset (at, inside or around an object a cross-check names) "
    "still holds ids a deletion report lists, naming the dataset and both reports.",
)
def retention_no_deleted_ids_held(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.retention.check import violations

    with lineage_store.reader() as conn:
        found = violations(conn)
    return listing_check(
        found,
        lambda v: code(v.describe()),
        severity=dg.AssetCheckSeverity.ERROR,
        count="datasets_holding_deleted_ids",
    )
