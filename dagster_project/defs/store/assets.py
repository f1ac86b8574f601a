"""The crawl run bookkeeping and the store's health summary: the first and last assets of a crawl.

`crawl_run` opens a crawl run for this Dagster run; source assets (SQL, SageMaker, S3) hang
between it and `lineage_store_health`, which closes the run, counts rows and publishes the
read-only copy that analysts and the CLI query.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.metadata import code, table
from dagster_project.names import (
    CRAWL_GROUP,
    CRAWL_RUN,
    LINEAGE_GRAPH,
    LINEAGE_STORE_HEALTH,
    SOURCE_ASSET_KEYS,
    STORE_GROUP,
)
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource, require_for_run
from dagster_project.runs import crawl_run_id

if TYPE_CHECKING:
    from lineage_assets.store.views import StaleSource

ROW_COUNT_COLUMNS = ("table", "rows")


@dg.asset(
    key=CRAWL_RUN,
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
        run_id = crawl_run_id(store, context)
    context.log.info("crawl run %s opened", run_id)
    return dg.MaterializeResult(
        metadata={"crawl_run_id": run_id, "store": dg.MetadataValue.path(lineage_store.home)}
    )


def summary_markdown(run: dict[str, Any], stale: "Sequence[StaleSource]") -> str:
    """A short markdown report: the run's outcome and every stale or failed source."""
    lines = [
        f"**Crawl run** {code(run['run_id'])}: {run['status']}, "
        f"{run['sources_ok']} sources ok, {run['sources_failed']} failed.",
        "",
    ]
    if stale:
        lines += ["| source | status | last error |", "|---|---|---|"]
        lines += [
            f"| {code(s.source_key)} | {s.status} | {code((s.last_error or '')[:200])} |"
            for s in stale
        ]
    else:
        lines.append("No stale sources.")
    return "\n".join(lines)


@dg.asset(
    key=LINEAGE_STORE_HEALTH,
    deps=[CRAWL_RUN, *SOURCE_ASSET_KEYS, LINEAGE_GRAPH],
    group_name=STORE_GROUP,
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="Closes the crawl run, counts rows per table and publishes the read-only copy.",
)
def lineage_store_health(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource
) -> dg.MaterializeResult:
    from lineage_assets.store.views import stale_sources

    with lineage_store.writer() as store:
        run = store.finish_run(crawl_run_id(store, context))
        counts = store.table_counts()
        stale = stale_sources(store.conn)
        published = store.publish()
    return dg.MaterializeResult(
        metadata={
            "row_counts": table(
                ({"table": t, "rows": n} for t, n in counts.items()), ROW_COUNT_COLUMNS
            ),
            "dagster/row_count": sum(counts.values()),
            "stale_sources": len(stale),
            "crawl_run": dg.MetadataValue.md(summary_markdown(run, stale)),
            **(
                {"published_copy": dg.MetadataValue.path(str(published))}
                if published is not None
                else {"store": dg.MetadataValue.text(lineage_store.location)}  # the lake
            ),
        }
    )
