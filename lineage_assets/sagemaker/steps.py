"""Where each step type keeps the data it reads and writes (sagemaker-definitions.md §3).

Works on a step's Arguments *or* on the Describe*Job answer of its job, which share their shape
(ProcessingInputs, InputDataConfig, TransformInput …), so declared and observed I/O agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

CODE_SUFFIXES = (".py", ".sh", ".ipynb", ".r", ".jar", ".flow", "sourcedir.tar.gz")
# S3 data types whose object is a list of the objects the job reads, not the data itself.
MANIFEST_TYPES = frozenset({"ManifestFile", "AugmentedManifestFile"})
# Where a DataWranglerProcessor's job reads its `.flow` recipe.
FLOW_LOCAL_PATH = "/opt/ml/processing/flow"


@dataclass(frozen=True)
class Channel:
    """One raw input or output of a step: its name, raw value (maybe an expression) and kind."""

    direction: str  # input | output
    name: str
    value: Any
    data_kind: str = "dataset"
    query_string: str | None = None
    engine: str | None = None  # athena | redshift for DatasetDefinition inputs
    free_form: bool = False  # an argument, variable or free-form value: data only when S3


def _dig(value: Any, *keys: str | int) -> Any:
    """value[k1][k2]… or None when any level is missing or of the wrong kind."""
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The mapping elements of a list (anything else is skipped)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


# Channels the SDK adds to a `@step` function's training job: its bootstrap scripts and the
# pre-execution script with the function's dependencies.
FUNCTION_CODE_CHANNELS = frozenset(
    {"sagemaker_remote_function_bootstrap", "pre_exec_script_and_dependencies"}
)
# The channel of a NotebookJobStep's training job: the input notebook, its initialization
# script and additional dependencies, uploaded by the SDK.
NOTEBOOK_CHANNEL = "sagemaker_headless_execution_pipelinestep"
# Configuration files the SDK uploads for a job: a PySparkProcessor's `configuration`.
CONFIG_CHANNELS = frozenset({"conf"})
# Where a PySparkProcessor's container writes its Spark event logs.
SPARK_EVENT_LOGS = "/opt/ml/processing/spark-events"


def _kind(name: str, value: Any, default: str = "dataset") -> str:
    """`code` for a script input, else the default kind."""
    script = isinstance(value, str) and value.lower().endswith(CODE_SUFFIXES)
    if name in ("code", NOTEBOOK_CHANNEL, *FUNCTION_CODE_CHANNELS, *CONFIG_CHANNELS) or script:
        return "code"
    return default


def _label(name: Any, default: str) -> str:
    """A name the definition gives, when it is a non-empty string; else `default`."""
    return name if isinstance(name, str) and name else default


def _manifest_or(data_type: Any, default: str = "dataset") -> str:
    """`manifest` for a manifest S3 data type (the objects it lists are read), else default."""
    return "manifest" if isinstance(data_type, str) and data_type in MANIFEST_TYPES else default


def processing_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """ProcessingInputs (S3 or Athena/Redshift DatasetDefinition) and ProcessingOutputConfig."""
    for index, item in enumerate(_items(args.get("ProcessingInputs"))):
        name = str(item.get("InputName") or f"input-{index + 1}")
        if "S3Input" in item:
            uri = _dig(item, "S3Input", "S3Uri")
            kind = _kind(name, uri, _manifest_or(_dig(item, "S3Input", "S3DataType")))
            recipe = _dig(item, "S3Input", "LocalPath") == FLOW_LOCAL_PATH and name == "flow"
            yield Channel("input", name, uri, "code" if recipe else kind)
        for engine in ("Athena", "Redshift"):
            spec = _dig(item, "DatasetDefinition", f"{engine}DatasetDefinition")
            if isinstance(spec, Mapping):
                query = spec.get("QueryString")
                yield Channel(
                    "input",
                    name,
                    spec.get("OutputS3Uri"),
                    "query_result",
                    query if isinstance(query, str) else None,
                    engine.lower(),
                )
    yield from command_line_channels(_dig(args, "AppSpecification", "ContainerArguments"))
    yield from named_value_channels(args.get("Environment"), "env")
    for index, item in enumerate(_items(_dig(args, "ProcessingOutputConfig", "Outputs"))):
        name = str(item.get("OutputName") or f"output-{index + 1}")
        if "FeatureStoreOutput" in item:
            group = _dig(item, "FeatureStoreOutput", "FeatureGroupName")
            yield Channel("output", name, {"FeatureGroup": group}, "feature_group")
        else:
            local = _dig(item, "S3Output", "LocalPath")
            logs = isinstance(local, str) and local.rstrip("/") == SPARK_EVENT_LOGS
            yield Channel(
                "output", name, _dig(item, "S3Output", "S3Uri"), "logs" if logs else "dataset"
            )


def _file_system_uri(source: Any) -> Any:
    """An EFS or FSx for Lustre channel as `efs://<id><directory>` / `fsxlustre://…` (the
    parts may be expressions, so it is a Join), or None."""
    if not isinstance(source, Mapping) or source.get("FileSystemId") is None:
        return None
    scheme = str(source.get("FileSystemType") or "filesystem").lower() + "://"
    parts = [scheme, source["FileSystemId"], source.get("DirectoryPath") or ""]
    return {"Std:Join": {"On": "", "Values": parts}}


def _training_inputs(definition: Mapping[str, Any]) -> Iterator[Channel]:
    """InputDataConfig channels of a training request or tuning training definition."""
    for index, item in enumerate(_items(definition.get("InputDataConfig"))):
        name = str(item.get("ChannelName") or f"channel-{index + 1}")
        uri = _dig(item, "DataSource", "S3DataSource", "S3Uri")
        if uri is None:
            uri = _file_system_uri(_dig(item, "DataSource", "FileSystemDataSource"))
        data_type = _dig(item, "DataSource", "S3DataSource", "S3DataType")
        yield Channel("input", name, uri, _kind(name, uri, _manifest_or(data_type)))
    checkpoint = _dig(definition, "CheckpointConfig", "S3Uri")
    if checkpoint is not None:
        yield Channel("output", "checkpoints", checkpoint, "checkpoint")


def _submit_directory(hyper_parameters: Any) -> Iterator[Channel]:
    """A framework estimator's code: `sagemaker_submit_directory`, a JSON-quoted string."""
    value = _dig(hyper_parameters, "sagemaker_submit_directory")
    if isinstance(value, str) and value.startswith('"'):
        try:
            value = json.loads(value)
        except ValueError:
            return
    if value is not None:
        yield Channel("input", "sagemaker_submit_directory", value, "code")


