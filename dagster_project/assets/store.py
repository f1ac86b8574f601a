"""The crawl run bookkeeping and the store's health summary: the first and last assets of a crawl.

`crawl_run` opens a crawl run for this Dagster run; source assets (SQL, SageMaker, S3) hang
between it and `lineage_store_health`, which closes the run, counts rows and publishes the
read-only copy that analysts and the CLI query.
"""

import dagster as dg

from dagster_project.metadata import code, listing_check, table
from dagster_project.names import CRAWL_GROUP, LINEAGE_GRAPH, SOURCE_ASSET_KEYS, STORE_GROUP
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource, require_for_run


def run_trigger(context: dg.AssetExecutionContext) -> str:
    """What started this run: a schedule, a sensor, a backfill or a person."""
    tags = context.run.tags
    if "dagster/schedule_name" in tags:
        return f"schedule:{tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"sensor:{tags['dagster/sensor_name']}"
    return "manual"


@dg.asset(
    group_name=CRAWL_GROUP,
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="Opens a crawl run in the store for this Dagster run; sources record against it.",
)
def crawl_run(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource
) -> dg.MaterializeResult:
    require_for_run(context, lineage_store)
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
    context.log.info("crawl run %s opened", run_id)
    return dg.MaterializeResult(
        metadata={"crawl_run_id": run_id, "store": dg.MetadataValue.path(lineage_store.home)}
    )


def _summary_markdown(run: dict, stale: list[tuple[str, str, str]]) -> str:
    """A short markdown report: the run's outcome and every stale or failed source."""
    lines = [
        f"**Crawl run** {code(run['run_id'])}: {run['status']}, "
        f"{run['sources_ok']} sources ok, {run['sources_failed']} failed.",
        "",
    ]
    if stale:
        lines += ["| source | status | last error |", "|---|---|---|"]
        lines += [
            f"| {code(key)} | {status} | {code((error or '')[:200])} |"
            for key, status, error in stale
        ]
    else:
        lines.append("No stale sources.")
    return "\n".join(lines)


@dg.asset(
    deps=[crawl_run, *SOURCE_ASSET_KEYS, LINEAGE_GRAPH],
    group_name=STORE_GROUP,
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="Closes the crawl run, counts rows per table and publishes the read-only copy.",
)
def lineage_store_health(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource
) -> dg.MaterializeResult:
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        run = store.finish_run(run_id)
        counts = store.table_counts()
        stale = store.conn.execute(
            "SELECT source_key, status, last_error FROM stale_sources ORDER BY source_key"
        ).fetchall()
        published = store.publish()
    return dg.MaterializeResult(
        metadata={
            "row_counts": table(
                ({"table": t, "rows": n} for t, n in counts.items()), ("table", "rows")
            ),
            "dagster/row_count": sum(counts.values()),
            "stale_sources": len(stale),
            "crawl_run": dg.MetadataValue.md(_summary_markdown(run, stale)),
            "published_copy": dg.MetadataValue.path(str(published)),
        }
    )


@dg.asset_check(
    asset=lineage_store_health,
    description="Warns when sources keep stale lineage because their last crawl failed.",
)
def no_stale_sources(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        stale = conn.execute(
            "SELECT source_key, status, last_error FROM stale_sources ORDER BY source_key"
        ).fetchall()
    return listing_check(
        stale,
        lambda row: f"{code(row[0])} ({row[1]}): {code(row[2])}",
        severity=dg.AssetCheckSeverity.WARN,
        count="stale_sources",
    )
