"""S3: every bucket's security posture, and every S3 location the crawl found (plus configured
prefixes) sampled, versioned and classified for PII.

Schemas run after the bucket posture and SageMaker sources, so their URIs and buckets are in
the store; one bucket or dataset that fails is recorded, stale, and the rest go on.
"""

from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from dagster_project.defs.s3.metadata import crawl_metadata, posture_metadata
from dagster_project.names import (
    CRAWL_RUN,
    GLUE_CATALOG,
    S3_BUCKET_POSTURE,
    S3_DATASET_SCHEMAS,
    SAGEMAKER_CRAWL,
    SOURCES_GROUP,
    SQL_LINEAGE,
)
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id

if TYPE_CHECKING:  # pyarrow and boto3 load when a run samples, not with the code location
    from lineage_assets.s3_schema.sampler import SamplingConfig

# Sources whose rows name the URIs and buckets this asset reads (ordering only): Glue
# tables' locations are sampled too.
UPSTREAM_SOURCE_KEYS = (S3_BUCKET_POSTURE, SAGEMAKER_CRAWL, SQL_LINEAGE, GLUE_CATALOG)


class S3SchemaConfig(dg.Config):
    """How much the crawl may read; prefixes add to the URIs found in the store."""

    prefixes: list[str] = Field(
        default_factory=list, description="Extra S3 prefixes to sample (also $LINEAGE_S3_PREFIXES)."
    )
    max_objects: int = Field(default=5, description="Objects sampled per dataset.")
    head_bytes: int = Field(
        default=0, description="Bytes read from CSV/JSON heads; 0: the sampler's default."
    )
    byte_budget: int | None = Field(default=None, description="Crawl-wide byte cap; none if unset.")

    def sampling(self) -> "SamplingConfig":
        """The library's sampling settings."""
        from lineage_assets.s3_schema.sampler import SamplingConfig

        head = {"head_bytes": self.head_bytes} if self.head_bytes else {}
        return SamplingConfig(max_objects=self.max_objects, **head)


@dg.asset(
    key=S3_BUCKET_POSTURE,
    deps=[CRAWL_RUN],
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
        postures, errors = crawl_buckets(store, aws.client("s3"), crawl_run_id(store, context))
    for line in errors:
        context.log.warning(line)
    return dg.MaterializeResult(metadata=posture_metadata(postures, errors))


@dg.asset(
    key=S3_DATASET_SCHEMAS,
    deps=[CRAWL_RUN, *UPSTREAM_SOURCE_KEYS],
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
    from lineage_assets.s3_schema.budget import CrawlBudget
    from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
    from lineage_assets.s3_schema.views import store_dataset_uris

    require(lineage_store, aws)
    region = aws.region_list[0]
    prefixes = [*config.prefixes, *aws.extra_s3_prefixes]
    with lineage_store.writer() as store:
        run_id = crawl_run_id(store, context)
        result = crawl_datasets(
            store,
            store_dataset_uris(store.conn) + prefixes,
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