def is_function_step(args: Any) -> bool:
    """Whether a Training request runs a `@step` function (the SDK's bootstrap channel)."""
    return any(
        isinstance(item.get("ChannelName"), str) and item["ChannelName"] in FUNCTION_CODE_CHANNELS
        for item in _items(_dig(args, "InputDataConfig"))
    )


def _function_arguments(args: Mapping[str, Any]) -> Iterator[Channel]:
    """A `@step` function's pipeline-variable arguments: the (name, value) pairs after
    `--property_references` in its container arguments (S3 values count as data)."""
    arguments = _dig(args, "AlgorithmSpecification", "ContainerArguments")
    if not isinstance(arguments, list) or "--property_references" not in arguments:
        return
    start = arguments.index("--property_references") + 1
    pairs = []
    for item in arguments[start:]:
        if isinstance(item, str) and item.startswith("--"):
            break
        pairs.append(item)
    for name, value in zip(pairs[::2], pairs[1::2], strict=False):
        if isinstance(name, str) and not name.startswith("Execution."):
            yield Channel("input", name, value, "argument")


def is_notebook_job(args: Any) -> bool:
    """Whether a Training request runs a NotebookJobStep's notebook (the SDK's input
    channel), whose "model" is the executed notebook and its outputs."""
    return any(
        item.get("ChannelName") == NOTEBOOK_CHANNEL
        for item in _items(_dig(args, "InputDataConfig"))
    )


# Where a training job writes besides its model: (config, kind). The debugger and profiler
# write under `<S3OutputPath>/<job name>/`, TensorBoard to its path itself.
TRAINING_SIDE_OUTPUTS = (
    ("DebugHookConfig", "debug_output"),
    ("ProfilerConfig", "profiler_output"),
    ("TensorBoardOutputConfig", "tensorboard"),
)


def _side_outputs(args: Mapping[str, Any], output: Any) -> Iterator[Channel]:
    """Debugger, profiler and TensorBoard paths other than the model output path (which the
    SDK uses as their default and is recorded already)."""
    for key, kind in TRAINING_SIDE_OUTPUTS:
        path = _dig(args, key, "S3OutputPath")
        if path is not None and path != output:
            yield Channel("output", kind, path, kind)
    for index, rule in enumerate(_items(args.get("DebugRuleConfigurations"))):
        path = rule.get("S3OutputPath")
        if path is not None and path != output:
            name = rule.get("RuleConfigurationName") or f"rule-{index + 1}"
            yield Channel("output", f"rule.{name}", path, "debug_output")


