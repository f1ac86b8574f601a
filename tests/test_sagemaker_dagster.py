"""The SageMaker Dagster layer against the seeded emulator and a temporary store: discovery
sensor, one partition on demand, and the nightly single-run crawl of every partition."""

from __future__ import annotations

import json

import boto3
import dagster as dg
import duckdb
import pytest

from dagster_project.defs.sagemaker import metadata as sagemaker_metadata
from dagster_project.defs.sagemaker.assets import sagemaker_pipeline_lineage
from dagster_project.defs.sagemaker.jobs import sagemaker_lineage_job
from dagster_project.defs.sagemaker.partitions import (
    is_pipeline_name,
    parse_pipeline_partition_key,
    pipeline_partition_key,
    sagemaker_pipelines,
)
from dagster_project.defs.sagemaker.sensors import sagemaker_pipeline_discovery
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource
from lineage_assets import config
from lineage_dev.emulator.definitions import FRAUD_PIPELINE, ROLE_ARN


@pytest.fixture
def resources(aws_env, tmp_path):
    return {
        "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
        "aws": AwsResource(regions=",".join(aws_env.regions)),
    }


def all_keys(account):
    return sorted(
        pipeline_partition_key(account.account_id, region, name)
        for name, region in account.pipelines.items()
    )


def test_partition_keys_round_trip():
    key = pipeline_partition_key("111122223333", "eu-west-1", "A-b_1")
    assert key == "111122223333:eu-west-1:A-b_1"
    assert parse_pipeline_partition_key(key) == ("111122223333", "eu-west-1", "A-b_1")
    for malformed in ("no-separator", "eu-west-1:A", "a:b:c:d", "a::c"):
        with pytest.raises(ValueError, match="not <account>:<region>:<pipeline name>"):
            parse_pipeline_partition_key(malformed)


def test_discovery_adds_new_pipelines_and_retires_deleted_ones(aws_env, resources):
    with dg.instance_for_test() as instance:
        gone = ["123456789012:us-east-1:DeletedPipeline", "us-east-1:AbalonePipeline"]
        instance.add_dynamic_partitions(sagemaker_pipelines.name, gone)
        aws = {"aws": resources["aws"]}
        with dg.build_sensor_context(instance=instance, resources=aws) as context:
            result = sagemaker_pipeline_discovery(context)
    requests = {
        (type(r).__name__, r.partitions_def_name): r for r in result.dynamic_partitions_requests
    }
    added = requests.pop(("AddDynamicPartitionsRequest", sagemaker_pipelines.name))
    deleted = requests.pop(("DeleteDynamicPartitionsRequest", sagemaker_pipelines.name))
    # and the account x region partitions' accounts and regions, as they appear
    assert {name: list(r.partition_keys) for (_, name), r in requests.items()} == {
        "aws_accounts": [aws_env.account_id],
        "aws_regions": sorted(aws_env.regions),
    }
    assert sorted(added.partition_keys) == all_keys(aws_env)
    assert sorted(deleted.partition_keys) == sorted(gone)  # and keys of the older shape
    (request,) = result.run_requests  # one run for all new pipelines, not one per pipeline
    keys = sorted(added.partition_keys)
    assert request.tags["dagster/asset_partition_range_start"] == keys[0]
    assert request.tags["dagster/asset_partition_range_end"] == keys[-1]


def test_one_partition_on_demand_writes_its_pipeline_and_lineage(aws_env, resources, tmp_path):
    key = pipeline_partition_key(aws_env.account_id, "us-east-1", "AbalonePipeline")
    assert sagemaker_pipeline_lineage.op.pool == DUCKDB_POOL
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(sagemaker_pipelines.name, [key])
        result = dg.materialize(
            [sagemaker_pipeline_lineage], partition_key=key, instance=instance, resources=resources
        )
    assert result.success
    metadata = result.asset_materializations_for_node("sagemaker_pipeline_lineage")[0].metadata
    assert metadata["crawled"].value == 1 and metadata["status_counts"].value["Failed"] == 1
    lineage = metadata["lineage"].value
    assert len(lineage["graphPipeline"]["nodes"]) == 8
    steps = {row.data["step"]: row.data for row in metadata["steps"].value.records}
    assert steps["AbaloneTransform"]["latest_status"] == "Failed"
    assert steps["AbaloneProcess"]["cached"] is True
    with duckdb.connect(str(config.published_path(tmp_path)), read_only=True) as conn:
        sources = conn.execute(
            "SELECT source_key FROM sources WHERE source_kind = 'sagemaker_pipeline'"
        ).fetchall()
    assert sources == [("sagemaker:123456789012/us-east-1/AbalonePipeline",)]


