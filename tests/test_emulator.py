"""The local AWS emulator, exercised over real HTTP on 127.0.0.1 with plain boto3 and pyarrow."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import moto
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lineage_assets.aws import s3_filesystem
from lineage_dev.emulator import moto_ext
from lineage_dev.emulator.datasets import is_valid_luhn, is_valid_rrn
from lineage_dev.emulator.definitions import (
    ABALONE_GROUP,
    ABALONE_PIPELINE,
    CHURN_GROUP,
    CHURN_PIPELINE,
    CURATED_BUCKET,
    CURATED_KMS_KEY,
    EU_PIPELINE,
    EU_REGION,
    FEATURE_GROUP,
    RAW_BUCKET,
)
from lineage_dev.emulator.expressions import s3_uris
from lineage_dev.emulator.seed import SeededAccount
from lineage_dev.emulator.server import EmulatorServer
from lineage_dev.emulator.storage import split_uri, uri_exists

PROJECT = Path(__file__).resolve().parents[1]
NO_RETRIES = Config(retries={"max_attempts": 1})
JOB_NAME = re.compile(r"^pipelines-[a-z0-9]{12}-[a-z0-9-]{1,20}-[a-z0-9]{10}$")


def client(service: str, region: str | None = None) -> Any:
    """A plain boto3 client (endpoint and credentials come from the environment)."""
    return boto3.client(service, region_name=region, config=NO_RETRIES)


def paginate(api: Any, operation: str, key: str, **params: Any) -> list[Any]:
    """All items of a paginated list call, one item per page to exercise the tokens."""
    pages = api.get_paginator(operation).paginate(**params)
    return [item for page in pages for item in page[key]]


def connectable(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def error_code(call: Any, **params: Any) -> str:
    """The AWS error code a call fails with."""
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"]


def read_object(uri: str) -> bytes:
    """The bytes of one S3 object via boto3."""
    bucket, key = split_uri(uri)
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


# --------------------------------------------------------------------------- the server


def test_server_binds_loopback_and_stops() -> None:
    server = EmulatorServer(seed=False).start()
    port = server.port
    try:
        assert server.endpoint_url == f"http://127.0.0.1:{port}"
        assert connectable(port)
    finally:
        server.stop()
    assert not connectable(port)


def test_busy_port_falls_back_to_a_free_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with EmulatorServer(port=taken, seed=False) as server:
            assert server.port != taken
            assert connectable(server.port)


# --------------------------------------------------------------------------- SageMaker reads


def test_list_pipelines_in_both_regions(aws_env: SeededAccount) -> None:
    for region in aws_env.regions:
        summaries = paginate(
            client("sagemaker", region),
            "list_pipelines",
            "PipelineSummaries",
            PaginationConfig={"PageSize": 1},
        )
        expected = {name for name, where in aws_env.pipelines.items() if where == region}
        assert sorted(item["PipelineName"] for item in summaries) == sorted(expected)
    assert aws_env.pipelines[EU_PIPELINE] == EU_REGION


def test_definitions_come_back_byte_identical(aws_env: SeededAccount) -> None:
    for name, region in aws_env.pipelines.items():
        described = client("sagemaker", region).describe_pipeline(PipelineName=name)
        assert described["PipelineDefinition"] == aws_env.pipeline_definitions[name]
        definition = json.loads(described["PipelineDefinition"])
        assert definition["Version"] == "2020-12-01"
        assert {"Metadata", "Parameters", "PipelineExperimentConfig", "Steps"} <= set(definition)


def test_abalone_definition_uses_real_expression_forms(aws_env: SeededAccount) -> None:
    text = aws_env.pipeline_definitions[ABALONE_PIPELINE]
    definition = json.loads(text)
    assert [p["Name"] for p in definition["Parameters"]] == [
        "ProcessingInstanceCount",
        "TrainingInstanceType",
        "ModelApprovalStatus",
        "InputData",
        "BatchData",
        "MseThreshold",
    ]
    for form in (
        '"Std:Join"',
        '"Std:JsonGet"',
        '"Execution.PipelineExecutionId"',
        "Steps.AbaloneProcess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
        "Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts",
        '"AthenaDatasetDefinition"',
    ):
        assert form in text
    condition = definition["Steps"][3]["Arguments"]
    assert [s["Name"] for s in condition["IfSteps"]] == [
        "AbaloneRegisterModel-RegisterModel",
        "AbaloneCreateModel-CreateModel",
        "AbaloneTransform",
    ]
    assert [s["Type"] for s in condition["ElseSteps"]] == ["Fail"]


def test_executions_and_their_parameters(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    seeded = aws_env.executions_of(ABALONE_PIPELINE)
    listed = sagemaker.list_pipeline_executions(PipelineName=ABALONE_PIPELINE)
    summaries = listed["PipelineExecutionSummaries"]
    assert [s["PipelineExecutionArn"] for s in summaries] == [e.arn for e in seeded]
    assert [s["PipelineExecutionStatus"] for s in summaries] == ["Succeeded", "Failed"]
    for execution in seeded:
        params = sagemaker.list_pipeline_parameters_for_execution(
            PipelineExecutionArn=execution.arn
        )
        as_dict = {p["Name"]: p["Value"] for p in params["PipelineParameters"]}
        assert as_dict == dict(execution.parameters)
    assert seeded[0].parameters["MseThreshold"] != seeded[1].parameters["MseThreshold"]
    failed = sagemaker.describe_pipeline_execution(PipelineExecutionArn=seeded[1].arn)
    assert failed["PipelineExecutionStatus"] == "Failed"
    assert failed["FailureReason"].startswith("Step failure")
    assert failed["CreationTime"] < failed["LastModifiedTime"]


def test_steps_newest_first_with_branches_and_cache_hits(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    first, second = aws_env.executions_of(ABALONE_PIPELINE)
    listed = {}
    for execution in (first, second):
        steps = paginate(
            sagemaker,
            "list_pipeline_execution_steps",
            "PipelineExecutionSteps",
            PipelineExecutionArn=execution.arn,
            PaginationConfig={"PageSize": 1},
        )
        assert [s["StepName"] for s in steps] == list(reversed(execution.step_names))
        starts = [s["StartTime"] for s in steps]
        assert starts == sorted(starts, reverse=True)
        assert all(s["EndTime"] > s["StartTime"] and s["AttemptCount"] == 1 for s in steps)
        listed[execution.arn] = {s["StepName"]: s for s in steps}

    one, two = listed[first.arn], listed[second.arn]
    assert {"AbaloneRegisterModel-RegisterModel", "AbaloneTransform"} <= set(one)
    assert one["AbaloneMSECond"]["Metadata"] == {"Condition": {"Outcome": "True"}}
    assert one["AbaloneProcess"]["CacheHitResult"]["SourcePipelineExecutionArn"] == ""
    for name in ("AbaloneProcess", "AbaloneTrain", "AbaloneEval"):
        assert two[name]["CacheHitResult"]["SourcePipelineExecutionArn"] == first.arn
        assert two[name]["Metadata"] == one[name]["Metadata"]
    assert two["AbaloneTransform"]["CacheHitResult"]["SourcePipelineExecutionArn"] == ""

    failed_step = two["AbaloneTransform"]
    assert failed_step["StepStatus"] == "Failed" and failed_step["FailureReason"]
    job = failed_step["Metadata"]["TransformJob"]["Arn"].rsplit("/", 1)[-1]
    described = sagemaker.describe_transform_job(TransformJobName=job)
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"] == failed_step["FailureReason"]


def test_step_order_option_and_unknown_execution(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    first = aws_env.executions_of(ABALONE_PIPELINE)[0]
    page = sagemaker.list_pipeline_execution_steps(
        PipelineExecutionArn=first.arn, SortOrder="Ascending", MaxResults=1
    )
    assert [s["StepName"] for s in page["PipelineExecutionSteps"]] == ["AbaloneProcess"]
    assert page["NextToken"]
    unknown = first.arn.rsplit("/", 1)[0] + "/zzzzzzzzzzzz"
    code = error_code(sagemaker.list_pipeline_execution_steps, PipelineExecutionArn=unknown)
    assert code == "ValidationException"


def test_jobs_carry_realistic_names_metrics_and_times(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    first = aws_env.executions_of(ABALONE_PIPELINE)[0]
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=first.arn)
    by_name = {s["StepName"]: s["Metadata"] for s in steps["PipelineExecutionSteps"]}

    training_name = by_name["AbaloneTrain"]["TrainingJob"]["Arn"].rsplit("/", 1)[-1]
    assert JOB_NAME.match(training_name)
    training = sagemaker.describe_training_job(TrainingJobName=training_name)
    metrics = {m["MetricName"] for m in training["FinalMetricDataList"]}
    assert metrics == {"train:mse", "validation:mse"}
    assert training["TrainingEndTime"] > training["TrainingStartTime"]
    assert training["ModelArtifacts"]["S3ModelArtifacts"].endswith(
        f"/{training_name}/output/model.tar.gz"
    )

    processing_name = by_name["AbaloneProcess"]["ProcessingJob"]["Arn"].rsplit("/", 1)[-1]
    processing = sagemaker.describe_processing_job(ProcessingJobName=processing_name)
    assert processing["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 1
    assert processing["ProcessingEndTime"] > processing["ProcessingStartTime"]
    athena = [i for i in processing["ProcessingInputs"] if "DatasetDefinition" in i]
    assert (
        "analytics.abalone_measurements"
        in (athena[0]["DatasetDefinition"]["AthenaDatasetDefinition"]["QueryString"])
    )

    versions = sagemaker.list_pipeline_versions(PipelineName=ABALONE_PIPELINE)
    summary = versions["PipelineVersionSummaries"][0]
    assert summary["PipelineVersionId"] == 1
    assert summary["LastExecutionPipelineExecutionArn"] == aws_env.executions[-1].arn


def test_feature_groups(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    groups = paginate(
        sagemaker, "list_feature_groups", "FeatureGroupSummaries", PaginationConfig={"PageSize": 1}
    )
    assert [g["FeatureGroupName"] for g in groups] == [FEATURE_GROUP]
    assert (
        sagemaker.list_feature_groups(NameContains="nothing-like-it")["FeatureGroupSummaries"] == []
    )
    described = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
    storage = described["OfflineStoreConfig"]["S3StorageConfig"]
    assert storage["ResolvedOutputS3Uri"] == aws_env.feature_group_offline_uri
    assert storage["KmsKeyId"].startswith("arn:aws:kms:")
    assert described["OnlineStoreConfig"]["EnableOnlineStore"] is True
    features = {f["FeatureName"] for f in described["FeatureDefinitions"]}
    assert {"customer_id", "email", "phone", "event_time"} <= features
    assert uri_exists(client("s3"), aws_env.feature_group_offline_uri)
    code = error_code(sagemaker.describe_feature_group, FeatureGroupName="missing-group")
    assert code == "ResourceNotFound"


def test_model_packages(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    groups = paginate(sagemaker, "list_model_package_groups", "ModelPackageGroupSummaryList")
    assert {g["ModelPackageGroupName"] for g in groups} == {ABALONE_GROUP, CHURN_GROUP}
    statuses = {}
    for group in (ABALONE_GROUP, CHURN_GROUP):
        packages = sagemaker.list_model_packages(ModelPackageGroupName=group)
        statuses[group] = sorted(
            p["ModelApprovalStatus"] for p in packages["ModelPackageSummaryList"]
        )
    assert statuses == {
        ABALONE_GROUP: ["Approved", "PendingManualApproval"],
        CHURN_GROUP: ["Approved"],
    }


def test_studio_domain_and_tags_tie_two_pipelines(aws_env: SeededAccount) -> None:
    sagemaker = client("sagemaker")
    domains = sagemaker.list_domains()["Domains"]
    assert [(d["DomainName"], d["DomainArn"]) for d in domains] == [
        ("ml-platform", aws_env.domain_arn)
    ]
    tags = {}
    for name, region in aws_env.pipelines.items():
        api = client("sagemaker", region)
        arn = api.describe_pipeline(PipelineName=name)["PipelineArn"]
        tags[name] = {t["Key"]: t["Value"] for t in api.list_tags(ResourceArn=arn)["Tags"]}
    assert all("team" in pipeline_tags for pipeline_tags in tags.values())
    assert tags[ABALONE_PIPELINE]["sagemaker:domain-arn"] == aws_env.domain_arn
    assert tags[CHURN_PIPELINE]["DomainId"] == aws_env.domain_id
    assert tags[CHURN_PIPELINE]["DomainName"] == "ml-platform"


# --------------------------------------------------------------------------- S3


def test_bucket_posture_differs(aws_env: SeededAccount) -> None:
    s3 = client("s3")
    raw, curated = RAW_BUCKET, CURATED_BUCKET
    assert error_code(s3.get_bucket_encryption, Bucket=raw) == (
        "ServerSideEncryptionConfigurationNotFoundError"
    )
    assert error_code(s3.get_public_access_block, Bucket=raw) == (
        "NoSuchPublicAccessBlockConfiguration"
    )
    assert "Status" not in s3.get_bucket_versioning(Bucket=raw)

    rule = s3.get_bucket_encryption(Bucket=curated)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": CURATED_KMS_KEY,
    }
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=curated)["Status"] == "Enabled"
    flags = s3.get_public_access_block(Bucket=curated)["PublicAccessBlockConfiguration"]
    assert set(flags.values()) == {True} and len(flags) == 4
    assert s3.get_bucket_tagging(Bucket=curated)["TagSet"]
    locations = {b: s3.get_bucket_location(Bucket=b)["LocationConstraint"] for b in aws_env.buckets}
    assert locations == {b: (None if r == "us-east-1" else r) for b, r in aws_env.buckets.items()}


def test_pyarrow_reads_footer_csv_and_jsonl(aws_env: SeededAccount) -> None:
    filesystem = s3_filesystem()
    large = aws_env.large_parquet_uri.removeprefix("s3://")
    assert filesystem.get_file_info(large).size >= 20_000_000
    with filesystem.open_input_file(large) as handle:
        metadata = pq.ParquetFile(handle).metadata
    assert metadata.num_row_groups >= 4
    assert metadata.schema.names == [
        "order_id",
        "customer_id",
        "order_ts",
        "amount",
        "currency",
        "status",
        "product_code",
        "order_number",
    ]
    csv_uri, _, jsonl_uri = (uri.removeprefix("s3://") for uri in aws_env.raw_customer_uris)
    with filesystem.open_input_stream(csv_uri) as stream:
        table = pa_csv.read_csv(stream)
    assert {"rrn", "card_number", "email", "phone"} <= set(table.column_names)
    with filesystem.open_input_stream(jsonl_uri) as stream:
        nested = pa_json.read_json(stream)
    assert nested.schema.field("address").type.num_fields == 3
    assert str(nested.schema.field("tags").type).startswith("list")


def test_orders_are_hive_partitioned(aws_env: SeededAccount) -> None:
    orders = [
        uri for uri in aws_env.objects if uri.startswith(aws_env.athena_tables["analytics.orders"])
    ]
    assert any(re.search(r"/dt=\d{4}-\d{2}-\d{2}/part-0000\.parquet$", uri) for uri in orders)
    assert any(uri.endswith("/_SUCCESS") for uri in orders)
    assert aws_env.large_parquet_uri in orders


def test_every_referenced_data_uri_exists(aws_env: SeededAccount) -> None:
    s3 = client("s3")
    referenced = set(aws_env.athena_tables.values()) | {aws_env.feature_group_offline_uri}
    for execution in aws_env.executions:
        referenced |= set(execution.data_uris())
    assert len(referenced) > 25
    missing = sorted(uri for uri in referenced if not uri_exists(s3, uri))
    assert missing == []


def test_jobs_described_by_the_api_point_at_existing_data(aws_env: SeededAccount) -> None:
    s3 = client("s3")
    describe = {
        "ProcessingJob": ("describe_processing_job", "ProcessingJobName"),
        "TrainingJob": ("describe_training_job", "TrainingJobName"),
        "TransformJob": ("describe_transform_job", "TransformJobName"),
    }
    seen = 0
    for execution in aws_env.executions:
        api = client("sagemaker", execution.region)
        steps = api.list_pipeline_execution_steps(PipelineExecutionArn=execution.arn)
        for step in steps["PipelineExecutionSteps"]:
            [(kind, meta)] = step["Metadata"].items()
            if kind == "RegisterModel":
                answer = api.describe_model_package(ModelPackageName=meta["Arn"])
            elif kind in describe:
                operation, key = describe[kind]
                answer = getattr(api, operation)(**{key: meta["Arn"].rsplit("/", 1)[-1]})
            else:
                continue
            answer.pop("ResponseMetadata")
            uris = s3_uris(answer)
            seen += len(uris)
            assert [uri for uri in uris if not uri_exists(s3, uri)] == []
    assert seen > 30


def test_raw_personal_data_has_valid_check_digits(aws_env: SeededAccount) -> None:
    csv_uri, gz_uri, jsonl_uri = aws_env.raw_customer_uris
    rows = list(csv.DictReader(io.StringIO(read_object(csv_uri).decode())))
    rows += list(csv.DictReader(io.StringIO(gzip.decompress(read_object(gz_uri)).decode())))
    rows += [json.loads(line) for line in read_object(jsonl_uri).decode().splitlines()]
    rrns = [row["rrn"] for row in rows if row["rrn"]]
    cards = [row["card_number"] for row in rows]
    assert len(rows) == 1000 and len(rrns) > 300
    assert all(is_valid_rrn(rrn) for rrn in rrns)
    assert all(len(card) == 16 and is_valid_luhn(card) for card in cards)
    assert not is_valid_rrn(rrns[0][:-1] + str((int(rrns[0][-1]) + 1) % 10))
    assert any(row["phone"].startswith("010-") for row in rows)
    assert any(row["phone"].startswith("+44") for row in rows)


# --------------------------------------------------------------------------- canary


def test_canary_moto_internals_and_missing_operations(aws_env: SeededAccount) -> None:
    """Fails when moto implements the added operations or moves what moto_ext touches."""
    assert moto.__version__ == "5.2.5"
    moto_ext.install()
    assert moto_ext.is_installed()
    assert moto_ext.natively_implemented() == []
    assert moto_ext.missing_originals() == []
    service = botocore.session.get_session().get_service_model("sagemaker")
    for name in ("ListPipelineExecutionSteps", "ListFeatureGroups", "ListPipelineVersions"):
        assert name in service.operation_names
    from moto.sagemaker import models, utils

    assert callable(utils.get_pipeline_execution_from_arn)
    assert callable(utils.get_pipeline_from_name)
    backend = models.sagemaker_backends[aws_env.account_id]["us-east-1"]
    pipeline = backend.pipelines[ABALONE_PIPELINE]
    execution = next(iter(pipeline.pipeline_executions.values()))
    touched = {
        pipeline: ("creation_time", "last_execution_time", "pipeline_executions"),
        execution: ("pipeline_execution_status", "pipeline_execution_failure_reason", "start_time"),
        next(iter(backend.training_jobs.values())): (
            "final_metric_data_list",
            "training_job_status",
        ),
        next(iter(backend.processing_jobs.values())): (
            "processing_job_status",
            "processing_end_time",
        ),
        next(iter(backend.transform_jobs.values())): ("transform_job_status", "failure_reason"),
        next(iter(backend.feature_groups.values())): ("feature_group_name", "creation_time"),
    }
    for target, attributes in touched.items():
        assert all(hasattr(target, attribute) for attribute in attributes), type(target)


# --------------------------------------------------------------------------- main()


def test_main_serves_until_sigint_and_cleans_up(tmp_path: Path) -> None:
    endpoint_file = tmp_path / "emulator.json"
    command = [
        sys.executable,
        "-m",
        "lineage_dev.emulator",
        "--endpoint-file",
        str(endpoint_file),
    ]
    command += ["--large-parquet-rows", "1000"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=env, cwd=PROJECT
    ) as process:
        try:
            banner = process.stdout.readline() if process.stdout else ""
            assert "listening on http://127.0.0.1:" in banner
            published = json.loads(endpoint_file.read_text())
            assert published["pid"] == process.pid
            assert published["regions"] == ["us-east-1", "eu-west-1"]
            api = boto3.client(
                "sagemaker",
                endpoint_url=published["endpoint_url"],
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=NO_RETRIES,
            )
            names = {p["PipelineName"] for p in api.list_pipelines()["PipelineSummaries"]}
            assert ABALONE_PIPELINE in names
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
    assert not endpoint_file.exists()
