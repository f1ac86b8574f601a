"""Hostile SageMaker input, crawled from the moto emulator into a real DuckDB store: a definition
nested 200,000 deep, parts that raise (RecursionError, MemoryError), definitions that are not
JSON, empty, cyclic or dangling, hostile evaluation reports, and long and odd names.

Each test uses a region of its own, so its pipelines never meet the seeded account's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.awsrequest import AWSResponse

from lineage_assets import aws
from lineage_assets.contract.definition import stored_lineage
from lineage_assets.sagemaker.bounds import MAX_REPORT_BYTES
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.sagemaker.reports import job_reports
from lineage_dev.emulator import definitions as seeded
from lineage_dev.emulator import moto_ext
from lineage_dev.emulator.definitions import ACCOUNT_ID
from tests.conftest import account_s3

ROLE = seeded.ROLE_ARN
DEEP = '{"Version": "2020-12-01", "Steps": ' + "[" * 200_000 + "]" * 200_000 + "}"


def rows(store, sql, *params):
    return store.conn.execute(sql, list(params)).fetchall()


def processing(name: str, uri: object = "s3://hostile-bucket/in", **extras: object) -> dict:
    """A Processing step reading `uri` and writing one output."""
    return {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "ProcessingInputs": [{"InputName": "in", "S3Input": {"S3Uri": uri}}],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {"OutputName": "out", "S3Output": {"S3Uri": f"s3://hostile-bucket/{name}"}}
                ]
            },
        },
        **extras,
    }


def definition(*steps: dict, parameters: list | None = None) -> str:
    return json.dumps(
        {"Version": "2020-12-01", "Parameters": parameters or [], "Steps": list(steps)}
    )


def create(sagemaker, name: str, text: str) -> str:
    return sagemaker.create_pipeline(PipelineName=name, PipelineDefinition=text, RoleArn=ROLE)[
        "PipelineArn"
    ]


def key(region: str, name: str) -> str:
    return f"sagemaker:123456789012/{region}/{name}"


def test_a_definition_nested_200000_deep_fails_only_its_pipeline(aws_env, store):
    region = "ap-southeast-2"
    sagemaker = aws.client("sagemaker", region)
    create(sagemaker, "Healthy", definition(processing("Prep")))
    create(sagemaker, "Deep", definition(processing("GoodStep")))
    first = store.begin_run("test")
    crawl_regions(store, aws.client, ACCOUNT_ID, [region], run_id=first, reads=store.conn)
    store.finish_run(first)

    sagemaker.update_pipeline(PipelineName="Deep", PipelineDefinition=DEEP)
    sagemaker.update_pipeline(
        PipelineName="Healthy", PipelineDefinition=definition(processing("Prep2"))
    )
    second = store.begin_run("test")
    report = crawl_regions(store, aws.client, ACCOUNT_ID, [region], run_id=second, reads=store.conn)
    closed = store.finish_run(second)

    assert [c.pipeline.name for c in report.crawled] == ["Healthy"]
    assert closed["status"] == "partial" and closed["sources_failed"] == 1
    assert rows(
        store, "SELECT source_key, error_type, location FROM crawl_errors WHERE run_id = ?", second
    ) == [(key(region, "Deep"), "too_deep", "definition")]
    status = dict(
        rows(
            store,
            "SELECT source_key, status FROM sources WHERE source_key LIKE ?",
            f"sagemaker:123456789012/{region}/%",
        )
    )
    assert status == {key(region, "Deep"): "stale", key(region, "Healthy"): "ok"}
    steps = dict(
        rows(store, "SELECT source_key, step_name FROM sagemaker_steps WHERE region = ?", region)
    )
    assert steps == {key(region, "Deep"): "GoodStep", key(region, "Healthy"): "Prep2"}
    stale = rows(
        store,
        "SELECT DISTINCT is_stale FROM lineage_edges WHERE source_key = ?",
        key(region, "Deep"),
    )
    assert stale == [(True,)]  # the last good lineage stays, marked stale


def test_an_execution_run_with_a_deep_definition_lands_with_a_warning(aws_env, store):
    region = "ap-northeast-1"
    sagemaker = aws.client("sagemaker", region)
    create(sagemaker, "Replayed", DEEP)
    arn = sagemaker.start_pipeline_execution(PipelineName="Replayed")["PipelineExecutionArn"]
    sagemaker.update_pipeline(
        PipelineName="Replayed", PipelineDefinition=definition(processing("Now"))
    )

    report = crawl_regions(store, aws.client, ACCOUNT_ID, [region], reads=store.conn)

    assert report.errors == [] and [c.pipeline.name for c in report.crawled] == ["Replayed"]
    assert rows(store, "SELECT execution_arn FROM sagemaker_executions") == [(arn,)]
    warnings = rows(
        store,
        "SELECT execution_arn, code FROM sagemaker_pipeline_warnings WHERE source_key = ?",
        key(region, "Replayed"),
    )
    assert (arn, "too_deep") in warnings


@pytest.mark.parametrize("raised", [RecursionError, MemoryError, KeyError])
def test_a_job_that_raises_is_an_error_row_and_its_pipeline_lands(aws_env, store, raised):
    def make(service, region):
        client = aws.client(service, region)

        def explode(**_):
            raise raised("maximum recursion depth exceeded (injected)")

        client.meta.events.register("before-call.sagemaker.DescribeTrainingJob", explode)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)

    assert len(report.crawled) == 3  # every pipeline of the region lands
    errors = rows(store, "SELECT source_key, error_type, location FROM crawl_errors")
    trained = rows(
        store, "SELECT DISTINCT source_key, job_arn FROM sagemaker_jobs WHERE job_type = 'training'"
    )
    assert sorted(errors) == sorted((k, raised.__name__, job) for k, job in trained)  # each named
    assert {status for (status,) in rows(store, "SELECT status FROM sources")} == {"ok"}
    warned = rows(
        store,
        "SELECT DISTINCT source_key FROM sagemaker_pipeline_warnings WHERE code = 'job_failed'",
    )
    assert sorted(warned) == sorted({(k,) for k, _ in trained})


def test_an_execution_that_raises_is_skipped_and_named(aws_env, store):
    first, second = aws_env.executions_of(seeded.ABALONE_PIPELINE)

    def make(service, region):
        client = aws.client(service, region)

        def explode(params, **_):
            if params.get("PipelineExecutionArn") == second.arn:
                raise RecursionError("maximum recursion depth exceeded (injected)")

        client.meta.events.register(
            "before-parameter-build.sagemaker.ListPipelineExecutionSteps", explode
        )
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)

    assert len(report.crawled) == 3
    assert rows(
        store,
        "SELECT execution_arn FROM sagemaker_executions WHERE source_key = ?",
        "sagemaker:123456789012/us-east-1/AbalonePipeline",
    ) == [(first.arn,)]
    assert rows(store, "SELECT error_type, location FROM crawl_errors") == [
        ("RecursionError", second.arn)
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{oops", "not_json"),
        ("", "empty_definition"),
        ("   ", "empty_definition"),
        ("[1, 2]", "not_object"),
        ('{"Version": "2020-12-01"}', "no_steps"),
    ],
)
def test_a_definition_that_is_not_a_pipeline_lands_with_a_stored_warning(
    aws_env, store, text, code
):
    region = "ca-central-1"
    sagemaker = aws.client("sagemaker", region)
    name = f"Odd-{code.replace('_', '-')}"
    create(sagemaker, name, text or " ")  # CreatePipeline needs at least one character
    try:
        crawl_regions(store, aws.client, ACCOUNT_ID, [region], reads=store.conn)
        stored = rows(
            store,
            "SELECT code, message FROM sagemaker_pipeline_warnings WHERE source_key = ?",
            key(region, name),
        )
        assert code in {c for c, _ in stored}
        lineage = stored_lineage(store.conn, key(region, name))
        assert any(message in lineage["warnings"] for _, message in stored)
    finally:
        sagemaker.delete_pipeline(PipelineName=name)


def test_cycles_and_missing_steps_and_parameters_are_stored_warnings(aws_env, store):
    region = "sa-east-1"
    sagemaker = aws.client("sagemaker", region)
    a = processing("A", DependsOn=["B"])
    b = processing("B", {"Get": "Steps.A.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"})
    dangling = processing("C", {"Get": "Parameters.Missing"}, DependsOn=["Ghost"])
    create(sagemaker, "Cyclic", definition(a, b, dangling))

    crawl_regions(store, aws.client, ACCOUNT_ID, [region], reads=store.conn)

    stored = rows(
        store,
        "SELECT code, message FROM sagemaker_pipeline_warnings WHERE source_key = ?",
        key(region, "Cyclic"),
    )
    codes = {code for code, _ in stored}
    assert {"dependency_cycle", "unknown_step", "unknown_parameter"} <= codes
    cycle = next(message for code, message in stored if code == "dependency_cycle")
    assert "A" in cycle and "B" in cycle
    assert cycle in stored_lineage(store.conn, key(region, "Cyclic"))["warnings"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "report_too_deep"),
        (b"not json at all", "report_not_json"),
        (b"\xff\xfe binary", "report_not_json"),
        (b'{"a": "' + b"x" * MAX_REPORT_BYTES + b'"}', "report_too_large"),
    ],
)
def test_a_hostile_report_file_is_a_warning(aws_env, body, code):
    s3 = account_s3("210987654331")  # an account of its own: the seeded one lists its buckets
    bucket = "hostile-reports"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="eval/evaluation.json", Body=body)
    job = {
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": "evaluation", "S3Output": {"S3Uri": f"s3://{bucket}/eval"}}]
        }
    }
    declared = [
        {"PropertyFileName": "Report", "OutputName": "evaluation", "FilePath": "evaluation.json"}
    ]

    reports, warnings, errors = job_reports(s3, "arn:job", job, declared, "arn:execution")

    assert reports == [] and errors == []
    assert [(w.code, w.execution_arn) for w in warnings] == [(code, "arn:execution")]
    assert f"s3://{bucket}/eval/evaluation.json" in warnings[0].message


def test_long_and_odd_names_go_through_crawl_and_store(aws_env, store):
    region = "eu-north-1"
    sagemaker = aws.client("sagemaker", region)
    name = "L" + "-x" * 127 + "y"  # 256 characters: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}
    assert len(name) == 256
    odd_step = "Préparer \"données\"/é\n🚀 \\ 'q'"
    surrogate_step = "Lone\ud800Half"
    quoted = 'he said "hi"\nnext line \\ end \' ; DROP TABLE x; --'
    text = definition(
        processing(odd_step, {"Get": "Parameters.Input"}),
        processing(surrogate_step),
        parameters=[{"Name": "Input", "Type": "String", "DefaultValue": quoted}],
    )
    arn = create(sagemaker, name, text)
    execution = sagemaker.start_pipeline_execution(
        PipelineName=name, PipelineParameters=[{"Name": "Input", "Value": quoted + "🚀"}]
    )["PipelineExecutionArn"]
    start = datetime.now(UTC) - timedelta(minutes=5)
    moto_ext.set_execution_steps(
        region,
        execution,
        [
            {
                "StepName": odd_step,
                "StepStatus": "Succeeded",
                "StartTime": start,
                "EndTime": start + timedelta(minutes=1),
                "Metadata": {},
            }
        ],
    )

    report = crawl_regions(store, aws.client, ACCOUNT_ID, [region], reads=store.conn)

    assert report.errors == []
    assert [c.pipeline.arn for c in report.crawled] == [arn]
    source = key(region, name)
    assert rows(
        store, "SELECT pipeline_name FROM sagemaker_pipelines WHERE source_key = ?", source
    ) == [(name,)]
    steps = {
        s
        for (s,) in rows(
            store, "SELECT step_name FROM sagemaker_steps WHERE source_key = ?", source
        )
    }
    assert steps == {odd_step, "Lone\ufffdHalf"}
    assert rows(
        store, "SELECT step_name FROM sagemaker_step_runs WHERE source_key = ?", source
    ) == [(odd_step,)]
    assert rows(
        store,
        "SELECT value, is_override FROM sagemaker_execution_parameters WHERE execution_arn = ?",
        execution,
    ) == [(quoted + "🚀", True)]
    assert rows(
        store,
        "SELECT default_value FROM sagemaker_pipeline_parameters WHERE source_key = ?",
        source,
    ) == [(quoted,)]
    read = rows(
        store,
        "SELECT uri FROM sagemaker_step_io WHERE source_key = ? AND direction = 'input' "
        "AND provenance = 'declared' AND step_name = ?",
        source,
        odd_step,
    )
    assert read == [(quoted,)] or read == [(None,)]  # not an S3 URI: kept as no edge
    node = f"step:123456789012/{region}/{name}/{odd_step}"
    targets = rows(
        store, "SELECT DISTINCT target_node FROM lineage_edges WHERE source_node = ?", node
    )
    assert targets == [(f"data:s3://hostile-bucket/{odd_step}",)]


def test_stored_warnings_reach_the_asset_metadata(aws_env, tmp_path):
    import dagster as dg

    from dagster_project.defs.sagemaker.assets import sagemaker_crawl, sagemaker_pipeline_lineage
    from dagster_project.defs.sagemaker.partitions import (
        pipeline_partition_key,
        sagemaker_pipelines,
    )
    from dagster_project.resources import AwsResource, LineageStoreResource

    region = "us-west-2"
    sagemaker = aws.client("sagemaker", region)
    create(sagemaker, "NotJson", "{oops")
    create(
        sagemaker,
        "Loop",
        definition(processing("A", DependsOn=["B"]), processing("B", DependsOn=["A"])),
    )
    resources = {
        "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
        "aws": AwsResource(regions=region),
    }
    key = pipeline_partition_key(ACCOUNT_ID, region, "NotJson")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(sagemaker_pipelines.name, [key])
        nightly = dg.materialize([sagemaker_crawl], instance=instance, resources=resources)
        one = dg.materialize(
            [sagemaker_pipeline_lineage], partition_key=key, instance=instance, resources=resources
        )
    crawl_metadata = nightly.asset_materializations_for_node("sagemaker_crawl")[0].metadata
    listed = crawl_metadata["warnings"].value
    assert f"{region}/NotJson: not_json: definition is not JSON" in listed
    assert f"{region}/Loop: dependency_cycle: " in listed
    metadata = one.asset_materializations_for_node("sagemaker_pipeline_lineage")[0].metadata
    assert "not_json" in metadata["warnings"].value and "Loop" not in metadata["warnings"].value
    assert metadata["lineage"].value["warnings"][0].startswith("definition is not JSON")


def test_an_endpoint_that_pages_forever_fails_only_its_execution(aws_env, store):
    first, _ = aws_env.executions_of(seeded.ABALONE_PIPELINE)
    pages = []

    def make(service, region):
        client = aws.client(service, region)

        def endless(params, **_):  # answers in place of the emulator, a new token every page
            if json.loads(params["body"]).get("PipelineExecutionArn") != first.arn:
                return None
            pages.append(1)
            steps = [{"StepName": f"Step{len(pages)}-{i}", "Metadata": {}} for i in range(100)]
            body = {"PipelineExecutionSteps": steps, "NextToken": f"token-{len(pages)}"}
            return AWSResponse("https://emulated", 200, {}, None), body

        client.meta.events.register("before-call.sagemaker.ListPipelineExecutionSteps", endless)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)

    assert len(report.crawled) == 3 and len(pages) == 101  # stopped past 10,000 steps
    assert rows(store, "SELECT error_type, location FROM crawl_errors") == [
        ("too_many_items", first.arn)
    ]


def test_memory_error_on_one_pipeline_lets_the_others_land(aws_env, store):
    def make(service, region):
        client = aws.client(service, region)

        def exhaust(params, **_):
            if params.get("PipelineName") == seeded.CHURN_PIPELINE:
                raise MemoryError("injected")

        client.meta.events.register("before-parameter-build.sagemaker.DescribePipeline", exhaust)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)

    assert sorted(c.pipeline.name for c in report.crawled) == sorted(
        [seeded.ABALONE_PIPELINE, seeded.FRAUD_PIPELINE]
    )
    assert rows(store, "SELECT source_key, error_type FROM crawl_errors") == [
        (key("us-east-1", seeded.CHURN_PIPELINE), "MemoryError")
    ]


def test_an_execution_run_with_an_oversized_definition_is_skipped_and_named(aws_env, store):
    region = "eu-west-3"
    sagemaker = aws.client("sagemaker", region)
    huge = json.dumps({"Steps": [], "Pad": "x" * 1_100_000})  # AWS caps 1,048,576 characters
    create(sagemaker, "Huge", huge)
    arn = sagemaker.start_pipeline_execution(PipelineName="Huge")["PipelineExecutionArn"]
    sagemaker.update_pipeline(PipelineName="Huge", PipelineDefinition=definition(processing("P")))

    report = crawl_regions(store, aws.client, ACCOUNT_ID, [region], reads=store.conn)

    assert [c.pipeline.name for c in report.crawled] == ["Huge"]
    assert rows(store, "SELECT error_type, location FROM crawl_errors") == [("too_large", arn)]
    assert rows(store, "SELECT count(*) FROM sagemaker_executions") == [(0,)]
    assert rows(store, "SELECT step_name FROM sagemaker_steps") == [("P",)]
