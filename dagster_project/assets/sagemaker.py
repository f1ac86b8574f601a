"""SageMaker pipeline lineage. Nightly, `sagemaker_crawl` (in the lineage job) crawls every
pipeline of every region in one process; `sagemaker_pipeline_lineage` has one dynamic
partition per pipeline, crawled on demand, or many in one run (a single-run backfill: one
process, one DuckDB writer). Both use the same crawler.

Unchanged pipelines cost two API calls; metadata is read back from the store, so it shows the
pipeline's state whether it was re-crawled or not.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, code, table
from dagster_project.names import SAGEMAKER_GROUP, SOURCES_GROUP
from dagster_project.partitions import parse_pipeline_partition_key, sagemaker_pipelines
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.sensors import SAGEMAKER_CRAWL_JOB
from lineage_assets.api.links import viewer_url
from lineage_assets.config import api_url
from lineage_assets.sagemaker.bounds import DEFAULT_EXECUTIONS
from lineage_assets.sagemaker.views import status_counts, step_table, warning_lines

if TYPE_CHECKING:  # boto3 and the crawler load when a run crawls, not with the code location
    from lineage_assets.sagemaker.crawl import CrawlReport

# Column headers of the metadata tables (shown even when a table is empty).
PIPELINE_COLUMNS = ("region", "pipeline", "domain", "source", "latest_execution")
# A partition's lineage document larger than this is linked (viewer), not embedded: a backfill
# of many partitions stores one per partition in the event log.
MAX_EMBEDDED_LINEAGE = 200_000
STEP_COLUMNS = (
    "pipeline",
    "step",
    "type",
    "branch_of",
    "latest_status",
    "cached",
    "failure_reason",
)


class SageMakerCrawlConfig(dg.Config):
    """Run options: how many latest executions, and whether to ignore the incremental state."""

    executions: int = DEFAULT_EXECUTIONS
    force: bool = False


def _by_region(keys: Iterable[str]) -> dict[str, list[str]]:
    """Pipeline names grouped by region, from partition keys."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        region, name = parse_pipeline_partition_key(key)
        grouped[region].append(name)
    return grouped


@dg.asset(
    deps=[crawl_run],
    group_name=SOURCES_GROUP,
    kinds={"sagemaker", "duckdb"},
    pool=DUCKDB_POOL,
    description="Every SageMaker pipeline of every configured region, incrementally (an "
    "unchanged pipeline costs two API calls): definitions, executions, steps, jobs, models, "
    "feature groups. The partitioned `sagemaker_pipeline_lineage` crawls one on demand.",
)
def sagemaker_crawl(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource, aws: AwsResource
) -> dg.MaterializeResult:
    from lineage_assets.sagemaker.crawl import crawl_regions

    require(lineage_store, aws)
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        report = crawl_regions(store, aws.client, aws.region_list, run_id=run_id)
        pipelines = store.conn.execute(
            "SELECT p.region, p.pipeline_name, p.domain_name, s.status, "
            "(SELECT e.status FROM sagemaker_executions e WHERE e.source_key = p.source_key "
            " ORDER BY e.started_at DESC NULLS LAST LIMIT 1) "
            "FROM sagemaker_pipelines p JOIN sources s USING (source_key) ORDER BY 1, 2"
        ).fetchall()
        warnings = warning_lines(store.conn)
    for line in report.errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "pipelines": table(
                (
                    {"region": r, "pipeline": n, "domain": d, "source": s, "latest_execution": e}
                    for r, n, d, s, e in pipelines
                ),
                PIPELINE_COLUMNS,
            ),
            "dagster/row_count": len(pipelines),
            "crawled": len(report.crawled),
            "unchanged": len(report.unchanged),
            "removed": bullets(code(key) for key in report.removed),
            "regions": ", ".join(aws.region_list),
            "errors": bullets(code(line) for line in report.errors),
            "warnings": bullets(code(line) for line in warnings),
        }
    )


def partition_metadata(conn: Any, key: str, report: "CrawlReport") -> dict[str, Any]:
    """One partition's metadata: its pipeline's steps, statuses, warnings, what this run did to
    it, its lineage document (the one contract, as the API serves it) and viewer link."""
    from lineage_assets.contract.snapshots import pipeline_document
    from lineage_assets.sagemaker.crawl import REGION_KIND
    from lineage_assets.sagemaker_inventory import pipeline_source_key

    region, name = parse_pipeline_partition_key(key)
    source = pipeline_source_key(region, name)
    steps = [{"pipeline": f"{region}/{name}", **row} for row in step_table(conn, source)]
    crawled = [c for c in report.crawled if (c.pipeline.region, c.pipeline.name) == (region, name)]
    own_errors = (f"{source}: ", f"{REGION_KIND}:{region}: ")
    metadata: dict[str, Any] = {
        "steps": table(steps, STEP_COLUMNS),
        "status_counts": status_counts(conn, source),
        "crawled": len(crawled),
        "unchanged": report.unchanged.count(source),
        "removed": bullets(code(k) for k in report.removed if k == source),
        "errors": bullets(code(line) for line in report.errors if line.startswith(own_errors)),
        "warnings": bullets(code(line) for line in warning_lines(conn, [source])),
        "dagster/row_count": len(steps),
    }
    lineage = pipeline_document(conn, source)
    if lineage is not None:
        size = len(json.dumps(lineage, default=str))
        metadata["lineage"] = (
            dg.MetadataValue.json(lineage)
            if size <= MAX_EMBEDDED_LINEAGE
            else dg.MetadataValue.md(f"{size:,} characters, too large to embed: see `viewer`")
        )
        metadata["viewer"] = dg.MetadataValue.url(viewer_url(api_url(), name, region))
    return metadata


@dg.asset(
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
    from lineage_assets.sagemaker.crawl import crawl_named

    keys = list(context.partition_keys)
    require(lineage_store, aws)
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        report = crawl_named(
            store,
            aws.client,
            _by_region(keys),
            run_id=run_id,
            executions=config.executions,
            force=config.force,
        )
        per_partition = {key: partition_metadata(store.conn, key, report) for key in keys}
        store.finish_run(run_id)
        store.publish()
    for line in report.errors:
        context.log.warning(line)
    for key, metadata in per_partition.items():  # a run of many partitions: each its own
        context.add_asset_metadata(metadata, partition_key=key)
    return dg.MaterializeResult()


sagemaker_lineage_job = dg.define_asset_job(
    name=SAGEMAKER_CRAWL_JOB,
    selection=[sagemaker_pipeline_lineage],
    description="Crawls SageMaker pipelines (the selected partitions) into the store.",
    executor_def=dg.in_process_executor,
)


__all__ = [
    "sagemaker_lineage_job",
    "sagemaker_pipeline_lineage",
]
