"""Extends moto 5.2.5's SageMaker with the read operations a crawl needs and moto lacks.

Approach A of aws-emulation.md §4: plain functions assigned onto moto's response class, state kept
on moto's own backend objects; botocore's output shapes then serialise and page the answers.
Pinned to moto==5.2.5 because it touches internals; tests/test_emulator.py holds the canary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import AWSValidationException, ResourceNotFound
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import (
    arn_formatter,
    get_pipeline_execution_from_arn,
    get_pipeline_from_name,
)

ACCOUNT_ID = "123456789012"
STEPS_ATTRIBUTE = "lineage_execution_steps"
FEATURE_GROUP_EXTRAS_ATTRIBUTE = "lineage_describe_extras"
MONITORING_ATTRIBUTE = "lineage_monitoring_schedules"
COMPONENTS_ATTRIBUTE = "lineage_inference_components"

# Operations moto 5.2.5 lacks (added) and moto methods whose answers are completed (replaced).
ADDED_OPERATIONS = (
    "list_pipeline_execution_steps",
    "list_feature_groups",
    "list_pipeline_versions",
    "create_monitoring_schedule",
    "describe_monitoring_schedule",
    "list_monitoring_schedules",
    "list_inference_components",
    "describe_inference_component",
)
REPLACED_OPERATIONS = (
    "describe_pipeline_execution",
    "create_feature_group",
    "describe_feature_group",
    "describe_endpoint",
)

# What the class held before install(): lets the canary see whether moto grew these natively.
_ORIGINAL_METHODS: dict[str, Any] = {
    name: vars(SageMakerResponse).get(name) for name in ADDED_OPERATIONS + REPLACED_OPERATIONS
}

BackendOrRegion = SageMakerModelBackend | str


# --------------------------------------------------------------------------- helpers


def backend_for(target: BackendOrRegion, account_id: str = ACCOUNT_ID) -> SageMakerModelBackend:
    """The SageMaker backend for a region name, or the backend itself when one is given."""
    if isinstance(target, SageMakerModelBackend):
        return target
    return sagemaker_backends[account_id][target]


def page(items: Sequence[Any], next_token: str | None, max_results: int) -> tuple[list[Any], str]:
    """One page of `items` from an integer-offset token, and the next token ('' at the end)."""
    try:
        start = int(next_token) if next_token else 0
    except ValueError as error:
        raise AWSValidationException(f"Invalid pagination token {next_token!r}.") from error
    if start < 0 or start > len(items):
        raise AWSValidationException(f"Invalid pagination token {next_token!r}.")
    end = start + max_results
    return list(items[start:end]), (str(end) if end < len(items) else "")


def _paged_result(
    key: str, items: Sequence[Any], response: SageMakerResponse, default: int
) -> ActionResult:
    """An ActionResult holding one page of `items` under `key`, with NextToken when more remain."""
    max_results = response._get_int_param("MaxResults", default)
    chunk, token = page(items, response._get_param("NextToken"), max_results)
    body: dict[str, Any] = {key: chunk}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


def _newest_first(response: SageMakerResponse) -> bool:
    """Whether the request asks for the default descending order."""
    return response._get_param("SortOrder", "Descending") != "Ascending"


# --------------------------------------------------------------------------- operations


def list_pipeline_execution_steps(self: SageMakerResponse) -> ActionResult:
    """ListPipelineExecutionSteps: the seeded steps of a known execution, newest first."""
    backend = self.sagemaker_backend
    arn = self._get_param("PipelineExecutionArn")
    get_pipeline_execution_from_arn(backend.pipelines, arn)  # ValidationException when unknown
    steps = list(getattr(backend, STEPS_ATTRIBUTE, {}).get(arn, []))
    if _newest_first(self):
        steps.reverse()
    return _paged_result("PipelineExecutionSteps", steps, self, default=50)


def list_feature_groups(self: SageMakerResponse) -> ActionResult:
    """ListFeatureGroups: summaries of the backend's feature groups, newest first, NameContains."""
    name_contains = self._get_param("NameContains") or ""
    groups = [
        group
        for group in self.sagemaker_backend.feature_groups.values()
        if name_contains in group.feature_group_name
    ]
    groups.sort(key=lambda group: group.creation_time, reverse=_newest_first(self))
    summaries = [
        {
            "FeatureGroupName": group.feature_group_name,
            "FeatureGroupArn": group.arn,
            "CreationTime": group.creation_time,
            "FeatureGroupStatus": "Created",
            "OfflineStoreStatus": {"Status": "Active"},
        }
        for group in groups
    ]
    return _paged_result("FeatureGroupSummaries", summaries, self, default=100)


