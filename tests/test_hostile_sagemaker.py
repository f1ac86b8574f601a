"""Red-team attacks on the SageMaker crawl (moto emulator, real DuckDB store): executions with
many huge parameter values, and definitions whose expressions fan out."""

from __future__ import annotations

import json

from lineage_assets import aws
from lineage_assets.sagemaker.bounds import MAX_VALUE_CHARS
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_dev.emulator.definitions import ACCOUNT_ID
from tests.test_sagemaker_hostile import create, definition, key, processing


def output(step: str) -> dict:
    return {"Get": f"Steps.{step}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"}


def doubling_joins(count: int) -> list[dict]:
    """Each step reads a join of every earlier output and writes a join of the previous output
    twice: resolving naively costs 2**count characters."""
    steps = [processing("s0")]
    for i in range(1, count):
        step = processing(
            f"s{i}", {"Std:Join": {"On": "/", "Values": [output(f"s{j}") for j in range(i)]}}
        )
        outputs = step["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        outputs[0]["S3Output"]["S3Uri"] = {
            "Std:Join": {"On": "", "Values": [output(f"s{i - 1}")] * 2}
        }
        steps.append(step)
    return steps


def test_fan_out_and_huge_parameters_land_bounded_with_warnings(aws_env, store):
    region = "sa-east-1"
    sagemaker = aws.client("sagemaker", region)
    big = "s3://hostile-bucket/" + "p" * 200_000
    parameters = [{"Name": f"P{i}", "Type": "String", "DefaultValue": "d"} for i in range(50)]
    create(sagemaker, "Fanout", json.dumps({"Version": "2020-12-01", "Steps": doubling_joins(60)}))
    create(
        sagemaker,
        "BigParams",
        definition(processing("Read", {"Get": "Parameters.P0"}), parameters=parameters),
    )
    create(sagemaker, "Healthy", definition(processing("Prep")))
    sagemaker.start_pipeline_execution(
        PipelineName="BigParams",
        PipelineParameters=[{"Name": f"P{i}", "Value": big} for i in range(50)],
    )
    run = store.begin_run("test")
    crawl_regions(store, aws.client, ACCOUNT_ID, [region], run_id=run, reads=store.conn)
    store.finish_run(run)
    states = dict(
        store.conn.execute(
            "SELECT source_key, status FROM sources WHERE source_key LIKE ?", [f"%{region}/%"]
        ).fetchall()
    )
    assert states[key(region, "Healthy")] == "ok"
    assert key(region, "Fanout") in states and key(region, "BigParams") in states
    longest = store.conn.execute(
        "SELECT max(length(uri)) FROM sagemaker_step_io WHERE source_key LIKE ?", [f"%{region}/%"]
    ).fetchone()[0]
    assert longest is None or longest <= MAX_VALUE_CHARS + 100
