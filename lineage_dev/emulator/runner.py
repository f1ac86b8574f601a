"""Plays one pipeline execution against the emulator the way SageMaker would have run it.

Starts the execution with boto3, walks the definition (taking the Condition branch its values
select), creates each step's real job from its resolved Arguments, writes the data the job would
have written, then stores step entries, times and statuses through moto_ext.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from lineage_dev.emulator import moto_ext
from lineage_dev.emulator.definitions import PipelineSpec
from lineage_dev.emulator.expressions import (
    Scope,
    condition_holds,
    parameter_values,
    resolve,
    step_dependencies,
)
from lineage_dev.emulator.storage import ObjectWriter, child_uri, list_keys

EXECUTION_FAILURE = "Step failure: One or multiple steps failed."

# (min, max) seconds a step of each type runs; cache hits take a few seconds whatever the type.
DURATIONS = {
    "Processing": (180, 420),
    "Training": (420, 900),
    "Transform": (240, 480),
    "Model": (2, 6),
    "RegisterModel": (1, 4),
    "Condition": (1, 2),
    "Fail": (1, 2),
}
CACHE_HIT_DURATION = (2, 6)


class Content(Protocol):
    """The data a seeded account lets its jobs read and write."""

    def processing_output(self, step: str, output: str) -> list[tuple[str, bytes]]:
        """Files (name, bytes) a Processing step writes into one of its outputs."""
        ...

    def athena_result(self, query: str) -> bytes:
        """Parquet bytes an Athena DatasetDefinition query returns."""
        ...

    def feature_records(self, feature_group: str, event_time: datetime) -> bytes:
        """Parquet bytes a FeatureStoreOutput ingests into the offline store."""
        ...

    def training_metrics(self, step: str) -> Mapping[str, float]:
        """FinalMetricDataList values of a Training step."""
        ...

    def model_artifact(self, step: str) -> bytes:
        """model.tar.gz bytes of a Training step."""
        ...

    def transform_output(self, batch: bytes) -> bytes:
        """The `.out` file a batch transform writes for one input file."""
        ...


@dataclass(frozen=True)
class StepRecord:
    """What one step did in one execution."""

    name: str
    kind: str
    status: str
    start: datetime
    end: datetime
    metadata: Mapping[str, Any]
    properties: Mapping[str, Any]
    request: Mapping[str, Any] | None
    cache_source_arn: str | None = None
    failure_reason: str | None = None

    def api_entry(self) -> dict[str, Any]:
        """The ListPipelineExecutionSteps entry of this step."""
        entry: dict[str, Any] = {
            "StepName": self.name,
            "StartTime": self.start,
            "EndTime": self.end,
            "StepStatus": self.status,
            "AttemptCount": 1,
            "Metadata": dict(self.metadata),
            "CacheHitResult": {"SourcePipelineExecutionArn": self.cache_source_arn or ""},
        }
        if self.failure_reason:
            entry["FailureReason"] = self.failure_reason
        return entry


@dataclass(frozen=True)
class ExecutionRecord:
    """One finished execution: its ARN, outcome, steps (oldest first) and property files."""

    pipeline_name: str
    region: str
    arn: str
    parameters: Mapping[str, str]
    status: str
    failure_reason: str | None
    start: datetime
    end: datetime
    steps: tuple[StepRecord, ...]
    property_files: Mapping[str, Any]

    @property
    def execution_id(self) -> str:
        """The last segment of the ARN."""
        return self.arn.rsplit("/", 1)[-1]

    def step(self, name: str) -> StepRecord:
        """The record of one step by name."""
        return next(item for item in self.steps if item.name == name)


@dataclass(frozen=True)
class ExecutionPlan:
    """How an execution should go: parameters, start time, cache hits and an optional failure."""

    pipeline_name: str
    parameters: Mapping[str, str]
    start: datetime
    display_name: str
    cache_source: ExecutionRecord | None = None
    cached_steps: tuple[str, ...] = ()
    failing_step: str | None = None
    failure_reason: str = ""


@dataclass
class Runtime:
    """Clients and content for one region's executions."""

    region: str
    sagemaker: Any
    writer: ObjectWriter
    content: Content
    rng: random.Random


@dataclass
class _Run:
    """Mutable state while an execution is played."""

    runtime: Runtime
    plan: ExecutionPlan
    scope: Scope
    experiment: Mapping[str, Any]
    records: list[StepRecord] = field(default_factory=list)

    def ended(self, name: str) -> StepRecord | None:
        """The record of a step that already ran."""
        return next((item for item in self.records if item.name == name), None)


