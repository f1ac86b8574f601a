"""The account-wide AWS sources of the nightly crawl: S3 bucket security posture and every
SageMaker pipeline.

One bucket, pipeline or region that fails is recorded (its last good rows kept, marked
stale) and the rest of the crawl goes on.
"""

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, table
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource
from lineage_assets import s3_posture
from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.store import LineageStore

SOURCES_GROUP = "sources"


def _fail(store: LineageStore, run_id: str, key: str, kind: str, error: Exception) -> str:
    """Record a failed source and return the line the asset logs and reports."""
    message = f"{key}: {error_code(error)}: {error}"
    store.mark_failed(key, kind, message, run_id=run_id, error_type=error_code(error))
    return message


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
    s3 = aws.client("s3")
    postures, errors = [], []
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        for bucket in s3_posture.list_buckets(s3):
            try:
                posture = s3_posture.bucket_posture(s3, bucket)
            except AWS_ERRORS as error:
                errors.append(_fail(store, run_id, f"s3_bucket:{bucket}", "s3_bucket", error))
                continue
            store.replace_source(s3_posture.posture_records(posture), run_id)
            postures.append(posture)
    for line in errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "buckets": table(
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
            "dagster/row_count": len(postures),
            "unencrypted_or_public": sum(
                p.encryption == "none" or p.public_access != "blocked" for p in postures
            ),
            "errors": bullets(errors),
        }
    )


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
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        report = crawl_regions(store, aws.client, aws.region_list, run_id=run_id)
        pipelines = store.conn.execute(
            "SELECT p.region, p.pipeline_name, p.domain_name, s.status, "
            "(SELECT e.status FROM sagemaker_executions e WHERE e.source_key = p.source_key "
            " ORDER BY e.started_at DESC NULLS LAST LIMIT 1) "
            "FROM sagemaker_pipelines p JOIN sources s USING (source_key) ORDER BY 1, 2"
        ).fetchall()
    for line in report.errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "pipelines": table(
                {"region": r, "pipeline": n, "domain": d, "source": s, "latest_execution": e}
                for r, n, d, s, e in pipelines
            ),
            "dagster/row_count": len(pipelines),
            "crawled": len(report.crawled),
            "unchanged": len(report.unchanged),
            "removed": bullets(report.removed),
            "regions": ", ".join(aws.region_list),
            "errors": bullets(report.errors),
        }
    )