def list_pipeline_versions(self: SageMakerResponse) -> ActionResult:
    """ListPipelineVersions: moto keeps no versions, so every pipeline has version 1."""
    pipeline = get_pipeline_from_name(
        self.sagemaker_backend.pipelines, self._get_param("PipelineName")
    )
    executions = sorted(pipeline.pipeline_executions.values(), key=lambda e: e.start_time)
    summary: dict[str, Any] = {
        "PipelineArn": pipeline.arn,
        "PipelineVersionId": 1,
        "CreationTime": pipeline.creation_time,
    }
    if executions:
        summary["LastExecutionPipelineExecutionArn"] = executions[-1].arn
    return _paged_result("PipelineVersionSummaries", [summary], self, default=100)


def describe_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    """DescribePipelineExecution with the stored failure reason (moto always answers '')."""
    backend = self.sagemaker_backend
    arn = self._get_param("PipelineExecutionArn")
    answer = backend.describe_pipeline_execution(arn)
    execution = get_pipeline_execution_from_arn(backend.pipelines, arn)
    if execution.pipeline_execution_failure_reason:
        answer["FailureReason"] = execution.pipeline_execution_failure_reason
    return ActionResult(answer)


def create_feature_group(self: SageMakerResponse) -> ActionResult:
    """CreateFeatureGroup that also keeps what moto drops (online store, description, status)."""
    backend = self.sagemaker_backend
    arn = backend.create_feature_group(
        feature_group_name=self._get_param("FeatureGroupName"),
        record_identifier_feature_name=self._get_param("RecordIdentifierFeatureName"),
        event_time_feature_name=self._get_param("EventTimeFeatureName"),
        feature_definitions=self._get_param("FeatureDefinitions"),
        offline_store_config=self._get_param("OfflineStoreConfig"),
        role_arn=self._get_param("RoleArn"),
        tags=self._get_param("Tags"),
    )
    extras = {
        "OnlineStoreConfig": self._get_param("OnlineStoreConfig"),
        "Description": self._get_param("Description"),
        "OfflineStoreStatus": {"Status": "Active"},
    }
    setattr(
        backend.feature_groups[arn],
        FEATURE_GROUP_EXTRAS_ATTRIBUTE,
        {key: value for key, value in extras.items() if value is not None},
    )
    return ActionResult({"FeatureGroupArn": arn})


def describe_feature_group(self: SageMakerResponse) -> ActionResult:
    """DescribeFeatureGroup with the kept extras, and ResourceNotFound (not a 500) when unknown."""
    backend = self.sagemaker_backend
    name = self._get_param("FeatureGroupName")
    arn = arn_formatter("feature-group", name.lower(), backend.account_id, backend.region_name)
    group = backend.feature_groups.get(arn)
    if group is None:
        raise ResourceNotFound(f"Resource Not Found: FeatureGroup {name} does not exist.")
    return ActionResult({**group.describe(), **getattr(group, FEATURE_GROUP_EXTRAS_ATTRIBUTE, {})})


def describe_endpoint(self: SageMakerResponse) -> ActionResult:
    """DescribeEndpoint whose DataCaptureConfig is the DataCaptureConfigSummary real SageMaker
    answers (moto echoes the config's, so CaptureStatus and CurrentSamplingPercentage are lost)."""
    answer = dict(self.sagemaker_backend.describe_endpoint(self._get_param("EndpointName")))
    config = answer.pop("DataCaptureConfig", None) or {}
    if config:
        enabled = bool(config.get("EnableCapture"))
        summary = {
            "EnableCapture": enabled,
            "CaptureStatus": "Started" if enabled else "Stopped",
            "CurrentSamplingPercentage": config.get("InitialSamplingPercentage", 100),
            "DestinationS3Uri": config.get("DestinationS3Uri"),
            "KmsKeyId": config.get("KmsKeyId"),
        }
        answer["DataCaptureConfig"] = {k: v for k, v in summary.items() if v is not None}
    return ActionResult(answer)


