"""S3: every bucket's security posture, and every S3 location the crawl found (plus configured
prefixes) sampled, versioned and classified for PII; drift and DSPM checks; an ad hoc scan job
for one URI.

Schemas run after the bucket posture and SageMaker sources, so their URIs and buckets are in
the store; one bucket or dataset that fails is recorded, stale, and the rest go on.
"""

from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, code, table
from dagster_project.names import S3_BUCKET_POSTURE, SAGEMAKER_CRAWL, SOURCES_GROUP, SQL_LINEAGE
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from lineage_assets import config as settings

if TYPE_CHECKING:  # pyarrow and boto3 load when a run samples, not with the code location
    from lineage_assets.s3_schema import DatasetSample, SamplingConfig
    from lineage_assets.s3_schema.crawl import CrawlResult

# Sources whose rows name the URIs and buckets this asset reads (ordering only).
UPSTREAM_SOURCE_KEYS = (S3_BUCKET_POSTURE, SAGEMAKER_CRAWL, SQL_LINEAGE)
PREFIXES_ENV = "LINEAGE_S3_PREFIXES"
MAX_SCHEMAS_IN_METADATA = 25
# Column headers of the metadata tables (shown even when a table is empty).
DATASET_COLUMNS = ("dataset", "format", "version", "columns", "objects", "bytes_read", "error")
BUCKET_COLUMNS = ("bucket", "region", "encryption", "versioning", "public_access", "call_errors")
FINDING_COLUMNS = ("dataset", "pii", "pii_columns", "encryption", "public_access")


class S3SchemaConfig(dg.Config):
    """How much the crawl may read; prefixes add to the URIs found in the store."""

    prefixes: list[str] = Field(
        default_factory=list, description=f"Extra S3 prefixes to sample (also ${PREFIXES_ENV})."
    )
    max_objects: int = Field(default=5, description="Objects sampled per dataset.")
    head_bytes: int = Field(
        default=0, description="Bytes read from CSV/JSON heads; 0: the sampler's default."
    )
    byte_budget: int | None = Field(default=None, description="Crawl-wide byte cap; none if unset.")

    def sampling(self) -> "SamplingConfig":
        """The library's sampling settings."""
        from lineage_assets.s3_schema import SamplingConfig

        head = {"head_bytes": self.head_bytes} if self.head_bytes else {}
        return SamplingConfig(max_objects=self.max_objects, **head)


def configured_prefixes(extra: list[str]) -> list[str]:
    """Run-config prefixes plus the comma-separated `LINEAGE_S3_PREFIXES`."""
    from_env = [p.strip() for p in settings.env(PREFIXES_ENV, "").split(",") if p.strip()]
    return [*extra, *from_env]


def column_schema(sample: "DatasetSample") -> dg.TableSchemaMetadataValue:
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


def crawl_metadata(result: "CrawlResult") -> dict[str, Any]:
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


@dg.asset(
    deps=[crawl_run],
    group_name=SOURCES_GROUP,
    kinds={"s3", "duckdb"},
    pool=DUCKDB_POOL,
    description="Default encryption, versioning, public-access block and tags of every bucket.",
)
def s3_bucket_posture(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource, aws: AwsResource
) -> dg.MaterializeResult:
    from lineage_assets.s3_schema.posture import crawl_buckets

    require(lineage_store, aws)
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        postures, errors = crawl_buckets(store, aws.client("s3"), run_id)
    for line in errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
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
    )


@dg.asset(
    deps=[crawl_run, *UPSTREAM_SOURCE_KEYS],
    group_name=SOURCES_GROUP,
    kinds={"s3", "duckdb"},
    pool=DUCKDB_POOL,
    description="Schemas of every S3 dataset the pipelines and SQL touch: sampled with bounded "
    "reads, versioned by content hash, drift classified, columns classified for PII.",
)
def s3_dataset_schemas(
    context: dg.AssetExecutionContext,
    config: S3SchemaConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> dg.MaterializeResult:
    from lineage_assets.s3_schema import CrawlBudget
    from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
    from lineage_assets.s3_schema.views import store_dataset_uris

    require(lineage_store, aws)
    region = aws.region_list[0]
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        uris = store_dataset_uris(store.conn) + configured_prefixes(config.prefixes)
        result = crawl_datasets(
            store,
            uris,
            aws.client("s3"),
            region_readers(region),
            budget=CrawlBudget(config.byte_budget),
            config=config.sampling(),
            run_id=run_id,
        )
        store.publish()  # its checks read the published copy, never the writer's file
    for message in [*result.failed.values(), *(f"{u}: skipped by budget" for u in result.skipped)]:
        context.log.warning(message)
    context.log.info(
        "sampled %d datasets, %d bytes in %d requests",
        len(result.samples),
        result.budget.bytes_read,
        result.budget.requests_made,
    )
    return dg.MaterializeResult(metadata=crawl_metadata(result))


@dg.asset_check(
    asset=s3_dataset_schemas,
    description="Schema drift found by the latest sample: WARN when only additive (columns "
    "added, types widened, nullability), ERROR when breaking (removed, changed, partitions).",
)
def s3_schema_drift(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        from lineage_assets.s3_schema.views import latest_drift

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
                for d in drift[:100]
            ),
        },
    )


@dg.asset_check(
    asset=s3_dataset_schemas,
    description="Fails when a dataset with PII sits in a bucket without default encryption or "
    "without a full public-access block (or whose posture is unknown).",
)
def s3_pii_bucket_protection(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        from lineage_assets.s3_schema.views import exposed_pii

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


class ScanConfig(dg.Config):
    """One dataset to sample now (the old `POST /datasets/schema/scan`)."""

    s3_uri: str = Field(description="s3://bucket/prefix of the dataset.")
    max_objects: int = Field(default=5, description="Objects sampled.")


@dg.op(pool=DUCKDB_POOL, description="Sample one S3 dataset, store it and publish the store.")
def scan_s3_dataset(
    context: dg.OpExecutionContext,
    config: ScanConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> None:
    from lineage_assets.s3_schema import SamplingConfig
    from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers

    require(lineage_store, aws)
    with lineage_store.writer() as store:
        run_id = store.begin_run("adhoc:s3_schema_scan", context.run_id)
        result = crawl_datasets(
            store,
            [config.s3_uri],
            aws.client("s3"),
            region_readers(aws.region_list[0]),
            config=SamplingConfig(max_objects=config.max_objects),
            run_id=run_id,
        )
        store.finish_run(run_id)
        store.publish()
    if result.failed:
        raise dg.Failure(description=next(iter(result.failed.values())))
    context.add_output_metadata(crawl_metadata(result))


@dg.job(description="Sample one S3 dataset now; run config: ops.scan_s3_dataset.config.s3_uri.")
def s3_schema_scan_job() -> None:
    scan_s3_dataset()