def job_name(execution_id: str, step_name: str, rng: random.Random) -> str:
    """`pipelines-<execution id>-<step name lowercased, max 20>-<10 random>`, like SageMaker."""
    suffix = "".join(rng.choices(string.ascii_lowercase + string.digits, k=10))
    return f"pipelines-{execution_id}-{step_name.lower()[:20]}-{suffix}"


def _seconds(rng: random.Random, bounds: tuple[int, int]) -> timedelta:
    """A random duration within bounds."""
    return timedelta(seconds=rng.randint(*bounds))


# --------------------------------------------------------------------------- step handlers


@dataclass(frozen=True)
class _StepCall:
    """One step to run: its definition object, planned status, times and failure reason."""

    item: Mapping[str, Any]
    status: str
    start: datetime
    end: datetime
    failure: str | None

    @property
    def name(self) -> str:
        """The step name."""
        return self.item["Name"]

    @property
    def job_status(self) -> str:
        """The status the step's job reports."""
        return "Completed" if self.status == "Succeeded" else "Failed"


@dataclass(frozen=True)
class _Outcome:
    """What a handler reports: metadata, property root and the request it sent."""

    metadata: Mapping[str, Any]
    properties: Mapping[str, Any]
    request: Mapping[str, Any] | None = None


def _create_job(run: _Run, call: _StepCall, kind: str) -> tuple[dict[str, Any], str, str]:
    """Create a `kind` job (Processing/Training/Transform) from the resolved Arguments."""
    request = resolve(call.item["Arguments"], run.scope)
    name = job_name(run.scope.execution_id, call.name, run.runtime.rng)
    create = getattr(run.runtime.sagemaker, f"create_{kind.lower()}_job")
    experiment = {**run.experiment, "TrialComponentDisplayName": call.name}
    answer = create(**{f"{kind}JobName": name}, ExperimentConfig=experiment, **request)
    return request, name, answer[f"{kind}JobArn"]


def _feature_store_uri(runtime: Runtime, group: str) -> str:
    """The offline store's resolved S3 URI of a feature group."""
    described = runtime.sagemaker.describe_feature_group(FeatureGroupName=group)
    return described["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"]


def _offline_store_key(stamp: datetime, rng: random.Random) -> str:
    """The offline store's object layout: year=/month=/day=/hour=/<time>_<random>.parquet."""
    suffix = "".join(rng.choices(string.ascii_lowercase + string.digits, k=16))
    partition = f"year={stamp:%Y}/month={stamp:%m}/day={stamp:%d}/hour={stamp:%H}"
    return f"{partition}/{stamp:%Y%m%dT%H%M%SZ}_{suffix}.parquet"


def _write_processing_data(
    run: _Run, call: _StepCall, job: str, request: Mapping[str, Any]
) -> None:
    """Athena results under each DatasetDefinition's OutputS3Uri, then every output's files."""
    runtime = run.runtime
    for item in request.get("ProcessingInputs", []):
        athena = item.get("DatasetDefinition", {}).get("AthenaDatasetDefinition")
        if athena:
            uri = child_uri(athena["OutputS3Uri"], f"{job}.parquet")
            runtime.writer.put(uri, runtime.content.athena_result(athena["QueryString"]))
    for output in request["ProcessingOutputConfig"]["Outputs"]:
        if "S3Output" in output:
            for file_name, body in runtime.content.processing_output(
                call.name, output["OutputName"]
            ):
                runtime.writer.put(child_uri(output["S3Output"]["S3Uri"], file_name), body)
        if "FeatureStoreOutput" in output:
            group = output["FeatureStoreOutput"]["FeatureGroupName"]
            key = _offline_store_key(call.end, runtime.rng)
            uri = child_uri(_feature_store_uri(runtime, group), key)
            runtime.writer.put(uri, runtime.content.feature_records(group, call.start))


def _read_property_files(run: _Run, call: _StepCall, request: Mapping[str, Any]) -> None:
    """Load each declared PropertyFile from the output it names, for later Std:JsonGet."""
    outputs = {out["OutputName"]: out for out in request["ProcessingOutputConfig"]["Outputs"]}
    for declared in call.item.get("PropertyFiles", []):
        folder = outputs[declared["OutputName"]]["S3Output"]["S3Uri"]
        document = json.loads(run.runtime.writer.read(child_uri(folder, declared["FilePath"])))
        run.scope.property_files[f"{call.name}.{declared['PropertyFileName']}"] = document