def _schedules(backend: SageMakerModelBackend) -> dict[str, dict[str, Any]]:
    """The backend's monitoring schedules by name (moto 5.2.5 has none of its own)."""
    if not hasattr(backend, MONITORING_ATTRIBUTE):
        setattr(backend, MONITORING_ATTRIBUTE, {})
    schedules: dict[str, dict[str, Any]] = getattr(backend, MONITORING_ATTRIBUTE)
    return schedules


def _monitored_endpoint(config: Mapping[str, Any]) -> str | None:
    """The EndpointName of an inline job definition's EndpointInput."""
    definition = config.get("MonitoringJobDefinition") or {}
    for monitoring_input in definition.get("MonitoringInputs") or []:
        name = (monitoring_input.get("EndpointInput") or {}).get("EndpointName")
        if name:
            return str(name)
    return None


def create_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    """CreateMonitoringSchedule: kept as given, status Scheduled."""
    backend = self.sagemaker_backend
    name = self._get_param("MonitoringScheduleName")
    if name in _schedules(backend):
        raise AWSValidationException(f"Monitoring schedule {name} already exists.")
    config = self._get_param("MonitoringScheduleConfig") or {}
    now = naive_utc(datetime.now(UTC))
    arn = arn_formatter(
        "monitoring-schedule", name.lower(), backend.account_id, backend.region_name
    )
    schedule = {
        "MonitoringScheduleArn": arn,
        "MonitoringScheduleName": name,
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringType": config.get("MonitoringType", "DataQuality"),
        "CreationTime": now,
        "LastModifiedTime": now,
        "MonitoringScheduleConfig": config,
        "EndpointName": _monitored_endpoint(config),
    }
    _schedules(backend)[name] = {k: v for k, v in schedule.items() if v is not None}
    return ActionResult({"MonitoringScheduleArn": arn})


def describe_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    """DescribeMonitoringSchedule, ResourceNotFound when unknown."""
    name = self._get_param("MonitoringScheduleName")
    schedule = _schedules(self.sagemaker_backend).get(name)
    if schedule is None:
        raise ResourceNotFound(f"Monitoring schedule {name} does not exist.")
    return ActionResult(dict(schedule))


def list_monitoring_schedules(self: SageMakerResponse) -> ActionResult:
    """ListMonitoringSchedules: summaries, newest first, filtered by EndpointName."""
    wanted = self._get_param("EndpointName")
    schedules = [
        s for s in _schedules(self.sagemaker_backend).values()
        if not wanted or s.get("EndpointName") == wanted
    ]  # fmt: skip
    schedules.sort(key=lambda s: s["CreationTime"], reverse=_newest_first(self))
    fields = (
        "MonitoringScheduleName",
        "MonitoringScheduleArn",
        "CreationTime",
        "LastModifiedTime",
        "MonitoringScheduleStatus",
        "EndpointName",
        "MonitoringType",
    )
    summaries = [{f: s[f] for f in fields if f in s} for s in schedules]
    for summary, schedule in zip(summaries, schedules, strict=True):
        definition = schedule["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName")
        if definition:
            summary["MonitoringJobDefinitionName"] = definition
    return _paged_result("MonitoringScheduleSummaries", summaries, self, default=10)


def _components(backend: SageMakerModelBackend) -> dict[str, dict[str, Any]]:
    """The backend's inference components by name (moto 5.2.5 has none; none are seeded)."""
    components: dict[str, dict[str, Any]] = getattr(backend, COMPONENTS_ATTRIBUTE, {})
    return components


def list_inference_components(self: SageMakerResponse) -> ActionResult:
    """ListInferenceComponents: summaries of the kept components, newest first."""
    fields = (
        "InferenceComponentName",
        "InferenceComponentArn",
        "EndpointName",
        "EndpointArn",
        "VariantName",
        "InferenceComponentStatus",
        "CreationTime",
        "LastModifiedTime",
    )
    components = sorted(
        _components(self.sagemaker_backend).values(),
        key=lambda c: c["CreationTime"],
        reverse=_newest_first(self),
    )
    summaries = [{f: c[f] for f in fields if f in c} for c in components]
    return _paged_result("InferenceComponents", summaries, self, default=10)


