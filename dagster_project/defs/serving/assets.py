"""SageMaker serving of every account and region: models, endpoint configs, endpoints (with
what they capture), monitoring schedules and the batch transform jobs no pipeline ran.

Runs after the pipeline crawl, so the transform jobs pipelines ran are known and skipped.
An unchanged resource costs nothing past its region's listings; one failing listing or
resource is an error row and the rest lands.
"""

import dagster as dg

from dagster_project.metadata import bullets, code, table
from dagster_project.names import CRAWL_RUN, SAGEMAKER_CRAWL, SAGEMAKER_SERVING, SOURCES_GROUP
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id

MAX_LISTED = 100
ENDPOINT_COLUMNS = ("account", "region", "endpoint", "status", "config", "capture")


class ServingCrawlConfig(dg.Config):
    """Run options: the transform jobs' window, and whether to describe everything again."""

    transform_days: int = 30
    force: bool = False


@dg.asset(
    key=SAGEMAKER_SERVING,
    deps=[CRAWL_RUN, SAGEMAKER_CRAWL],
    group_name=SOURCES_GROUP,
    kinds={"sagemaker", "duckdb"},
    pool=DUCKDB_POOL,
    description="SageMaker models, endpoint configs (variants, data capture), endpoints, "
    "monitoring schedules and transform jobs outside pipelines, per account and region; the "
    "posture of the buckets endpoints capture requests into.",
)
def sagemaker_serving(
    context: dg.AssetExecutionContext,
    config: ServingCrawlConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> dg.MaterializeResult:
    from lineage_assets.serving.crawl import crawl_serving
    from lineage_assets.serving.views import endpoints

    require(lineage_store, aws)
    estate = aws.estate()  # usable accounts and regions; refused ones are its errors
    try:
        with lineage_store.writer() as store:
            run_id = crawl_run_id(store, context)
            reports = [
                crawl_serving(
                    store, target.clients, target.account_id, target.region, store.conn,
                    run_id=run_id, force=config.force, transform_days=config.transform_days,
                )
                for target in estate.targets
            ]  # fmt: skip
            stored = endpoints(store.conn)
    finally:
        estate.close()
    errors = [*estate.errors, *(line for report in reports for line in report.errors)]
    for line in errors:
        context.log.warning(line)
    rows = [
        {
            "account": e.account_id,
            "region": e.region,
            "endpoint": e.endpoint_name,
            "status": e.status or "",
            "config": e.config_name or "",
            "capture": e.capture_destination if e.capture_enabled is not False else "",
        }
        for e in stored[:MAX_LISTED]
    ]
    return dg.MaterializeResult(
        metadata={
            "targets": bullets(f"{code(r.account_id)}/{code(r.region)}" for r in reports),
            "written": sum(len(r.written) for r in reports),
            "unchanged": sum(len(r.unchanged) for r in reports),
            "removed": sum(len(r.removed) for r in reports),
            "pipeline_jobs_skipped": sum(r.skipped_pipeline_jobs for r in reports),
            "endpoint_count": len(stored),
            "endpoints": table(rows, ENDPOINT_COLUMNS),
            "errors": bullets(code(line) for line in errors[:MAX_LISTED]),
            "error_count": len(errors),
        }
    )