def _processing(run: _Run, call: _StepCall) -> _Outcome:
    """Create the processing job, write its data, read its property files."""
    request, name, arn = _create_job(run, call, "Processing")
    moto_ext.set_processing_job(
        run.runtime.region,
        name,
        status=call.job_status,
        start=call.start,
        end=call.end,
        resources=request["ProcessingResources"],
        environment=request.get("Environment"),
        failure_reason=call.failure,
    )
    if call.status == "Succeeded":
        _write_processing_data(run, call, name, request)
        _read_property_files(run, call, request)
    properties = {**request, "ProcessingJobName": name, "ProcessingJobArn": arn}
    return _Outcome({"ProcessingJob": {"Arn": arn}}, properties, request)


def _training(run: _Run, call: _StepCall) -> _Outcome:
    """Create the training job, set real metrics and write model.tar.gz at ModelArtifacts."""
    runtime = run.runtime
    request, name, arn = _create_job(run, call, "Training")
    metrics = runtime.content.training_metrics(call.name)
    moto_ext.set_training_job(
        runtime.region,
        name,
        status=call.job_status,
        start=call.start,
        end=call.end,
        metrics=metrics,
        metric_definitions=request["AlgorithmSpecification"].get("MetricDefinitions"),
        failure_reason=call.failure,
    )
    described = runtime.sagemaker.describe_training_job(TrainingJobName=name)
    artifacts = described["ModelArtifacts"]["S3ModelArtifacts"]
    if call.status == "Succeeded":
        runtime.writer.put(artifacts, runtime.content.model_artifact(call.name))
    properties = {
        **request,
        "TrainingJobName": name,
        "TrainingJobArn": arn,
        "ModelArtifacts": {"S3ModelArtifacts": artifacts},
        "FinalMetricDataList": [{"MetricName": k, "Value": v} for k, v in metrics.items()],
    }
    return _Outcome({"TrainingJob": {"Arn": arn}}, properties, request)


def _transform(run: _Run, call: _StepCall) -> _Outcome:
    """Create the transform job; one `.out` per input file (only the first when it fails)."""
    runtime = run.runtime
    request, name, arn = _create_job(run, call, "Transform")
    moto_ext.set_transform_job(
        runtime.region,
        name,
        status=call.job_status,
        start=call.start,
        end=call.end,
        failure_reason=call.failure,
    )
    source = request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
    inputs = list_keys(runtime.writer.s3, source)
    for uri in inputs if call.status == "Succeeded" else inputs[:1]:
        out = child_uri(request["TransformOutput"]["S3OutputPath"], uri.rsplit("/", 1)[-1] + ".out")
        runtime.writer.put(out, runtime.content.transform_output(runtime.writer.read(uri)))
    properties = {**request, "TransformJobName": name, "TransformJobArn": arn}
    return _Outcome({"TransformJob": {"Arn": arn}}, properties, request)


def _model(run: _Run, call: _StepCall) -> _Outcome:
    """Create the model of a Model (CreateModel) step; its name is generated at run time."""
    request = resolve(call.item["Arguments"], run.scope)
    name = job_name(run.scope.execution_id, call.name, run.runtime.rng)
    arn = run.runtime.sagemaker.create_model(ModelName=name, **request)["ModelArn"]
    return _Outcome(
        {"Model": {"Arn": arn}}, {**request, "ModelName": name, "ModelArn": arn}, request
    )


def _register_model(run: _Run, call: _StepCall) -> _Outcome:
    """Create the model package version a RegisterModel step adds to its group."""
    request = resolve(call.item["Arguments"], run.scope)
    arn = run.runtime.sagemaker.create_model_package(**request)["ModelPackageArn"]
    return _Outcome({"RegisterModel": {"Arn": arn}}, {**request, "ModelPackageArn": arn}, request)


def _condition(run: _Run, call: _StepCall) -> _Outcome:
    """Evaluate the conditions; the outcome is what the metadata reports."""
    conditions = call.item["Arguments"]["Conditions"]
    outcome = str(all(condition_holds(item, run.scope) for item in conditions))
    return _Outcome({"Condition": {"Outcome": outcome}}, {"Outcome": outcome})


def _fail(run: _Run, call: _StepCall) -> _Outcome:
    """A Fail step: its resolved ErrorMessage."""
    message = resolve(call.item["Arguments"]["ErrorMessage"], run.scope)
    return _Outcome({"Fail": {"ErrorMessage": message}}, {"ErrorMessage": message})


_HANDLERS = {
    "Processing": _processing,
    "Training": _training,
    "Model": _model,
    "RegisterModel": _register_model,
    "Transform": _transform,
    "Condition": _condition,
    "Fail": _fail,
}


# --------------------------------------------------------------------------- the walk


