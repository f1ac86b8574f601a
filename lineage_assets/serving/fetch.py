"""What the serving crawl reads from SageMaker: bounded listings of one region, and one
description per new or changed resource (a resource whose listed LastModifiedTime — or, for
the immutable models and endpoint configs, CreationTime — is unchanged is not described)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_assets.aws import AWS_ERRORS, largest_pages
from lineage_assets.serving import parse
from lineage_assets.serving.clients import ServingClient
from lineage_assets.serving.ids import ResourceKind
from lineage_assets.serving.records import CaptureConfig, Place, Resource

MAX_LISTED = 10_000  # per kind and region; a listing past it is cut (and says so)
TRANSFORM_DAYS = 30  # batch transform jobs created in the last N days
MAX_TRANSFORM_JOBS = 2_000

# Each listing: operation, the answer's list key, its name and ARN fields, and its parameters.
LISTINGS: dict[ResourceKind, tuple[str, str, str, str]] = {
    ResourceKind.MODEL: ("list_models", "Models", "ModelName", "ModelArn"),
    ResourceKind.ENDPOINT_CONFIG: (
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "EndpointConfigArn",
    ),
    ResourceKind.ENDPOINT: ("list_endpoints", "Endpoints", "EndpointName", "EndpointArn"),
    ResourceKind.MONITORING_SCHEDULE: (
        "list_monitoring_schedules",
        "MonitoringScheduleSummaries",
        "MonitoringScheduleName",
        "MonitoringScheduleArn",
    ),
    ResourceKind.TRANSFORM_JOB: (
        "list_transform_jobs",
        "TransformJobSummaries",
        "TransformJobName",
        "TransformJobArn",
    ),
    ResourceKind.INFERENCE_COMPONENT: (
        "list_inference_components",
        "InferenceComponents",
        "InferenceComponentName",
        "InferenceComponentArn",
    ),
}

# A named monitoring job definition, by MonitoringType: (operation, its name parameter).
JOB_DEFINITIONS: dict[str, tuple[str, str]] = {
    "DataQuality": ("describe_data_quality_job_definition", "JobDefinitionName"),
    "ModelQuality": ("describe_model_quality_job_definition", "JobDefinitionName"),
    "ModelBias": ("describe_model_bias_job_definition", "JobDefinitionName"),
    "ModelExplainability": ("describe_model_explainability_job_definition", "JobDefinitionName"),
}


@dataclass(frozen=True)
class Listing:
    """One kind's listed summaries in a region; `complete` is False when cut at its bound."""

    kind: ResourceKind
    summaries: list[dict[str, Any]]
    complete: bool

    def names(self) -> dict[str, str]:
        """Listed name → ARN."""
        _, _, name, arn = LISTINGS[self.kind]
        return {str(s[name]): str(s[arn]) for s in self.summaries}


def _usable(summary: Any, kind: ResourceKind) -> bool:
    """A summary with a string name and ARN (anything else is not a resource we can name)."""
    _, _, name, arn = LISTINGS[kind]
    return (
        isinstance(summary, Mapping)
        and parse.text(summary.get(name)) is not None
        and parse.text(summary.get(arn)) is not None
    )


def list_kind(
    sagemaker: ServingClient, kind: ResourceKind, *, since: datetime | None = None
) -> Listing:
    """Every summary of one kind in the region (transform jobs: created after `since`, at most
    MAX_TRANSFORM_JOBS, newest first)."""
    operation, key, _, _ = LISTINGS[kind]
    parameters: dict[str, Any] = {}
    limit = MAX_LISTED
    if kind is ResourceKind.TRANSFORM_JOB:
        parameters = {"SortBy": "CreationTime", "SortOrder": "Descending"}
        if since is not None:
            parameters["CreationTimeAfter"] = since
        limit = MAX_TRANSFORM_JOBS
    found: list[dict[str, Any]] = []
    pages = sagemaker.get_paginator(operation).paginate(
        **parameters, **largest_pages(sagemaker, operation)
    )
    for page in pages:
        found.extend(s for s in page.get(key) or [] if _usable(s, kind))
        if len(found) > limit:
            return Listing(kind, found[:limit], complete=False)
    return Listing(kind, found, complete=True)


def _answer(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A boto3 answer without its ResponseMetadata."""
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def describe_model(sagemaker: ServingClient, place: Place, summary: Mapping[str, Any]) -> Resource:
    """DescribeModel → the model's rows."""
    answer = _answer(sagemaker.describe_model(ModelName=summary["ModelName"]))
    return parse.model(place, summary, answer)


def describe_endpoint_config(
    sagemaker: ServingClient, place: Place, summary: Mapping[str, Any], models: Mapping[str, str]
) -> Resource:
    """DescribeEndpointConfig → the config's rows and variants."""
    name = summary["EndpointConfigName"]
    answer = _answer(sagemaker.describe_endpoint_config(EndpointConfigName=name))
    return parse.endpoint_config(place, summary, answer, models)


def describe_endpoint(
    sagemaker: ServingClient,
    place: Place,
    summary: Mapping[str, Any],
    configs: Mapping[str, str],
    config_capture: Mapping[str, CaptureConfig],
) -> Resource:
    """DescribeEndpoint → the endpoint's row."""
    answer = _answer(sagemaker.describe_endpoint(EndpointName=summary["EndpointName"]))
    return parse.endpoint(place, summary, answer, configs, config_capture)


def describe_monitoring_schedule(
    sagemaker: ServingClient, place: Place, summary: Mapping[str, Any]
) -> Resource:
    """DescribeMonitoringSchedule, plus its named job definition when it has one."""
    name = summary["MonitoringScheduleName"]
    answer = _answer(sagemaker.describe_monitoring_schedule(MonitoringScheduleName=name))
    config = parse.mapping(answer.get("MonitoringScheduleConfig"))
    definition_name = parse.text(config.get("MonitoringJobDefinitionName"))
    monitoring_type = parse.text(config.get("MonitoringType")) or parse.text(
        answer.get("MonitoringType")
    )
    definition = None
    if definition_name and monitoring_type in JOB_DEFINITIONS:
        operation, parameter = JOB_DEFINITIONS[monitoring_type]
        definition = _answer(getattr(sagemaker, operation)(**{parameter: definition_name}))
    return parse.monitoring_schedule(place, summary, answer, definition)


def describe_transform_job(
    sagemaker: ServingClient, place: Place, summary: Mapping[str, Any], models: Mapping[str, str]
) -> Resource:
    """ListTags (a pipeline's jobs carry `sagemaker:pipeline-execution-arn`), then
    DescribeTransformJob → the job's row (a pipeline's job is kept from its summary alone)."""
    try:
        tags = sagemaker.list_tags(ResourceArn=summary["TransformJobArn"], MaxResults=50)
    except AWS_ERRORS:  # no sagemaker:ListTags: judged by the pipeline crawl's jobs alone
        tags = {}
    ran_by = parse.pipeline_execution(tags.get("Tags"))
    name = summary["TransformJobName"]
    answer = {} if ran_by else _answer(sagemaker.describe_transform_job(TransformJobName=name))
    return parse.transform_job(place, summary, answer, models, ran_by)


def describe_inference_component(
    sagemaker: ServingClient, place: Place, summary: Mapping[str, Any], models: Mapping[str, str]
) -> Resource:
    """DescribeInferenceComponent → the component's row (the model it hosts on an endpoint)."""
    name = summary["InferenceComponentName"]
    answer = _answer(sagemaker.describe_inference_component(InferenceComponentName=name))
    return parse.inference_component(place, summary, answer, models)
