"""The Glue catalog's declared schemas against the data sampled at their locations, read from
the published copy after the S3 schemas are sampled."""

import dagster as dg

from dagster_project.defs.glue.metadata import drift_metadata
from dagster_project.names import GLUE_CATALOG, S3_DATASET_SCHEMAS
from dagster_project.resources import LineageStoreResource


@dg.asset_check(
    asset=GLUE_CATALOG,
    additional_deps=[S3_DATASET_SCHEMAS],
    description="Fails when a Glue table's declared columns differ from the schema sampled at "
    "its location: ERROR when readers break (a declared column the data lacks, a type that "
    "disagrees), WARN when the data only has undeclared columns.",
)
def glue_schema_drift(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.glue.views import schema_drift

    with lineage_store.reader() as conn:
        drift = schema_drift(conn)
    breaking = any(d.breaking for d in drift)
    return dg.AssetCheckResult(
        passed=not drift,
        severity=dg.AssetCheckSeverity.ERROR if breaking else dg.AssetCheckSeverity.WARN,
        metadata=drift_metadata(drift),
    )
