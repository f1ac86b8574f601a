"""SageMaker pipeline lineage. Nightly, `sagemaker_crawl` (in the lineage job) crawls every
pipeline of every configured account and region in one process (each account with its own
clients: the caller's default chain or the assumed role); `sagemaker_pipeline_lineage` has one
dynamic partition per pipeline, crawled on demand, or many in one run (a single-run backfill:
one process, one DuckDB writer). Both use the same crawler.

Unchanged pipelines cost two API calls; metadata is read back from the store, so it shows the
pipeline's state whether it was re-crawled or not.
"""

import dagster as dg

from dagster_project.defs.sagemaker.metadata import crawl_metadata, partition_metadata
from dagster_project.defs.sagemaker.partitions import pipelines_by_account, sagemaker_pipelines
from dagster_project.names import (
    CRAWL_RUN,
    SAGEMAKER_CRAWL,
    SAGEMAKER_GROUP,
    SAGEMAKER_PIPELINE_LINEAGE,
    SOURCES_GROUP,
)
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id
from lineage_assets.sagemaker.bounds import DEFAULT_EXECUTIONS


class SageMakerCrawlConfig(dg.Config):
    """Run options: how many latest executions, and whether to ignore the incremental state."""

    executions: int = DEFAULT_EXECUTIONS
    force: bool = False


@dg.asset(
    key=SAGEMAKER_CRAWL,
    deps=[CRAWL_RUN],
    group_name=SOURCES_GROUP,
    kinds={"sagemaker", "duckdb"},
    pool=DUCKDB_POOL,
    description="Every SageMaker pipeline of every configured account and region (those "
    "`aws_accounts` can open), incrementally (an "
    "unchanged pipeline costs two API calls): definitions, executions, steps, jobs, models, "
    "feature groups. The partitioned `sagemaker_pipeline_lineage` crawls one on demand.",
)
def sagemaker_crawl(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource, aws: AwsResource
) -> dg.MaterializeResult:
    from lineage_assets.sagemaker.crawl import CrawlReport, crawl_regions

    require(lineage_store, aws)
    estate = aws.estate()
    scopes = [f"{target.account_id}/{target.region}" for target in estate.targets]
    try:
        with lineage_store.writer() as store:
            run_id = crawl_run_id(store, context)
            report = CrawlReport()
            for target in estate.targets:
                report.merge(
                    crawl_regions(
                        store,
                        target.clients,
                        target.account_id,
                        [target.region],
                        run_id=run_id,
                        reads=store.conn,
                    )
                )
            metadata = crawl_metadata(store.conn, report, scopes)
    finally:
        estate.close()
    for line in [*estate.errors, *report.errors]:
        context.log.warning(line)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=SAGEMAKER_PIPELINE_LINEAGE,
    partitions_def=sagemaker_pipelines,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=SAGEMAKER_GROUP,
    kinds={"sagemaker", "duckdb"},
    pool=DUCKDB_POOL,
    description="One SageMaker pipeline's lineage: definition steps and edges, resolved I/O, "
    "latest executions, jobs, model packages, feature groups.",
)
def sagemaker_pipeline_lineage(
    context: dg.AssetExecutionContext,
    config: SageMakerCrawlConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> dg.MaterializeResult:
    from lineage_assets.accounts.clients import AccountClients
    from lineage_assets.accounts.estate import AccountUnavailable, Problem, record_problem
    from lineage_assets.sagemaker.crawl import CrawlReport, crawl_named

    keys = list(context.partition_keys)
    require(lineage_store, aws)
    viewer_base = lineage_store.viewer_base
    opened: dict[str, AccountClients] = {}
    unavailable: list[Problem] = []
    for account, by_region in pipelines_by_account(keys).items():
        try:  # AWS calls before the writer's lock
            opened[account] = aws.open_account(account, next(iter(by_region)))
        except AccountUnavailable as error:  # its pipelines keep their last good rows
            unavailable.append(error.problem)
    try:
        with lineage_store.writer() as store:
            run_id = crawl_run_id(store, context)
            report = CrawlReport()
            report.errors += [record_problem(problem, store, run_id) for problem in unavailable]
            for account, by_region in pipelines_by_account(keys).items():
                clients = opened.get(account)
                if clients is None:
                    continue
                report.merge(
                    crawl_named(
                        store,
                        clients,
                        account,
                        by_region,
                        run_id=run_id,
                        executions=config.executions,
                        force=config.force,
                        reads=store.conn,
                    )
                )
            per_partition = {
                key: partition_metadata(store.conn, key, report, viewer_base) for key in keys
            }
            store.finish_run(run_id)
            store.publish()
    finally:
        for clients in opened.values():
            clients.close()
    for line in report.errors:
        context.log.warning(line)
    for key, metadata in per_partition.items():  # a run of many partitions: each its own
        context.add_asset_metadata(metadata, partition_key=key)
    return dg.MaterializeResult()
