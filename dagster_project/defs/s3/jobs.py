"""The ad hoc scan: sample one S3 dataset given in run config, store it and publish."""

import dagster as dg
from pydantic import Field

from dagster_project.defs.s3.metadata import crawl_metadata
from dagster_project.names import S3_SCHEMA_SCAN_JOB
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require


class ScanConfig(dg.Config):
    """One dataset to sample now (the old `POST /datasets/schema/scan`)."""

    s3_uri: str = Field(description="s3://bucket/prefix of the dataset.")
    max_objects: int = Field(default=5, description="Objects sampled.")


@dg.op(pool=DUCKDB_POOL, description="Sample one S3 dataset, store it and publish the store.")
def scan_s3_dataset(
    context: dg.OpExecutionContext,
    config: ScanConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> None:
    from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
    from lineage_assets.s3_schema.sampler import SamplingConfig

    require(lineage_store, aws)
    with lineage_store.writer() as store:
        run_id = store.begin_run("adhoc:s3_schema_scan", context.run_id)
        result = crawl_datasets(
            store,
            [config.s3_uri],
            aws.client("s3"),
            region_readers(aws.region_list[0]),
            config=SamplingConfig(max_objects=config.max_objects),
            run_id=run_id,
        )
        store.finish_run(run_id)
        store.publish()
    if result.failed:
        raise dg.Failure(description=next(iter(result.failed.values())))
    context.add_output_metadata(crawl_metadata(result))


@dg.job(
    name=S3_SCHEMA_SCAN_JOB,
    description="Sample one S3 dataset now; run config: ops.scan_s3_dataset.config.s3_uri.",
)
def s3_schema_scan_job() -> None:
    scan_s3_dataset()
