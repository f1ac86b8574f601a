"""Athena query history. Nightly (in the lineage job), `athena_query_history` reads every
workgroup of every account and region the AWS resource opens, asking only for executions newer
than the last crawl's; successful statements become observed lineage."""

import dagster as dg

from dagster_project.names import ATHENA_QUERY_HISTORY, CRAWL_RUN, SOURCES_GROUP
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id


class AthenaCrawlConfig(dg.Config):
    """Run options; 0 takes `LINEAGE_ATHENA_DAYS` / `LINEAGE_ATHENA_MAX_EXECUTIONS`."""

    days: int = 0
    max_executions: int = 0


@dg.asset(
    key=ATHENA_QUERY_HISTORY,
    deps=[CRAWL_RUN],
    group_name=SOURCES_GROUP,
    kinds={"athena", "duckdb"},
    pool=DUCKDB_POOL,
    description="Athena query executions of the last days per workgroup, account and region, "
    "incrementally (an unchanged workgroup costs one listing call): successful DDL/DML as "
    "observed table and column lineage tied to the execution, SELECT-only queries as reads. "
    "Query results are never read.",
)
def athena_query_history(
    context: dg.AssetExecutionContext,
    config: AthenaCrawlConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> dg.MaterializeResult:
    from lineage_assets.accounts.estate import record
    from lineage_assets.athena.crawl import Target, crawl_targets
    from lineage_assets.athena.settings import with_overrides
    from lineage_assets.athena.views import execution_counts

    require(lineage_store, aws)
    settings = with_overrides(days=config.days, max_executions=config.max_executions)
    estate = aws.estate()
    targets = [Target(t.account_id, t.region, t.clients) for t in estate.targets]
    try:
        with lineage_store.writer() as store:
            run_id = crawl_run_id(store, context)
            record(estate, store, run_id)
            report = crawl_targets(store, targets, store.conn, settings, run_id=run_id)
            counts = execution_counts(store.conn)
    finally:
        estate.close()
    for line in [*estate.errors, *report.errors]:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "account_regions": len(estate.targets),
            "workgroups": report.workgroups,
            "new_executions": report.listed,
            "written": report.written,
            "ignored_failed_or_cancelled": report.ignored,
            "still_running": report.pending,
            "queries_parsed": report.parsed,
            "errors": len(estate.errors) + len(report.errors),
            "stored_per_workgroup": dg.MetadataValue.json(counts),
        }
    )
