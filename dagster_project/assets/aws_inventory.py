"""First AWS sources: S3 bucket security posture and the SageMaker pipeline inventory.

One bucket, pipeline or region that fails is recorded (its last good rows kept, marked
stale) and the rest of the crawl goes on.
"""

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, table
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource
from lineage_assets import s3_posture, sagemaker_inventory
from lineage_assets.aws import AWS_ERRORS, error_code
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
    description="SageMaker pipelines per region with tags, Studio domain, parameters and the "
    "current definition's version (never-run pipelines included).",
)
def sagemaker_pipeline_inventory(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource, aws: AwsResource
) -> dg.MaterializeResult:
    pipelines, errors = [], []
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        for region in aws.region_list:
            sagemaker = aws.client("sagemaker", region)
            try:
                domains = sagemaker_inventory.list_domains(sagemaker, region)
                summaries = sagemaker_inventory.list_pipeline_summaries(sagemaker)
            except AWS_ERRORS as error:
                key = f"sagemaker_region:{region}"
                errors.append(_fail(store, run_id, key, "sagemaker_region", error))
                continue
            store.replace_source(sagemaker_inventory.domain_records(region, domains), run_id)
            for summary in summaries:
                key = sagemaker_inventory.pipeline_source_key(region, summary["PipelineName"])
                try:
                    pipeline = sagemaker_inventory.describe_pipeline(
                        sagemaker, region, summary, domains
                    )
                except AWS_ERRORS as error:
                    errors.append(_fail(store, run_id, key, "sagemaker_pipeline", error))
                    continue
                store.replace_source(sagemaker_inventory.pipeline_records(pipeline), run_id)
                pipelines.append(pipeline)
    for line in errors:
        context.log.warning(line)
    return dg.MaterializeResult(
        metadata={
            "pipelines": table(
                {
                    "region": p.region,
                    "pipeline": p.name,
                    "domain": p.domain.domain_name if p.domain else None,
                    "definition_hash": p.definition_hash,
                }
                for p in pipelines
            ),
            "dagster/row_count": len(pipelines),
            "regions": ", ".join(aws.region_list),
            "errors": bullets(errors),
        }
    )
