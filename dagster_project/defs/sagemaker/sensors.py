"""Discovery of SageMaker pipelines: registers new ones as partitions, retires deleted ones.

It only lists pipelines (ListPipelines per region) and never opens DuckDB; a region whose
listing fails keeps its partitions, so a transient error never retires pipelines. Without its
configuration it skips, naming the missing variables, instead of failing every tick.
"""

import dagster as dg

from dagster_project.defs.sagemaker.jobs import sagemaker_lineage_job
from dagster_project.defs.sagemaker.partitions import (
    is_pipeline_name,
    parse_pipeline_partition_key,
    pipeline_partition_key,
    sagemaker_pipelines,
)
from dagster_project.names import PIPELINE_DISCOVERY_SENSOR, SAGEMAKER_PIPELINES_PARTITIONS
from dagster_project.resources import AwsResource, ConfigurationMissing


def discovered_keys(aws: AwsResource) -> tuple[set[str], set[str], list[str]]:
    """Partition keys listed now, `account/region`s listed successfully, and problems: listing
    errors and names SageMaker could not have given (not partitioned; the nightly crawl has
    them). The account is the default chain's."""
    from lineage_assets.aws import AWS_ERRORS, error_code
    from lineage_assets.sagemaker.crawl import caller_account
    from lineage_assets.sagemaker.inventory import list_pipeline_summaries

    keys: set[str] = set()
    regions: set[str] = set()
    errors: list[str] = []
    region_list = aws.region_list
    try:
        account = caller_account(aws.client, region_list[0])
    except AWS_ERRORS as error:
        return keys, regions, [f"caller identity failed, partitions kept: {error_code(error)}"]
    for region in region_list:
        try:
            summaries = list_pipeline_summaries(aws.client("sagemaker", region))
        except AWS_ERRORS as error:
            errors.append(
                f"listing failed, partitions kept: {region}: {error_code(error)}: {error}"
            )
            continue
        regions.add(f"{account}/{region}")
        for summary in summaries:
            name = str(summary.get("PipelineName", ""))
            if is_pipeline_name(name):
                keys.add(pipeline_partition_key(account, region, name))
            else:
                errors.append(f"not a partition: {region}: pipeline name {name[:80]!r}")
    return keys, regions, errors


@dg.sensor(
    name=PIPELINE_DISCOVERY_SENSOR,
    job=sagemaker_lineage_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a partition per new SageMaker pipeline and crawls the new ones in one run; "
    "retires deleted ones.",
)
def sagemaker_pipeline_discovery(
    context: dg.SensorEvaluationContext, aws: AwsResource
) -> dg.SensorResult | dg.SkipReason:
    try:
        listed, regions, errors = discovered_keys(aws)
    except ConfigurationMissing as missing:
        return dg.SkipReason(missing.description)
    known = set(context.instance.get_dynamic_partitions(SAGEMAKER_PIPELINES_PARTITIONS))
    new = sorted(listed - known)
    gone = sorted(key for key in known - listed if _scope(key) in regions | {None})
    for line in errors:
        context.log.warning(line)
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if new:
        requests.append(sagemaker_pipelines.build_add_request(new))
    if gone:
        requests.append(sagemaker_pipelines.build_delete_request(gone))
    return dg.SensorResult(dynamic_partitions_requests=requests, run_requests=crawl_request(new))


def _scope(key: str) -> str | None:
    """`account/region` of a partition key; None for a key of an older shape (retired: the
    pipeline is listed again under its account)."""
    try:
        account, region, _ = parse_pipeline_partition_key(key)
    except ValueError:
        return None
    return f"{account}/{region}"


def crawl_request(new: list[str]) -> list[dg.RunRequest]:
    """ONE run for every new pipeline, however many (a single-run backfill over the range of
    keys just appended, in the order they are added), not one process per pipeline."""
    if not new:
        return []
    return [
        dg.RunRequest(
            run_key=f"discover-{new[0]}..{new[-1]}-{len(new)}",
            tags={
                "dagster/asset_partition_range_start": new[0],
                "dagster/asset_partition_range_end": new[-1],
            },
        )
    ]
