"""Discovery of SageMaker pipelines: registers new ones as partitions, retires deleted ones, and
adds accounts and regions as they appear (the account x region partitions of the AWS crawls).

It lists pipelines (ListPipelines per account and region of the estate) and never opens
DuckDB; an account or region that cannot be opened or listed keeps its partitions, so a
transient error never retires pipelines. Without its
configuration it skips, naming the missing variables, instead of failing every tick.
"""

from dataclasses import dataclass, field

import dagster as dg

from dagster_project.defs.sagemaker.jobs import sagemaker_lineage_job
from dagster_project.defs.sagemaker.partitions import (
    is_pipeline_name,
    parse_pipeline_partition_key,
    pipeline_partition_key,
    sagemaker_pipelines,
)
from dagster_project.defs.staging.partitions import aws_accounts, aws_regions
from dagster_project.names import (
    AWS_ACCOUNTS_PARTITIONS,
    AWS_REGIONS_PARTITIONS,
    PIPELINE_DISCOVERY_SENSOR,
    SAGEMAKER_PIPELINES_PARTITIONS,
)
from dagster_project.resources import AwsResource, ConfigurationMissing


@dataclass
class Discovered:
    """What one tick listed: pipeline partition keys, the `account/region`s whose listing
    succeeded (only their missing pipelines are retired), the accounts and regions opened, and
    problems (accounts or regions that could not be opened, failed listings, names SageMaker
    could not have given: not partitioned, the nightly crawl has them)."""

    keys: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def discovered_keys(aws: AwsResource) -> Discovered:
    """List the pipelines of every account and region the estate opens (the caller's, the
    organization's or the listed accounts, each with its own clients)."""
    from lineage_assets.aws import AWS_ERRORS, error_code
    from lineage_assets.sagemaker.inventory import list_pipeline_summaries

    found = Discovered()
    try:
        estate = aws.estate()
    except AWS_ERRORS as error:
        found.errors.append(f"caller identity failed, partitions kept: {error_code(error)}")
        return found
    found.errors += estate.errors
    try:
        for target in estate.targets:
            account, region = target.account_id, target.region
            found.accounts.add(account)
            found.regions.add(region)
            try:
                summaries = list_pipeline_summaries(target.clients("sagemaker", region))
            except AWS_ERRORS as error:
                found.errors.append(
                    f"listing failed, partitions kept: {account}/{region}: "
                    f"{error_code(error)}: {error}"
                )
                continue
            found.scopes.add(f"{account}/{region}")
            for summary in summaries:
                name = str(summary.get("PipelineName", ""))
                if is_pipeline_name(name):
                    found.keys.add(pipeline_partition_key(account, region, name))
                else:
                    found.errors.append(
                        f"not a partition: {account}/{region}: pipeline name {name[:80]!r}"
                    )
    finally:
        estate.close()
    return found


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
        found = discovered_keys(aws)
    except ConfigurationMissing as missing:
        return dg.SkipReason(missing.description)
    instance = context.instance
    known = set(instance.get_dynamic_partitions(SAGEMAKER_PIPELINES_PARTITIONS))
    new = sorted(found.keys - known)
    gone = sorted(key for key in known - found.keys if _scope(key) in found.scopes | {None})
    for line in found.errors:
        context.log.warning(line)
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if new:
        requests.append(sagemaker_pipelines.build_add_request(new))
    if gone:
        requests.append(sagemaker_pipelines.build_delete_request(gone))
    # Accounts and regions as they appear: the dimensions of the account x region partitions.
    dimensions = (
        (aws_accounts, AWS_ACCOUNTS_PARTITIONS, found.accounts),
        (aws_regions, AWS_REGIONS_PARTITIONS, found.regions),
    )
    for partitions, name, listed in dimensions:
        added = sorted(listed - set(instance.get_dynamic_partitions(name)))
        if added:
            requests.append(partitions.build_add_request(added))
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