def describe_inference_component(self: SageMakerResponse) -> ActionResult:
    """DescribeInferenceComponent, ResourceNotFound when unknown."""
    name = self._get_param("InferenceComponentName")
    component = _components(self.sagemaker_backend).get(name)
    if component is None:
        raise ResourceNotFound(f"Inference component {name} does not exist.")
    return ActionResult(dict(component))


_OPERATIONS: Mapping[str, Callable[[SageMakerResponse], ActionResult]] = {
    "list_pipeline_execution_steps": list_pipeline_execution_steps,
    "list_feature_groups": list_feature_groups,
    "list_pipeline_versions": list_pipeline_versions,
    "describe_pipeline_execution": describe_pipeline_execution,
    "create_feature_group": create_feature_group,
    "describe_feature_group": describe_feature_group,
    "describe_endpoint": describe_endpoint,
    "create_monitoring_schedule": create_monitoring_schedule,
    "describe_monitoring_schedule": describe_monitoring_schedule,
    "list_monitoring_schedules": list_monitoring_schedules,
    "list_inference_components": list_inference_components,
    "describe_inference_component": describe_inference_component,
}


def install() -> None:
    """Assign the operations onto moto's SageMakerResponse (idempotent; before serving requests)."""
    for name, function in _OPERATIONS.items():
        setattr(SageMakerResponse, name, function)


def is_installed() -> bool:
    """Whether every operation of this module is the one moto dispatches to."""
    return all(vars(SageMakerResponse).get(name) is fn for name, fn in _OPERATIONS.items())


def natively_implemented() -> list[str]:
    """Added operations moto itself defined before install(): each makes the patch stale."""
    return [name for name in ADDED_OPERATIONS if _ORIGINAL_METHODS[name] is not None]


def missing_originals() -> list[str]:
    """Replaced operations moto no longer defines: their replacements may no longer fit."""
    return [name for name in REPLACED_OPERATIONS if _ORIGINAL_METHODS[name] is None]


# --------------------------------------------------------------------------- seeding helpers


def naive_utc(moment: datetime) -> datetime:
    """moto keeps naive UTC datetimes; mixing in aware ones would break its sorting."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _assign(target: object, attribute: str, value: Any, *, must_exist: bool = True) -> None:
    """Set an attribute of a moto object; fail loudly if moto renamed one it used to have."""
    if must_exist and not hasattr(target, attribute):
        raise AttributeError(f"{type(target).__name__} has no attribute {attribute!r} any more")
    setattr(target, attribute, naive_utc(value) if isinstance(value, datetime) else value)


def set_execution_steps(
    backend_or_region: BackendOrRegion, execution_arn: str, steps: Sequence[Mapping[str, Any]]
) -> None:
    """Store an execution's step entries (API shape, datetime times), oldest first."""
    backend = backend_for(backend_or_region)
    get_pipeline_execution_from_arn(backend.pipelines, execution_arn)
    if not hasattr(backend, STEPS_ATTRIBUTE):
        setattr(backend, STEPS_ATTRIBUTE, {})
    getattr(backend, STEPS_ATTRIBUTE)[execution_arn] = [
        {key: naive_utc(v) if isinstance(v, datetime) else v for key, v in step.items()}
        for step in steps
    ]


def set_execution_state(
    backend_or_region: BackendOrRegion,
    execution_arn: str,
    *,
    status: str,
    start: datetime,
    end: datetime,
    failure_reason: str | None = None,
) -> None:
    """Set an execution's status, failure reason and times (moto makes it Succeeded 'now')."""
    backend = backend_for(backend_or_region)
    execution = get_pipeline_execution_from_arn(backend.pipelines, execution_arn)
    _assign(execution, "pipeline_execution_status", status)
    _assign(execution, "pipeline_execution_failure_reason", failure_reason)
    _assign(execution, "creation_time", start)
    _assign(execution, "start_time", start)
    _assign(execution, "last_modified_time", end)
    pipeline = get_pipeline_from_name(backend.pipelines, execution_arn.split("/")[1])
    latest = max(pipeline.pipeline_executions.values(), key=lambda item: item.start_time)
    _assign(pipeline, "last_execution_time", latest.start_time)