def training_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """Channels, code, a `@step` function's arguments, the model output path, debugger,
    profiler and TensorBoard paths, and (after a run) the model artifact."""
    yield from _training_inputs(args)
    yield from _submit_directory(args.get("HyperParameters"))
    if is_function_step(args):
        yield from _function_arguments(args)
    else:
        yield from named_value_channels(args.get("HyperParameters"), "hp")
        yield from command_line_channels(_dig(args, "AlgorithmSpecification", "ContainerArguments"))
    yield from named_value_channels(args.get("Environment"), "env")
    notebook = is_notebook_job(args)
    output = _dig(args, "OutputDataConfig", "S3OutputPath")
    if output is not None:
        # a `@step` function writes its pickled result and exception there, not a model
        written = "function_result" if is_function_step(args) else "model_output"
        yield Channel("output", "output", output, "notebook_output" if notebook else written)
    yield from _side_outputs(args, output)
    artifacts = _dig(args, "ModelArtifacts", "S3ModelArtifacts")
    if artifacts is not None:
        yield Channel(
            "output", "model", artifacts, "notebook_output" if notebook else "model_artifact"
        )


def _tuning_definition_channels(definition: Mapping[str, Any]) -> Iterator[Channel]:
    """Channels, code, static hyperparameters and the output path of one training definition."""
    yield from _training_inputs(definition)
    yield from _submit_directory(definition.get("StaticHyperParameters"))
    yield from named_value_channels(definition.get("StaticHyperParameters"), "hp")
    output = _dig(definition, "OutputDataConfig", "S3OutputPath")
    if output is not None:
        yield Channel("output", "output", output, "model_output")


def tuning_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """TrainingJobDefinition, or each of TrainingJobDefinitions (multi-algorithm), whose
    channels are named `<DefinitionName>.<channel>` so two algorithms' channels stay apart."""
    single = args.get("TrainingJobDefinition")
    if isinstance(single, Mapping):
        yield from _tuning_definition_channels(single)
    for index, definition in enumerate(_items(args.get("TrainingJobDefinitions"))):
        label = _label(definition.get("DefinitionName"), f"definition-{index + 1}")
        for channel in _tuning_definition_channels(definition):
            yield replace(channel, name=f"{label}.{channel.name}")


def transform_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """TransformInput's S3 data source and TransformOutput's path."""
    source = _dig(args, "TransformInput", "DataSource", "S3DataSource", "S3Uri")
    if source is not None:
        yield Channel("input", "input", source)
    output = _dig(args, "TransformOutput", "S3OutputPath")
    if output is not None:
        yield Channel("output", "output", output, "predictions")
    capture = _dig(args, "DataCaptureConfig", "DestinationS3Uri")
    if capture is not None:
        yield Channel("output", "data_capture", capture, "data_capture")


def _container_models(containers: list[Mapping[str, Any]]) -> Iterator[Channel]:
    """ModelDataUrl (or ModelDataSource) of each container."""
    for index, container in enumerate(containers):
        name = "model" if index == 0 else f"model-{index + 1}"
        url = container.get("ModelDataUrl") or _dig(
            container, "ModelDataSource", "S3DataSource", "S3Uri"
        )
        if url is not None:
            yield Channel("input", name, url, "model_artifact")


def model_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """CreateModel: the primary container or each of Containers."""
    containers = _items([args.get("PrimaryContainer")]) + _items(args.get("Containers"))
    yield from _container_models(containers)


def register_model_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """CreateModelPackage: container models, metric and baseline files, the sample payload."""
    yield from _container_models(_items(_dig(args, "InferenceSpecification", "Containers")))
    # Both sections use the same group and file names (ModelDataQuality.Statistics …): the
    # drift baselines are named with their section so neither hides the other.
    for section, prefix, kind in (
        ("ModelMetrics", "", "report"),
        ("DriftCheckBaselines", "DriftCheckBaselines.", "baseline"),
    ):
        groups = args.get(section)
        for group, files in groups.items() if isinstance(groups, Mapping) else []:
            for file_name, spec in files.items() if isinstance(files, Mapping) else []:
                if isinstance(spec, Mapping) and "S3Uri" in spec:
                    config = file_name == "ConfigFile"  # a Clarify analysis configuration
                    name = f"{prefix}{group}.{file_name}"
                    yield Channel("input", name, spec["S3Uri"], "code" if config else kind)
    if args.get("SamplePayloadUrl") is not None:
        yield Channel("input", "sample_payload", args["SamplePayloadUrl"], "sample")


