"""What the S3 assets show in the UI: buckets' posture, sampled datasets with their schemas,
bytes and requests spent, and problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.metadata import bullets, code, table

if TYPE_CHECKING:  # pyarrow and boto3 load when a run samples, not with the code location
    from lineage_assets.s3_schema.crawl import CrawlResult
    from lineage_assets.s3_schema.posture import BucketPosture
    from lineage_assets.s3_schema.sampler import DatasetSample

MAX_SCHEMAS_IN_METADATA = 25
# Column headers of the metadata tables (shown even when a table is empty).
DATASET_COLUMNS = ("dataset", "format", "version", "columns", "objects", "bytes_read", "error")
BUCKET_COLUMNS = ("bucket", "region", "encryption", "versioning", "public_access", "call_errors")


def posture_metadata(postures: Sequence[BucketPosture], errors: Sequence[str]) -> dict[str, Any]:
    """Every bucket's encryption, versioning and public access, and the calls that failed."""
    return {
        "buckets": table(
            (
                {
                    "bucket": p.bucket,
                    "region": p.region,
                    "encryption": p.encryption,
                    "versioning": p.versioning,
                    "public_access": p.public_access,
                    "call_errors": len(p.errors),
                }
                for p in postures
            ),
            BUCKET_COLUMNS,
        ),
        "dagster/row_count": len(postures),
        "unencrypted_or_public": sum(
            p.encryption == "none" or p.public_access != "blocked" for p in postures
        ),
        "errors": bullets(code(line) for line in errors),
    }


def column_schema(sample: DatasetSample) -> dg.TableSchemaMetadataValue:
    """A dataset's columns as the UI's table schema (partition columns described as such)."""
    return dg.MetadataValue.table_schema(
        dg.TableSchema(
            columns=[
                dg.TableColumn(
                    c.path,
                    c.type,
                    description="partition column" if c.is_partition else None,
                    constraints=dg.TableColumnConstraints(nullable=c.nullable),
                )
                for c in sample.columns
            ]
        )
    )


def crawl_metadata(result: CrawlResult) -> dict[str, Any]:
    """Per-dataset summary, a table schema per dataset, bytes and requests, problems."""
    samples = result.samples
    metadata: dict[str, Any] = {
        "datasets": table(
            (
                {
                    "dataset": s.uri,
                    "format": s.format,
                    "version": s.version,
                    "columns": len(s.columns),
                    "objects": len(s.sampled_from),
                    "bytes_read": s.bytes_read,
                    "error": (s.error or "")[:200],
                }
                for s in samples
            ),
            DATASET_COLUMNS,
        ),
        "dagster/row_count": len(samples),
        "bytes_read": result.budget.bytes_read,
        "requests_made": result.budget.requests_made,
        "failed": bullets(code(line) for line in result.failed.values()),
        "skipped_by_budget": bullets(code(uri) for uri in result.skipped),
    }
    if len(samples) == 1 and samples[0].columns:
        metadata["dagster/column_schema"] = column_schema(samples[0])
    for sample in [s for s in samples if s.columns][:MAX_SCHEMAS_IN_METADATA]:
        metadata[f"schema {sample.uri}"] = column_schema(sample)
    return metadata
