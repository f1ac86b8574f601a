"""Describe* answers in the shapes real SageMaker gives and the emulator cannot (multi-model and
serverless endpoints, inference components, uncompressed model data, asynchronous inference,
an update in progress, named monitoring job definitions), and hostile ones (wrong types, huge
lists, deep nesting, overlong strings): what each becomes, bounded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lineage_assets.serving import parse
from lineage_assets.serving.records import (
    ConfigRow,
    ContainerRow,
    EndpointRow,
    MonitoringIoRow,
    Place,
    ScheduleRow,
    VariantRow,
)

PLACE = Place("111122223333", "eu-west-1")
PREFIX = "arn:aws:sagemaker:eu-west-1:111122223333"
WHEN = datetime(2026, 11, 2, tzinfo=UTC)


def model_summary(name: str) -> dict[str, Any]:
    return {"ModelName": name, "ModelArn": f"{PREFIX}:model/{name.lower()}", "CreationTime": WHEN}


def test_multi_model_and_uncompressed_model_data() -> None:
    resource = parse.model(
        PLACE,
        model_summary("Many"),
        {
            "Containers": [
                {"Image": "img", "Mode": "MultiModel", "ModelDataUrl": "s3://m/models/"},
                {
                    "Image": "img2",
                    "ModelDataSource": {
                        "S3DataSource": {"S3Uri": "s3://m/raw/", "S3DataType": "S3Prefix"}
                    },
                },
                {"ModelPackageName": "churn/3"},
            ],
            "InferenceExecutionConfig": {"Mode": "Direct"},
        },
    )
    containers = resource.rows["serving_model_containers"]
    assert all(isinstance(c, ContainerRow) for c in containers)
    assert [(c.mode, c.model_data_url, c.model_data_field) for c in containers] == [
        ("MultiModel", "s3://m/models/", "ModelDataUrl"),
        (None, "s3://m/raw/", "ModelDataSource"),
        (None, None, None),
    ]
    assert containers[2].model_package_arn == f"{PREFIX}:model-package/churn/3"
    assert resource.rows["serving_models"][0].inference_mode == "Direct"


def test_serverless_shadow_and_inference_component_variants() -> None:
    resource = parse.endpoint_config(
        PLACE,
        {"EndpointConfigName": "c", "EndpointConfigArn": f"{PREFIX}:endpoint-config/c"},
        {
            "ProductionVariants": [
                {
                    "VariantName": "sl",
                    "ModelName": "Small",
                    "ServerlessConfig": {"MemorySizeInMB": 2048},
                },
                {"VariantName": "ic", "InstanceType": "ml.g5.2xlarge"},  # inference components
            ],
            "ShadowProductionVariants": [
                {"VariantName": "shadow", "ModelName": "Next", "InstanceType": "ml.m5.large"}
            ],
            "AsyncInferenceConfig": {
                "OutputConfig": {"S3OutputPath": "s3://a/out/", "S3FailurePath": "s3://a/fail/"}
            },
            "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k",
        },
        {"Small": f"{PREFIX}:model/small-real-arn"},
    )
    variants = resource.rows["serving_variants"]
    assert all(isinstance(v, VariantRow) for v in variants)
    assert [(v.variant_name, v.variant_type, v.model_arn, v.serverless) for v in variants] == [
        ("sl", "production", f"{PREFIX}:model/small-real-arn", True),
        ("ic", "production", None, False),
        ("shadow", "shadow", f"{PREFIX}:model/next", False),  # not listed: derived, lower case
    ]
    (config,) = resource.rows["serving_endpoint_configs"]
    assert isinstance(config, ConfigRow)
    assert (config.async_output_uri, config.async_failure_uri) == ("s3://a/out/", "s3://a/fail/")
    assert config.capture_enabled is None and config.capture_destination is None


def test_an_endpoint_updating_to_a_new_config_keeps_the_running_one() -> None:
    resource = parse.endpoint(
        PLACE,
        {"EndpointName": "E", "EndpointArn": f"{PREFIX}:endpoint/e", "EndpointStatus": "Updating"},
        {
            "EndpointConfigName": "old",
            "EndpointStatus": "Updating",
            "PendingDeploymentSummary": {"EndpointConfigName": "new"},
            "DataCaptureConfig": {
                "EnableCapture": False,
                "CaptureStatus": "Stopped",
                "CurrentSamplingPercentage": 0,
                "DestinationS3Uri": "s3://cap/",
            },
        },
        {},
        {"old": parse.capture({"CaptureOptions": [{"CaptureMode": "InputAndOutput"}]})},
    )
    (row,) = resource.rows["serving_endpoints"]
    assert isinstance(row, EndpointRow)
    assert (row.config_name, row.config_arn, row.pending_config_name) == (
        "old",
        f"{PREFIX}:endpoint-config/old",
        "new",
    )
    assert (row.capture_enabled, row.capture_status, row.capture_options) == (
        False,
        "Stopped",
        ["InputAndOutput"],
    )
    assert resource.fingerprint.endswith("|Updating")


def test_a_named_model_quality_definition_gives_ground_truth_and_reports() -> None:
    resource = parse.monitoring_schedule(
        PLACE,
        {"MonitoringScheduleName": "q", "MonitoringScheduleArn": f"{PREFIX}:monitoring-schedule/q"},
        {
            "MonitoringScheduleConfig": {
                "MonitoringJobDefinitionName": "quality-def",
                "MonitoringType": "ModelQuality",
            },
            "MonitoringScheduleStatus": "Scheduled",
        },
        {
            "ModelQualityBaselineConfig": {"ConstraintsResource": {"S3Uri": "s3://b/constraints"}},
            "ModelQualityJobInput": {
                "EndpointInput": {"EndpointName": "E"},
                "GroundTruthS3Input": {"S3Uri": "s3://b/truth/"},
            },
            "ModelQualityJobOutputConfig": {
                "MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/reports/"}}]
            },
        },
    )
    (schedule,) = resource.rows["serving_monitoring_schedules"]
    assert isinstance(schedule, ScheduleRow)
    assert (schedule.endpoint_name, schedule.job_definition_name, schedule.monitoring_type) == (
        "E",
        "quality-def",
        "ModelQuality",
    )
    io = resource.rows["serving_monitoring_io"]
    assert all(isinstance(row, MonitoringIoRow) for row in io)
    assert [(r.direction, r.uri) for r in io] == [
        ("baseline", "s3://b/constraints"),
        ("input", "s3://b/truth/"),
        ("output", "s3://b/reports/"),
    ]


def test_hostile_answers_are_dropped_or_bounded() -> None:
    huge = [{"Image": "i", "ModelDataUrl": f"s3://m/{n}"} for n in range(10_000)]
    resource = parse.model(
        PLACE,
        model_summary("H"),
        {
            "PrimaryContainer": {"Image": 7, "ModelDataUrl": "s3://x/" + "k" * 10_000},
            "Containers": huge,
            "ExecutionRoleArn": ["not", "text"],
        },
    )
    containers = resource.rows["serving_model_containers"]
    assert len(containers) == parse.MAX_CONTAINERS
    assert (containers[0].image, containers[0].model_data_url) == (None, None)
    assert resource.rows["serving_models"][0].execution_role_arn is None
    deep: dict[str, Any] = {"S3Output": {"S3Uri": "s3://too/deep/"}}
    for _ in range(50):
        deep = {"Nested": deep}
    assert parse.monitoring_locations(deep) == []
    config = parse.endpoint_config(
        PLACE,
        {"EndpointConfigName": "c", "EndpointConfigArn": f"{PREFIX}:endpoint-config/c"},
        {"ProductionVariants": "not a list", "DataCaptureConfig": {"CaptureOptions": 5}},
        {},
    )
    assert config.rows["serving_variants"] == []


def test_an_inference_component_hosts_a_model_on_an_endpoint() -> None:
    resource = parse.inference_component(
        PLACE,
        {
            "InferenceComponentName": "ic-1",
            "InferenceComponentArn": f"{PREFIX}:inference-component/ic-1",
            "EndpointName": "E",
            "EndpointArn": f"{PREFIX}:endpoint/e",
        },
        {
            "VariantName": "AllTraffic",
            "Specification": {"ModelName": "Llm", "Container": {"ArtifactUrl": "s3://m/llm/"}},
            "InferenceComponentStatus": "InService",
        },
        {},
    )
    (row,) = resource.rows["serving_inference_components"]
    assert (row.endpoint_arn, row.model_arn, row.artifact_url, row.status) == (
        f"{PREFIX}:endpoint/e",
        f"{PREFIX}:model/llm",
        "s3://m/llm/",
        "InService",
    )