def check_channels(item: Mapping[str, Any]) -> Iterator[Channel]:
    """QualityCheck/ClarifyCheck: a processing request plus supplied baselines (step level)."""
    arguments = item.get("Arguments")
    for channel in processing_channels(arguments) if isinstance(arguments, Mapping) else ():
        if channel.direction == "input" and channel.name == "analysis_config":
            channel = Channel("input", channel.name, channel.value, "code")  # the job's config
        yield channel
    for key in ("SuppliedBaselineStatistics", "SuppliedBaselineConstraints"):
        if item.get(key) is not None:
            yield Channel("input", key, item[key], "baseline")


def automl_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """CreateAutoMLJob (InputDataConfig) or V2 (AutoMLJobInputDataConfig), and the output path."""
    for key in ("InputDataConfig", "AutoMLJobInputDataConfig"):
        for index, item in enumerate(_items(args.get(key))):
            name = str(item.get("ChannelType") or f"channel-{index + 1}")
            yield Channel("input", name, _dig(item, "DataSource", "S3DataSource", "S3Uri"))
    output = _dig(args, "OutputDataConfig", "S3OutputPath")
    if output is not None:
        yield Channel("output", "output", output, "model_output")


OUTPUT_WORDS = frozenset(
    {"out", "dest", "destination", "target", "sink", "write", "save", "export"}
)


def _names_output(name: str) -> bool:
    """Whether an argument, hyperparameter or variable name says it is written to
    (`--output-dir`, `output_path`, `S3OutputPath`, `--dest`), not read."""
    words = re.split(r"[-_.\s]+", name.strip("-").lower())
    return any("output" in word or word in OUTPUT_WORDS for word in words)


def _argument_direction(previous: Any, value: Any) -> tuple[str, Any]:
    """An argument's direction and value: `output` after a flag naming a destination
    (`--output s3://…`, `--output-path=s3://…`), else `input`."""
    if isinstance(value, str) and value.startswith("-") and "=" in value:
        flag, _, rest = value.partition("=")
        return ("output" if _names_output(flag) else "input"), rest
    if isinstance(previous, str) and previous.startswith("-") and _names_output(previous):
        return "output", value
    return "input", value


def command_line_channels(arguments: Any, kind: str = "argument") -> Iterator[Channel]:
    """Each command-line argument (`arg-<i>`), written when it follows an output flag;
    scripts are code. Only S3 values end up as data."""
    previous: Any = None
    for index, arg in enumerate(arguments if isinstance(arguments, list) else []):
        direction, value = _argument_direction(previous, arg)
        yield Channel(direction, f"arg-{index}", value, _kind("", value, kind), free_form=True)
        previous = arg


def named_value_channels(values: Any, prefix: str) -> Iterator[Channel]:
    """HyperParameters or Environment entries (`<prefix>.<name>`), written when the name
    says so; the SDK's own `sagemaker_*` entries are skipped. Only S3 values end up as data."""
    for name, value in values.items() if isinstance(values, Mapping) else ():
        if isinstance(name, str) and not name.startswith("sagemaker_"):
            direction = "output" if _names_output(name) else "input"
            kind = _kind("", value, "argument")
            yield Channel(direction, f"{prefix}.{name}", value, kind, free_form=True)


def emr_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """The jar, and S3 paths among the Hadoop step's arguments: written when they follow an
    output flag, else read; scripts are code."""
    jar = _dig(args, "StepConfig", "HadoopJarStep", "Jar")
    if jar is not None:
        yield Channel("input", "jar", jar, "code")
    yield from command_line_channels(_dig(args, "StepConfig", "HadoopJarStep", "Args"), "dataset")
    logs = _dig(args, "ClusterConfig", "LogUri")  # a new cluster's logs, the step's among them
    if logs is not None:
        yield Channel("output", "logs", logs, "logs")
    for index, action in enumerate(_items(_dig(args, "ClusterConfig", "BootstrapActions"))):
        path = _dig(action, "ScriptBootstrapAction", "Path")
        if path is not None:
            label = _label(action.get("Name"), str(index + 1))
            yield Channel("input", f"bootstrap.{label}", path, "code")