def test_a_range_of_partitions_is_crawled_in_one_run(aws_env, resources, tmp_path):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(sagemaker_pipelines.name, all_keys(aws_env))
        keys = sagemaker_pipelines.get_partition_keys(dynamic_partitions_store=instance)
        tags = {
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        }
        job = dg.Definitions(
            assets=[sagemaker_pipeline_lineage], jobs=[sagemaker_lineage_job], resources=resources
        ).resolve_job_def(sagemaker_lineage_job.name)
        result = job.execute_in_process(instance=instance, tags=tags)
        assert result.success
        materialized = instance.get_materialized_partitions(sagemaker_pipeline_lineage.key)
    assert materialized == set(all_keys(aws_env))
    events = result.asset_materializations_for_node("sagemaker_pipeline_lineage")
    assert sorted(event.partition for event in events) == all_keys(aws_env)
    for event in events:  # each partition shows its own pipeline only
        account, region, name = parse_pipeline_partition_key(event.partition)
        rows = [row.data for row in event.metadata["steps"].value.records]
        assert rows and {row["pipeline"] for row in rows} == {f"{region}/{name}"}
        assert event.metadata["dagster/row_count"].value == len(rows)
        lineage = event.metadata["lineage"].value
        assert (lineage["pipeline"]["name"], lineage["pipeline"]["region"]) == (name, region)
        assert {s["id"] for s in lineage["summary"]["steps"]} == {row["step"] for row in rows}
        assert event.metadata["crawled"].value == 1
        assert f"pipeline={name}" in event.metadata["viewer"].value
        assert f"account={account}" in event.metadata["viewer"].value
    abalone = next(e for e in events if e.partition.endswith(":us-east-1:AbalonePipeline"))
    assert abalone.metadata["status_counts"].value["Failed"] == 1
    fraud = next(e for e in events if e.partition.endswith(f":{FRAUD_PIPELINE}"))
    assert fraud.metadata["status_counts"].value == {}  # never run, not the others' counts
    with duckdb.connect(str(config.published_path(tmp_path)), read_only=True) as conn:
        count = conn.execute(
            "SELECT count(*) FROM sources WHERE source_kind = 'sagemaker_pipeline'"
        ).fetchone()
    assert count == (len(aws_env.pipelines),)


def test_a_partitions_lineage_too_large_to_embed_is_linked(aws_env, resources, monkeypatch):
    monkeypatch.setattr(sagemaker_metadata, "MAX_EMBEDDED_LINEAGE", 100)
    key = pipeline_partition_key(aws_env.account_id, "us-east-1", FRAUD_PIPELINE)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(sagemaker_pipelines.name, [key])
        result = dg.materialize(
            [sagemaker_pipeline_lineage], partition_key=key, instance=instance, resources=resources
        )
    (event,) = result.asset_materializations_for_node("sagemaker_pipeline_lineage")
    assert "too large to embed" in event.metadata["lineage"].value
    assert f"pipeline={FRAUD_PIPELINE}" in event.metadata["viewer"].value


def test_the_code_location_has_the_partitioned_job_and_the_discovery_sensor():
    from dagster_project.definitions import defs

    with dg.instance_for_test():  # loading may touch the current instance: a throw-away one
        loaded = defs()
        dg.Definitions.validate_loadable(loaded)
        job = loaded.resolve_job_def(sagemaker_lineage_job.name)
    assert job.partitions_def == sagemaker_pipelines
    assert loaded.get_sensor_def("sagemaker_pipeline_discovery").job_name == job.name


def test_discovery_partitions_only_names_sagemaker_could_give(aws_env, monkeypatch):
    """An emulator or proxy may list any name: Dagster refuses keys with `...` or control
    characters, and a `:` would not split back; such names are reported, the rest added."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654324")  # an account of its own
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    definition = json.dumps({"Version": "2020-12-01", "Steps": []})
    valid = ["Churn-2", "A" * 256]
    odd = ["wait...what", "tab\there", "colon:name", "a_b", "A" * 257, "-leading"]
    for name in valid + odd:
        sagemaker.create_pipeline(
            PipelineName=name, PipelineDefinition=definition, RoleArn=ROLE_ARN
        )
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(
            instance=instance, resources={"aws": AwsResource(regions="us-east-1")}
        ) as context:
            result = sagemaker_pipeline_discovery(context)
        added, *_ = result.dynamic_partitions_requests  # then the account and the region
        assert added.partitions_def_name == sagemaker_pipelines.name
        assert sorted(added.partition_keys) == sorted(f"210987654324:us-east-1:{n}" for n in valid)
        instance.add_dynamic_partitions(sagemaker_pipelines.name, list(added.partition_keys))
    assert not [name for name in odd if is_pipeline_name(name)]
