"""S3: bucket posture and dataset schemas, the drift and PII-protection checks, and the job
sampling one dataset on demand."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.s3.assets import s3_bucket_posture, s3_dataset_schemas
from dagster_project.defs.s3.checks import s3_pii_bucket_protection, s3_schema_drift
from dagster_project.defs.s3.jobs import s3_schema_scan_job


def defs() -> dg.Definitions:
    """The S3 domain's definitions."""
    return dg.Definitions(
        assets=[s3_bucket_posture, s3_dataset_schemas],
        asset_checks=[s3_schema_drift, s3_pii_bucket_protection],
        jobs=[s3_schema_scan_job],
    )