def free_form_channels(args: Any, prefix: str = "") -> Iterator[Channel]:
    """Lambda/Callback/unknown steps: every leaf value, named by its key path (inputs)."""
    expression = (
        isinstance(args, Mapping)
        and len(args) == 1
        and next(iter(args))
        in (
            "Get",
            "Std:Join",
            "Std:JsonGet",
        )
    )
    if isinstance(args, Mapping) and not expression:
        for key, value in args.items():
            yield from free_form_channels(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(args, list):
        for index, value in enumerate(args):
            yield from free_form_channels(value, f"{prefix}[{index}]")
    elif prefix:
        yield Channel("input", prefix, args, "argument", free_form=True)


def endpoint_config_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """CreateEndpointConfig: where data capture writes requests and responses, and where an
    asynchronous endpoint writes its inference results and failures."""
    capture = _dig(args, "DataCaptureConfig", "DestinationS3Uri")
    if capture is not None:
        yield Channel("output", "data_capture", capture, "data_capture")
    for key, name in (("S3OutputPath", "async_output"), ("S3FailurePath", "async_failures")):
        path = _dig(args, "AsyncInferenceConfig", "OutputConfig", key)
        if path is not None:
            yield Channel("output", name, path, "predictions")


def inference_component_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """CreateInferenceComponent: the container's model artifact."""
    artifact = _dig(args, "Specification", "Container", "ArtifactUrl")
    if artifact is not None:
        yield Channel("input", "model", artifact, "model_artifact")


def lineage_channels(args: Mapping[str, Any]) -> Iterator[Channel]:
    """A LineageStep's declared actions and artifacts: it records lineage and writes no data,
    so each source URI is a `lineage_artifact` it reads (never a dataset it would produce)."""
    for key, name_field in (("Actions", "ActionName"), ("Artifacts", "ArtifactName")):
        for index, item in enumerate(_items(args.get(key))):
            name, uri = item.get(name_field), _dig(item, "Source", "SourceUri")
            if uri is not None:
                label = name if isinstance(name, str) else f"{key.lower()}-{index + 1}"
                yield Channel("input", label, uri, "lineage_artifact")


def _arguments_only(extract: Callable[[Mapping[str, Any]], Iterator[Channel]]) -> Callable:
    """Adapt an Arguments extractor to take the whole step object."""

    def on_step(item: Mapping[str, Any]) -> Iterator[Channel]:
        """Apply `extract` to the step's Arguments when they are a mapping."""
        arguments = item.get("Arguments")
        return extract(arguments) if isinstance(arguments, Mapping) else iter(())

    return on_step


EXTRACTORS: Mapping[str, Callable[[Mapping[str, Any]], Iterator[Channel]]] = {
    "Processing": _arguments_only(processing_channels),
    "Training": _arguments_only(training_channels),
    "Tuning": _arguments_only(tuning_channels),
    "Transform": _arguments_only(transform_channels),
    "Model": _arguments_only(model_channels),
    "CreateModel": _arguments_only(model_channels),
    "RegisterModel": _arguments_only(register_model_channels),
    "QualityCheck": check_channels,
    "ClarifyCheck": check_channels,
    "AutoML": _arguments_only(automl_channels),
    "EMR": _arguments_only(emr_channels),
    "Lambda": lambda item: free_form_channels(item.get("Arguments")),
    "Callback": lambda item: free_form_channels(item.get("Arguments")),
    "Condition": lambda item: iter(()),
    "Fail": lambda item: iter(()),
    "EndpointConfig": _arguments_only(endpoint_config_channels),
    "Endpoint": lambda item: iter(()),
    "InferenceComponent": _arguments_only(inference_component_channels),
    "Lineage": _arguments_only(lineage_channels),
}

# Step types whose free-form arguments hold values, not data: only S3 strings among them count.
FREE_FORM_TYPES = frozenset({"Lambda", "Callback", "EMR"})


def step_channels(item: Mapping[str, Any]) -> tuple[list[Channel], bool]:
    """The raw channels of a step object, and whether its type is known."""
    kind = item.get("Type")
    extract = EXTRACTORS.get(kind) if isinstance(kind, str) else None
    if extract is None:
        return list(free_form_channels(item.get("Arguments"))), False
    return list(extract(item)), True


JOB_TYPES: Mapping[str, tuple[str, str, str]] = {
    # Metadata key → (job_type, describe method, name parameter)
    "ProcessingJob": ("processing", "describe_processing_job", "ProcessingJobName"),
    "TrainingJob": ("training", "describe_training_job", "TrainingJobName"),
    "TransformJob": ("transform", "describe_transform_job", "TransformJobName"),
    "TuningJob": (
        "tuning",
        "describe_hyper_parameter_tuning_job",
        "HyperParameterTuningJobName",
    ),
    "AutoMLJob": ("automl", "describe_auto_ml_job", "AutoMLJobName"),
}
