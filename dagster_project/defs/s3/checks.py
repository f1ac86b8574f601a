"""Checks of the sampled S3 datasets, reading the published copy (never the writer's file):
schema drift, and personal data in buckets that are not protected."""

import dagster as dg

from dagster_project.metadata import bullets, code, table
from dagster_project.names import S3_DATASET_SCHEMAS
from dagster_project.resources import LineageStoreResource

FINDING_COLUMNS = ("dataset", "pii", "pii_columns", "encryption", "public_access")
MAX_LISTED = 100


@dg.asset_check(
    asset=S3_DATASET_SCHEMAS,
    description="Schema drift found by the latest sample: WARN when only additive (columns "
    "added, types widened, nullability), ERROR when breaking (removed, changed, partitions).",
)
def s3_schema_drift(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.s3_schema.views import latest_drift

    with lineage_store.reader() as conn:
        drift = latest_drift(conn)
    breaking = [d for d in drift if d.breaking]
    return dg.AssetCheckResult(
        passed=not drift,
        severity=dg.AssetCheckSeverity.ERROR if breaking else dg.AssetCheckSeverity.WARN,
        metadata={
            "changes": len(drift),
            "breaking": len(breaking),
            "drift": bullets(
                f"{'BREAKING ' if d.breaking else ''}{code(d.dataset_uri)} {d.change_kind} "
                f"{code(d.column_path)}: {code(d.detail)}"
                for d in drift[:MAX_LISTED]
            ),
        },
    )


@dg.asset_check(
    asset=S3_DATASET_SCHEMAS,
    description="Fails when a dataset with PII sits in a bucket without default encryption or "
    "without a full public-access block (or whose posture is unknown).",
)
def s3_pii_bucket_protection(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.s3_schema.views import exposed_pii

    with lineage_store.reader() as conn:
        exposed = exposed_pii(conn)
    return dg.AssetCheckResult(
        passed=not exposed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "exposed_datasets": len(exposed),
            "findings": table(
                (
                    {
                        "dataset": e.dataset_uri,
                        "pii": ", ".join(e.pii_classes),
                        "pii_columns": e.pii_columns,
                        "encryption": e.encryption,
                        "public_access": e.public_access,
                    }
                    for e in exposed
                ),
                FINDING_COLUMNS,
            ),
        },
    )
