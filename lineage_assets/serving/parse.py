"""Describe* answers (untrusted JSON) → typed rows: each value bounded in length, lists in
count, nested walks in depth; a value of the wrong type is dropped, never trusted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_assets.serving.ids import ResourceKind, derived_arn, resource_key
from lineage_assets.serving.records import (
    CaptureConfig,
    ConfigRow,
    ContainerRow,
    EndpointRow,
    InferenceComponentRow,
    ModelRow,
    MonitoringIoRow,
    Place,
    Resource,
    ScheduleRow,
    TransformJobRow,
    VariantRow,
)

MAX_TEXT = 4_096  # an S3 URI is at most 1,024 bytes of key plus the bucket; an ARN 2,048
MAX_CONTAINERS = 20  # SageMaker allows 15 containers in a serial inference pipeline
MAX_VARIANTS = 20  # 10 production variants plus shadow variants
MAX_MONITORING_IO = 50
MAX_WALK_DEPTH = 12
PIPELINE_TAG = "sagemaker:pipeline-execution-arn"


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """A string within `limit` characters, else None."""
    return value if isinstance(value, str) and value and len(value) <= limit else None


def number(value: Any) -> int | None:
    """An integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def flag(value: Any) -> bool | None:
    """A boolean, else None."""
    return value if isinstance(value, bool) else None


def moment(value: Any) -> datetime | None:
    """A datetime (boto3 parses timestamps), else None."""
    return value if isinstance(value, datetime) else None


def mapping(value: Any) -> Mapping[str, Any]:
    """A mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any, limit: int) -> list[Mapping[str, Any]]:
    """The first `limit` mappings of a list (other entries dropped)."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [entry for entry in value[:limit] if isinstance(entry, Mapping)]


def fingerprint(summary: Mapping[str, Any]) -> str:
    """What says a listed resource changed: its LastModifiedTime (CreationTime for the
    immutable models and endpoint configs) and status."""
    when = summary.get("LastModifiedTime") or summary.get("CreationTime")
    status = next((v for k, v in summary.items() if k.endswith("Status")), None)
    stamp = when.isoformat() if isinstance(when, datetime) else str(when)
    return f"{stamp}|{status}" if isinstance(status, str) else stamp


def package_arn(value: Any, model_arn: str) -> str | None:
    """A container's ModelPackageName as an ARN (a bare name is in the model's account)."""
    name = text(value)
    if name is None:
        return None
    return name if name.startswith("arn:") else derived_arn(model_arn, "model-package", name)