def _start_time(run: _Run, item: Mapping[str, Any], parent: str | None) -> datetime | None:
    """When the step starts (after all its dependencies), or None when a dependency failed."""
    waits_for = step_dependencies(item) | ({parent} if parent else set())
    finished = [run.ended(name) for name in waits_for]
    if any(record is None or record.status != "Succeeded" for record in finished):
        return None
    latest = max((record.end for record in finished if record), default=run.plan.start)
    return latest + _seconds(run.runtime.rng, (3, 25))


def _cache_hit(run: _Run, item: Mapping[str, Any], start: datetime) -> StepRecord:
    """Reuse the source execution's step: same job, same properties and property files."""
    source = run.plan.cache_source
    if source is None:
        raise ValueError(f"{item['Name']} is planned as a cache hit but the plan has no source")
    cached = source.step(item["Name"])
    prefix = f"{item['Name']}."
    run.scope.property_files.update(
        {k: v for k, v in source.property_files.items() if k.startswith(prefix)}
    )
    end = start + _seconds(run.runtime.rng, CACHE_HIT_DURATION)
    return StepRecord(
        item["Name"],
        item["Type"],
        "Succeeded",
        start,
        end,
        cached.metadata,
        cached.properties,
        cached.request,
        source.arn,
    )


def _play_step(run: _Run, item: Mapping[str, Any], start: datetime) -> StepRecord:
    """Run one step (or take it from the cache) and record it."""
    if item["Name"] in run.plan.cached_steps:
        return _cache_hit(run, item, start)
    if item["Type"] not in _HANDLERS:
        raise NotImplementedError(f"the emulator cannot play {item['Type']} steps")
    failing = item["Name"] == run.plan.failing_step
    call = _StepCall(
        item,
        "Failed" if failing or item["Type"] == "Fail" else "Succeeded",
        start,
        start + _seconds(run.runtime.rng, DURATIONS[item["Type"]]),
        run.plan.failure_reason if failing else None,
    )
    outcome = _HANDLERS[item["Type"]](run, call)
    failure = outcome.metadata["Fail"]["ErrorMessage"] if item["Type"] == "Fail" else call.failure
    return StepRecord(
        call.name,
        item["Type"],
        call.status,
        call.start,
        call.end,
        outcome.metadata,
        outcome.properties,
        outcome.request,
        failure_reason=failure,
    )


def _play(run: _Run, steps: Sequence[Mapping[str, Any]], parent: str | None = None) -> None:
    """Play steps in definition order, descending into the Condition branch that was taken."""
    for item in steps:
        start = _start_time(run, item, parent)
        if start is None:
            continue
        record = _play_step(run, item, start)
        run.records.append(record)
        run.scope.steps[item["Name"]] = record.properties
        if item["Type"] == "Condition":
            branch = "IfSteps" if record.metadata["Condition"]["Outcome"] == "True" else "ElseSteps"
            _play(run, item["Arguments"][branch], item["Name"])


def run_execution(runtime: Runtime, spec: PipelineSpec, plan: ExecutionPlan) -> ExecutionRecord:
    """Start, play and finalise one execution; returns what happened."""
    sagemaker = runtime.sagemaker
    arn = sagemaker.start_pipeline_execution(
        PipelineName=spec.name,
        PipelineExecutionDisplayName=plan.display_name,
        PipelineParameters=[
            {"Name": key, "Value": value} for key, value in plan.parameters.items()
        ],
    )["PipelineExecutionArn"]
    definition = spec.definition
    pipeline_arn = sagemaker.describe_pipeline(PipelineName=spec.name)["PipelineArn"]
    scope = Scope(spec.name, pipeline_arn, arn, parameter_values(definition, plan.parameters))
    experiment = resolve(definition.get("PipelineExperimentConfig") or {}, scope)
    run = _Run(runtime, plan, scope, experiment)
    _play(run, definition["Steps"])

    records = tuple(sorted(run.records, key=lambda record: record.start))
    failed = any(record.status == "Failed" for record in records)
    status, reason = ("Failed", EXECUTION_FAILURE) if failed else ("Succeeded", None)
    end = max(record.end for record in records) + _seconds(runtime.rng, (5, 30))
    moto_ext.set_execution_steps(runtime.region, arn, [record.api_entry() for record in records])
    moto_ext.set_execution_state(
        runtime.region, arn, status=status, start=plan.start, end=end, failure_reason=reason
    )
    return ExecutionRecord(
        spec.name,
        runtime.region,
        arn,
        dict(plan.parameters),
        status,
        reason,
        plan.start,
        end,
        records,
        dict(scope.property_files),
    )
