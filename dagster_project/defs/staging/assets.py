"""The staged SageMaker crawl (per account x region, no writer: incremental state from the
published copy, writes staged as Parquet) and `ingest_staged`, the single writer that applies
what is staged (also part of the nightly job, where it does nothing while staging is off)."""

import dagster as dg

from dagster_project.defs.sagemaker.assets import SageMakerCrawlConfig
from dagster_project.defs.staging.partitions import account_region, account_regions
from dagster_project.defs.staging.resources import StagingResource
from dagster_project.names import (
    CRAWL_RUN,
    INGEST_STAGED,
    SAGEMAKER_CRAWL_STAGED,
    SOURCES_GROUP,
    STAGING_GROUP,
)
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id


@dg.asset(
    key=SAGEMAKER_CRAWL_STAGED,
    partitions_def=account_regions,
    group_name=STAGING_GROUP,
    kinds={"sagemaker", "parquet"},
    description="One account x region of SageMaker crawled into staged batches (no database "
    "writer: runs of many partitions go in parallel); `ingest_staged` applies them.",
)
def sagemaker_crawl_staged(
    context: dg.AssetExecutionContext,
    config: SageMakerCrawlConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
    staging: StagingResource,
) -> dg.MaterializeResult:
    from lineage_assets import config as settings
    from lineage_assets.staging.crawls import stage_sagemaker, state_reader

    account, region = account_region(context.partition_key)
    location = staging.required_location()
    require(lineage_store)
    clients = aws.account_clients(account, region)  # fails naming an unusable account
    try:
        with state_reader(settings.published_path(lineage_store.home)) as reads:
            report, batches = stage_sagemaker(
                location, clients, account, region, reads=reads,
                producer_run_id=context.run.run_id, executions=config.executions,
                force=config.force,
            )  # fmt: skip
    finally:
        clients.close()
    for line in report.errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "batches": len(batches),
            "operations": sum(b.operations for b in batches),
            "rows_staged": sum(b.rows for b in batches),
            "errors": len(report.errors),
            "staging": location.url,
        }
    )


@dg.asset(
    key=INGEST_STAGED,
    deps=[CRAWL_RUN, SAGEMAKER_CRAWL_STAGED],
    group_name=SOURCES_GROUP,
    kinds={"duckdb", "parquet"},
    pool=DUCKDB_POOL,
    description="Applies every staged batch that is ready (manifest written), each once and "
    "in producer order; sweeps batches whose crawl died; publishes the read-only copy.",
)
def ingest_staged(
    context: dg.AssetExecutionContext,
    lineage_store: LineageStoreResource,
    staging: StagingResource,
) -> dg.MaterializeResult:
    from lineage_assets.staging.ingest import ingest

    location = staging.location()
    if location is None:
        return dg.MaterializeResult(metadata={"staging": "off (LINEAGE_STAGING_URL unset)"})
    require(lineage_store)
    with lineage_store.writer() as store:
        report = ingest(
            store, location, run_id=crawl_run_id(store, context), keep=staging.keep,
            sweep_after=staging.sweep_after, progress=context.log.debug,
        )  # fmt: skip
        store.publish()
    for batch_id, message in report.rejected.items():
        context.log.warning("staged batch %s rejected: %s", batch_id, message)
    return dg.MaterializeResult(
        metadata={
            "batches_applied": len(report.applied),
            "operations": report.operations,
            "rows": report.rows,
            "rejected": len(report.rejected),
            "waiting_without_manifest": len(report.waiting),
            "swept": len(report.swept),
            "deleted": len(report.deleted),
            "kept": len(report.kept),
            "staging": location.url,
        }
    )