def _model_data(container: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The model artefact's S3 URI and the field naming it (ModelDataUrl or ModelDataSource)."""
    url = text(container.get("ModelDataUrl"))
    if url:
        return url, "ModelDataUrl"
    source = mapping(mapping(container.get("ModelDataSource")).get("S3DataSource"))
    uri = text(source.get("S3Uri"))
    return (uri, "ModelDataSource") if uri else (None, None)


def model(place: Place, summary: Mapping[str, Any], answer: Mapping[str, Any]) -> Resource:
    """A described model: its row and one row per container (primary first)."""
    name = str(answer.get("ModelName") or summary["ModelName"])
    arn = text(answer.get("ModelArn")) or str(summary["ModelArn"])
    key = resource_key(ResourceKind.MODEL, place.account_id, place.region, name)
    containers = [mapping(answer.get("PrimaryContainer"))] if answer.get("PrimaryContainer") else []
    containers += items(answer.get("Containers"), MAX_CONTAINERS)
    container_rows = []
    for position, container in enumerate(containers[:MAX_CONTAINERS]):
        url, field = _model_data(container)
        container_rows.append(
            ContainerRow(
                key, place.account_id, place.region, arn, position,
                text(container.get("ContainerHostname")), text(container.get("Image")),
                text(container.get("Mode")), url, field,
                package_arn(container.get("ModelPackageName"), arn),
            )
        )  # fmt: skip
    row = ModelRow(
        key, place.account_id, place.region, name, arn,
        moment(answer.get("CreationTime")), text(answer.get("ExecutionRoleArn")),
        flag(answer.get("EnableNetworkIsolation")),
        text(mapping(answer.get("InferenceExecutionConfig")).get("Mode")),
    )  # fmt: skip
    rows: dict[str, list[object]] = {
        "serving_models": [row],
        "serving_model_containers": list(container_rows),
    }
    return Resource(ResourceKind.MODEL, place, name, arn, fingerprint(summary), rows)


def capture(config: Any) -> CaptureConfig:
    """An endpoint config's DataCaptureConfig, or DescribeEndpoint's summary of it."""
    found = mapping(config)
    if not found:
        return CaptureConfig()
    modes = [text(o.get("CaptureMode")) for o in items(found.get("CaptureOptions"), 10)]
    sampling = found.get("InitialSamplingPercentage", found.get("CurrentSamplingPercentage"))
    return CaptureConfig(
        enabled=flag(found.get("EnableCapture")),
        destination=text(found.get("DestinationS3Uri")),
        options=tuple(m for m in modes if m),
        sampling_percentage=number(sampling),
        kms_key_id=text(found.get("KmsKeyId")),
        status=text(found.get("CaptureStatus")),
    )


def _variants(
    place: Place, key: str, config_arn: str, answer: Mapping[str, Any], models: Mapping[str, str]
) -> list[VariantRow]:
    """Production then shadow variants; a variant's model ARN from the region's listing,
    else derived (a deleted model keeps its node)."""
    rows = []
    fields = (("production", "ProductionVariants"), ("shadow", "ShadowProductionVariants"))
    for kind, field in fields:
        for variant in items(answer.get(field), MAX_VARIANTS):
            name = text(variant.get("ModelName"))
            arn = (models.get(name) or derived_arn(config_arn, "model", name)) if name else None
            rows.append(
                VariantRow(
                    key, place.account_id, place.region, config_arn,
                    text(variant.get("VariantName")) or "", kind, name, arn,
                    text(variant.get("InstanceType")),
                    number(variant.get("InitialInstanceCount")),
                    bool(variant.get("ServerlessConfig")),
                )
            )  # fmt: skip
    return rows[:MAX_VARIANTS]


def endpoint_config(
    place: Place, summary: Mapping[str, Any], answer: Mapping[str, Any], models: Mapping[str, str]
) -> Resource:
    """A described endpoint config: its row (data capture, KMS key, async output) and its
    production and shadow variants."""
    name = str(answer.get("EndpointConfigName") or summary["EndpointConfigName"])
    arn = text(answer.get("EndpointConfigArn")) or str(summary["EndpointConfigArn"])
    key = resource_key(ResourceKind.ENDPOINT_CONFIG, place.account_id, place.region, name)
    found = capture(answer.get("DataCaptureConfig"))
    output = mapping(mapping(answer.get("AsyncInferenceConfig")).get("OutputConfig"))
    row = ConfigRow(
        key, place.account_id, place.region, name, arn, moment(answer.get("CreationTime")),
        text(answer.get("KmsKeyId")), found.enabled, found.destination, list(found.options),
        found.sampling_percentage, found.kms_key_id, text(output.get("S3OutputPath")),
        text(output.get("S3FailurePath")),
    )  # fmt: skip
    rows: dict[str, list[object]] = {
        "serving_endpoint_configs": [row],
        "serving_variants": list(_variants(place, key, arn, answer, models)),
    }
    return Resource(ResourceKind.ENDPOINT_CONFIG, place, name, arn, fingerprint(summary), rows)


def endpoint(
    place: Place,
    summary: Mapping[str, Any],
    answer: Mapping[str, Any],
    configs: Mapping[str, str],
    config_capture: Mapping[str, CaptureConfig],
) -> Resource:
    """A described endpoint: status, the config it runs (ARN from the region's listing, else
    derived), and what it captures: DescribeEndpoint's own DataCaptureConfig, completed by its
    config's (capture options are only in the config)."""
    name = str(answer.get("EndpointName") or summary["EndpointName"])
    arn = text(answer.get("EndpointArn")) or str(summary["EndpointArn"])
    key = resource_key(ResourceKind.ENDPOINT, place.account_id, place.region, name)
    config_name = text(answer.get("EndpointConfigName"))
    config_arn = None
    if config_name:
        config_arn = configs.get(config_name) or derived_arn(arn, "endpoint-config", config_name)
    own = capture(answer.get("DataCaptureConfig"))
    declared = config_capture.get(config_name or "", CaptureConfig())
    destination = own.destination or declared.destination
    enabled = own.enabled if own.enabled is not None else declared.enabled
    sampling = own.sampling_percentage
    output = mapping(mapping(answer.get("AsyncInferenceConfig")).get("OutputConfig"))
    pending = mapping(answer.get("PendingDeploymentSummary"))
    row = EndpointRow(
        key, place.account_id, place.region, name, arn,
        text(answer.get("EndpointStatus")) or text(summary.get("EndpointStatus")),
        text(answer.get("FailureReason")), config_name, config_arn,
        text(pending.get("EndpointConfigName")), moment(answer.get("CreationTime")),
        moment(answer.get("LastModifiedTime")), enabled, own.status, destination,
        sampling if sampling is not None else declared.sampling_percentage,
        own.kms_key_id or declared.kms_key_id, list(declared.options),
        text(output.get("S3OutputPath")),
    )  # fmt: skip
    rows: dict[str, list[object]] = {"serving_endpoints": [row]}
    return Resource(ResourceKind.ENDPOINT, place, name, arn, fingerprint(summary), rows)


def _walk(value: Any, depth: int = 0) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every (key, mapping) pair below `value`, at most MAX_WALK_DEPTH deep."""
    if depth > MAX_WALK_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            if isinstance(child, Mapping):
                yield str(key), child
            yield from _walk(child, depth + 1)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for child in value[:MAX_MONITORING_IO]:
            yield from _walk(child, depth + 1)


# Where a monitoring job's locations sit, whatever its type (data or model quality, bias,
# explainability) and whether inline or in a named job definition: key → (direction, field).
_MONITORING_LOCATIONS = {
    "ConstraintsResource": ("baseline", "S3Uri"),
    "StatisticsResource": ("baseline", "S3Uri"),
    "BatchTransformInput": ("input", "DataCapturedDestinationS3Uri"),
    "GroundTruthS3Input": ("input", "S3Uri"),
    "S3Output": ("output", "S3Uri"),
}


def monitoring_locations(description: Any) -> list[tuple[str, str, str]]:
    """(direction, channel, uri) of every baseline, input and report location named below a
    monitoring schedule's config or job definition, once each, in order."""
    found: dict[tuple[str, str, str], None] = {}
    for key, value in _walk(description):
        if key in _MONITORING_LOCATIONS:
            direction, field = _MONITORING_LOCATIONS[key]
            uri = text(value.get(field))
            if uri:
                found[(direction, key, uri)] = None
    return list(found)[:MAX_MONITORING_IO]


def monitored_endpoint(description: Any) -> str | None:
    """The endpoint a monitoring job reads (its EndpointInput), if any."""
    for key, value in _walk(description):
        if key == "EndpointInput" and text(value.get("EndpointName")):
            return text(value.get("EndpointName"))
    return None


def monitoring_schedule(
    place: Place,
    summary: Mapping[str, Any],
    answer: Mapping[str, Any],
    job_definition: Mapping[str, Any] | None,
) -> Resource:
    """A described monitoring schedule: what it monitors, its baselines, the data it reads and
    where its reports go (from the inline job definition or the named one)."""
    name = str(answer.get("MonitoringScheduleName") or summary["MonitoringScheduleName"])
    arn = text(answer.get("MonitoringScheduleArn")) or str(summary["MonitoringScheduleArn"])
    key = resource_key(ResourceKind.MONITORING_SCHEDULE, place.account_id, place.region, name)
    config = mapping(answer.get("MonitoringScheduleConfig"))
    sources = [config, job_definition or {}]
    endpoint_name = text(answer.get("EndpointName")) or next(
        (e for s in sources if (e := monitored_endpoint(s))), None
    )
    row = ScheduleRow(
        key, place.account_id, place.region, name, arn,
        text(answer.get("MonitoringScheduleStatus")),
        text(answer.get("MonitoringType")) or text(config.get("MonitoringType")),
        endpoint_name, text(config.get("MonitoringJobDefinitionName")),
        moment(answer.get("CreationTime")), moment(answer.get("LastModifiedTime")),
        text(answer.get("FailureReason")),
    )  # fmt: skip
    io = [
        MonitoringIoRow(key, place.account_id, place.region, arn, direction, channel, uri)
        for source in sources
        for direction, channel, uri in monitoring_locations(source)
    ]
    rows: dict[str, list[object]] = {
        "serving_monitoring_schedules": [row],
        "serving_monitoring_io": list(io[:MAX_MONITORING_IO]),
    }
    return Resource(ResourceKind.MONITORING_SCHEDULE, place, name, arn, fingerprint(summary), rows)


def pipeline_execution(tags: Any) -> str | None:
    """The pipeline execution a job's tags say ran it (`sagemaker:pipeline-execution-arn`)."""
    for tag in items(tags, 100):
        if tag.get("Key") == PIPELINE_TAG:
            return text(tag.get("Value")) or "unknown"
    return None


def transform_job(
    place: Place,
    summary: Mapping[str, Any],
    answer: Mapping[str, Any],
    models: Mapping[str, str],
    pipeline_execution_arn: str | None,
) -> Resource:
    """A described batch transform job: its model, input, output and capture locations."""
    name = str(answer.get("TransformJobName") or summary["TransformJobName"])
    arn = text(answer.get("TransformJobArn")) or str(summary["TransformJobArn"])
    key = resource_key(ResourceKind.TRANSFORM_JOB, place.account_id, place.region, name)
    data_source = mapping(mapping(answer.get("TransformInput")).get("DataSource"))
    source = mapping(data_source.get("S3DataSource"))
    model_name = text(answer.get("ModelName"))
    model_arn = None
    if model_name:
        model_arn = models.get(model_name) or derived_arn(arn, "model", model_name)
    row = TransformJobRow(
        key, place.account_id, place.region, name, arn,
        text(answer.get("TransformJobStatus")), text(answer.get("FailureReason")),
        model_name, model_arn, moment(answer.get("CreationTime")),
        moment(answer.get("LastModifiedTime")), text(source.get("S3Uri")),
        text(source.get("S3DataType")),
        text(mapping(answer.get("TransformOutput")).get("S3OutputPath")),
        text(mapping(answer.get("DataCaptureConfig")).get("DestinationS3Uri")),
        pipeline_execution_arn,
    )  # fmt: skip
    rows: dict[str, list[object]] = {"serving_transform_jobs": [row]}
    return Resource(ResourceKind.TRANSFORM_JOB, place, name, arn, fingerprint(summary), rows)


def inference_component(
    place: Place, summary: Mapping[str, Any], answer: Mapping[str, Any], models: Mapping[str, str]
) -> Resource:
    """A described inference component: the endpoint (and variant) it runs on and the model it
    hosts (Specification.ModelName), or the artefact it hosts without one."""
    name = str(answer.get("InferenceComponentName") or summary["InferenceComponentName"])
    arn = text(answer.get("InferenceComponentArn")) or str(summary["InferenceComponentArn"])
    key = resource_key(ResourceKind.INFERENCE_COMPONENT, place.account_id, place.region, name)
    specification = mapping(answer.get("Specification"))
    model_name = text(specification.get("ModelName"))
    model_arn = None
    if model_name:
        model_arn = models.get(model_name) or derived_arn(arn, "model", model_name)
    endpoint_arn = text(answer.get("EndpointArn")) or text(summary.get("EndpointArn"))
    row = InferenceComponentRow(
        key, place.account_id, place.region, name, arn,
        text(answer.get("EndpointName")) or text(summary.get("EndpointName")), endpoint_arn,
        text(answer.get("VariantName")), model_name, model_arn,
        text(mapping(specification.get("Container")).get("ArtifactUrl")),
        text(answer.get("InferenceComponentStatus")), moment(answer.get("CreationTime")),
        moment(answer.get("LastModifiedTime")),
    )  # fmt: skip
    rows: dict[str, list[object]] = {"serving_inference_components": [row]}
    return Resource(ResourceKind.INFERENCE_COMPONENT, place, name, arn, fingerprint(summary), rows)