def set_pipeline_times(
    backend_or_region: BackendOrRegion, pipeline_name: str, *, created: datetime
) -> None:
    """Backdate a pipeline's creation (moto stamps 'now'), so executions follow creation."""
    pipeline = get_pipeline_from_name(backend_for(backend_or_region).pipelines, pipeline_name)
    _assign(pipeline, "creation_time", created)
    _assign(pipeline, "last_modified_time", created)


def set_processing_job(
    backend_or_region: BackendOrRegion,
    job_name: str,
    *,
    status: str,
    start: datetime,
    end: datetime,
    resources: Mapping[str, Any] | None = None,
    environment: Mapping[str, str] | None = None,
    failure_reason: str | None = None,
) -> None:
    """Set a processing job's status and times; restore the Resources/Environment moto drops."""
    job = backend_for(backend_or_region).processing_jobs[job_name]
    _assign(job, "processing_job_status", status)
    _assign(job, "creation_time", start)
    _assign(job, "processing_start_time", start, must_exist=False)
    _assign(job, "processing_end_time", end)
    _assign(job, "last_modified_time", end)
    _assign(job, "processing_resources", resources, must_exist=False)
    _assign(job, "environment", environment, must_exist=False)
    _assign(job, "failure_reason", failure_reason, must_exist=False)


def set_training_job(
    backend_or_region: BackendOrRegion,
    job_name: str,
    *,
    status: str,
    start: datetime,
    end: datetime,
    metrics: Mapping[str, float],
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    failure_reason: str | None = None,
) -> None:
    """Set a training job's status, times and FinalMetricDataList (moto fakes train:progress)."""
    job = backend_for(backend_or_region).training_jobs[job_name]
    start, end = naive_utc(start), naive_utc(end)
    seconds = int((end - start).total_seconds())
    _assign(job, "training_job_status", status)
    _assign(job, "secondary_status", status)
    _assign(job, "creation_time", start)
    _assign(job, "training_start_time", start)
    _assign(job, "training_end_time", end)
    _assign(job, "last_modified_time", end)
    _assign(job, "training_time_in_seconds", seconds, must_exist=False)
    _assign(job, "billable_time_in_seconds", seconds, must_exist=False)
    _assign(job, "failure_reason", failure_reason, must_exist=False)
    _assign(
        job,
        "final_metric_data_list",
        [{"MetricName": name, "Value": value, "Timestamp": end} for name, value in metrics.items()],
    )
    _assign(
        job,
        "secondary_status_transitions",
        [
            {
                "Status": "Starting",
                "StartTime": start,
                "EndTime": start,
                "StatusMessage": "Preparing the instances for training",
            },
            {"Status": status, "StartTime": end, "StatusMessage": f"Training job {status.lower()}"},
        ],
    )
    if metric_definitions is not None:
        job.algorithm_specification["MetricDefinitions"] = [dict(d) for d in metric_definitions]


def set_endpoint_state(
    backend_or_region: BackendOrRegion,
    endpoint_name: str,
    *,
    status: str,
    created: datetime,
    modified: datetime | None = None,
    account_id: str = ACCOUNT_ID,
) -> None:
    """Set an endpoint's status and times (moto makes it InService 'now', with no transitions)."""
    endpoint = backend_for(backend_or_region, account_id).endpoints[endpoint_name]
    _assign(endpoint, "endpoint_status", status)
    _assign(endpoint, "creation_time", created)
    _assign(endpoint, "last_modified_time", modified or created)


def set_transform_job(
    backend_or_region: BackendOrRegion,
    job_name: str,
    *,
    status: str,
    start: datetime,
    end: datetime,
    failure_reason: str | None = None,
) -> None:
    """Set a transform job's status, times and failure reason (moto: Completed at creation)."""
    job = backend_for(backend_or_region).transform_jobs[job_name]
    _assign(job, "transform_job_status", status)
    _assign(job, "creation_time", start)
    _assign(job, "transform_start_time", start)
    _assign(job, "transform_end_time", end)
    _assign(job, "last_modified_time", end)
    _assign(job, "failure_reason", failure_reason)
