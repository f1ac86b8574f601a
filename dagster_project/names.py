"""The code location's vocabulary: every asset key, group, job, schedule and sensor name,
written once. Assets are declared with these keys and depend on each other through them, so a
rename breaks at import, not silently, and no module names another's asset by a string."""

from __future__ import annotations

import dagster as dg

# Groups: the nightly job selects the first four.
CRAWL_GROUP = "crawl"
SOURCES_GROUP = "sources"
GRAPH_GROUP = "graph"
STORE_GROUP = "store"
SAGEMAKER_GROUP = "sagemaker"

# Asset keys, by domain (`defs/<domain>/`).
CRAWL_RUN = dg.AssetKey("crawl_run")
LINEAGE_STORE_HEALTH = dg.AssetKey("lineage_store_health")
SQL_SOURCES = dg.AssetKey("sql_sources")
SQL_LINEAGE = dg.AssetKey("sql_lineage")
SAGEMAKER_CRAWL = dg.AssetKey("sagemaker_crawl")
SAGEMAKER_PIPELINE_LINEAGE = dg.AssetKey("sagemaker_pipeline_lineage")
S3_BUCKET_POSTURE = dg.AssetKey("s3_bucket_posture")
S3_DATASET_SCHEMAS = dg.AssetKey("s3_dataset_schemas")
LINEAGE_GRAPH = dg.AssetKey("lineage_graph")
OPENLINEAGE_EXPORT = dg.AssetKey("openlineage_export")
RETENTION_REPORTS = dg.AssetKey("retention_reports")
GLUE_CATALOG = dg.AssetKey("glue_catalog")
# Applies the batches staged by crawl runs that hold no writer (`defs/staging/`).
INGEST_STAGED = dg.AssetKey("ingest_staged")
ATHENA_QUERY_HISTORY = dg.AssetKey("athena_query_history")
SAGEMAKER_SERVING = dg.AssetKey("sagemaker_serving")
# The accounts and regions the AWS crawls cover, and the error rows of those they cannot.
AWS_ACCOUNTS = dg.AssetKey("aws_accounts")

# Every source asset of the nightly crawl: the graph and the store's health run after them.
SOURCE_ASSET_KEYS = (
    S3_BUCKET_POSTURE,
    SAGEMAKER_CRAWL,
    SQL_LINEAGE,
    S3_DATASET_SCHEMAS,
    INGEST_STAGED,
    GLUE_CATALOG,
    ATHENA_QUERY_HISTORY,
    SAGEMAKER_SERVING,
    AWS_ACCOUNTS,
)

# Jobs, the schedule and the sensor.
LINEAGE_JOB = "lineage_job"
SAGEMAKER_CRAWL_JOB = "sagemaker_lineage_job"
PARSE_INLINE_SQL_JOB = "parse_inline_sql"
S3_SCHEMA_SCAN_JOB = "s3_schema_scan_job"
NIGHTLY_SCHEDULE = "nightly_lineage"
LAKE_MAINTENANCE_JOB = "lake_maintenance_job"
LAKE_MAINTENANCE_SCHEDULE = "lake_maintenance"
PIPELINE_DISCOVERY_SENSOR = "sagemaker_pipeline_discovery"

# The dynamic partitions of `SAGEMAKER_PIPELINE_LINEAGE`: one per pipeline.
SAGEMAKER_PIPELINES_PARTITIONS = "sagemaker_pipelines"

# Fan out, fan in (`defs/staging/`): crawl steps staged in parallel runs, one ingest applies them.
STAGING_GROUP = "staging"
SAGEMAKER_CRAWL_STAGED = dg.AssetKey("sagemaker_crawl_staged")
STAGED_CRAWL_JOB = "staged_crawl_job"
INGEST_STAGED_JOB = "ingest_staged_job"
# The dimensions of the staged crawls' partitions (`<account>|<region>` as Dagster writes it).
AWS_ACCOUNTS_PARTITIONS = "aws_accounts"
AWS_REGIONS_PARTITIONS = "aws_regions"
