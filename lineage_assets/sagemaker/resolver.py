"""A pipeline definition resolved into typed steps, step I/O and step edges (no AWS calls).

Every step (Condition branches at any depth), its inputs and outputs per step type with URIs
resolved as far as parameters, step Arguments and (optionally) one execution's described jobs
allow, and de-duplicated edges from DependsOn, `Steps.X` references and Condition branches.
Odd definitions never raise: they give warnings (a code and a message each), and what is
read is bounded (`bounds`): characters, nesting, steps, expression depth and resolution work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from lineage_assets.sagemaker.bounds import (
    MAX_STEPS,
    BoundExceeded,
    PipelineWarning,
    load_definition,
)
from lineage_assets.sagemaker.expressions import (
    StaticScope,
    own_content,
    parameter_values,
    resolve,
    step_references,
    walk_steps,
)
from lineage_assets.sagemaker.steps import (
    EXTRACTORS,
    FREE_FORM_TYPES,
    Channel,
    is_function_step,
    is_notebook_job,
    step_channels,
)


@dataclass(frozen=True)
class Step:
    """One step of a definition, flattened out of any Condition branch."""

    name: str
    type: str
    parent: str | None
    branch: str | None  # IfSteps | ElseSteps for nested steps
    item: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def arguments(self) -> Any:
        """The step's Arguments, expressions unresolved."""
        return self.item.get("Arguments")


@dataclass(frozen=True)
class StepIO:
    """One input or output of a step with its URI resolved as far as possible."""

    step: str
    direction: str  # input | output
    channel: str
    uri: str | None  # resolved text; may hold `{…}` placeholders; None when not a string
    data_kind: str
    expression: Any = None  # the original value when it was an expression, else None
    query_string: str | None = None
    engine: str | None = None

    @property
    def is_s3(self) -> bool:
        """Whether the URI names an S3 location (possibly with run-time placeholders)."""
        return isinstance(self.uri, str) and self.uri.startswith("s3://")


@dataclass(frozen=True)
class StepEdge:
    """A dependency: `kind` is dependsOn, reference, if or else; `properties` are the
    referenced property paths of a reference edge."""

    from_step: str
    to_step: str
    kind: str
    properties: tuple[str, ...] = ()

    @property
    def via(self) -> str:
        """The contract's `via`: dependsOn, if, else, or the first referenced property."""
        return self.properties[0] if self.kind == "reference" and self.properties else self.kind


@dataclass(frozen=True)
class ResolvedPipeline:
    """A definition's steps, I/O and edges, the parameter values used, and warnings."""

    steps: tuple[Step, ...]
    io: tuple[StepIO, ...]
    edges: tuple[StepEdge, ...]
    parameters: Mapping[str, Any]
    warnings: tuple[PipelineWarning, ...]
    definition: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def messages(self) -> list[str]:
        """The warnings' messages, as the contract shows them."""
        return [warning.message for warning in self.warnings]


def _warn(warnings: list[PipelineWarning], code: str, message: str) -> None:
    """Add one coded warning."""
    warnings.append(PipelineWarning(code, message))


def parse_definition(
    definition: Mapping[str, Any] | str | bytes, warnings: list[PipelineWarning]
) -> dict[str, Any]:
    """The definition as a dict; text that is empty, too large or deep, not JSON or not an
    object gives a warning and `{}`."""
    if isinstance(definition, (str, bytes)):
        if not definition.strip():
            _warn(warnings, "empty_definition", "definition is empty")
            return {}
        try:
            definition = load_definition(definition)
        except BoundExceeded as error:
            _warn(warnings, error.code, f"definition not read: {error}")
            return {}
        except ValueError as error:
            _warn(warnings, "not_json", f"definition is not JSON: {error}")
            return {}
    if not isinstance(definition, Mapping):
        _warn(warnings, "not_object", f"definition is a {type(definition).__name__}, not an object")
        return {}
    return dict(definition)


def flatten_steps(definition: Mapping[str, Any], warnings: list[PipelineWarning]) -> list[Step]:
    """Every step once (first wins on a duplicate name), nested branch steps included; at
    most MAX_STEPS."""
    steps: dict[str, Step] = {}
    if not isinstance(definition.get("Steps"), list):
        _warn(warnings, "no_steps", "definition has no Steps list")
    for index, (item, parent, branch) in enumerate(walk_steps(definition.get("Steps"))):
        if index >= MAX_STEPS:
            _warn(warnings, "too_many_steps", f"more than {MAX_STEPS} steps: the rest are skipped")
            break
        name = item.get("Name")
        if not isinstance(name, str) or not name:
            name = f"<unnamed-{index + 1}>"
            _warn(warnings, "unnamed_step", f"step #{index + 1} has no Name; called {name}")
        declared = item.get("Type")
        kind = declared if isinstance(declared, str) else "Unknown"
        if name in steps:
            _warn(warnings, "duplicate_step", f"duplicate step name {name!r}: the first is kept")
            continue
        if kind not in EXTRACTORS:
            _warn(
                warnings,
                "unknown_step_type",
                f"step {name!r}: unknown step type {kind!r}, S3 arguments kept",
            )
        steps[name] = Step(name, kind, parent, branch, item)
    return list(steps.values())


def _dependencies(step: Step, known: set[str], warnings: list[PipelineWarning]) -> list[StepEdge]:
    """DependsOn edges and `Steps.X` reference edges into one step; a missing step or a step
    depending on itself is a warning."""
    edges = []
    depends = step.item.get("DependsOn") or []
    for name in [depends] if isinstance(depends, str) else as_list(depends):
        if name == step.name:
            _warn(warnings, "dependency_cycle", f"step {step.name!r} depends on itself")
        elif isinstance(name, str) and name in known:
            edges.append(StepEdge(name, step.name, "dependsOn"))
        else:
            _warn(warnings, "unknown_step", f"step {step.name!r} depends on unknown step {name!r}")
    for name, path in step_references(own_content(step.item)):
        if name == step.name:
            _warn(warnings, "dependency_cycle", f"step {step.name!r} refers to itself ({path})")
        elif name in known:
            edges.append(StepEdge(name, step.name, "reference", (path,)))
        else:
            _warn(warnings, "unknown_step", f"step {step.name!r} refers to unknown step {name!r}")
    if step.parent is not None:
        edges.append(StepEdge(step.parent, step.name, "if" if step.branch == "IfSteps" else "else"))
    return edges


def as_list(value: Any) -> list[Any]:
    """A list as is; anything else (a damaged definition's value) as an empty list."""
    return value if isinstance(value, list) else []


def merge_edges(edges: list[StepEdge]) -> list[StepEdge]:
    """One edge per (from, to, kind), keeping first-seen order and every distinct property."""
    merged: dict[tuple[str, str, str], StepEdge] = {}
    for edge in edges:
        key = (edge.from_step, edge.to_step, edge.kind)
        if key in merged:
            previous = merged[key]
            extra = tuple(p for p in edge.properties if p not in previous.properties)
            merged[key] = StepEdge(*key, previous.properties + extra)
        else:
            merged[key] = edge
    return list(merged.values())


def resolution_order(
    steps: list[Step], edges: list[StepEdge]
) -> tuple[list[Step], list[str] | None]:
    """The steps with every step after those it depends on (so each `Steps.X` value is
    resolved once and remembered), and one cycle (`[A, B, A]`) if there is one, in which
    case the definition's order."""
    order: TopologicalSorter[str] = TopologicalSorter()
    for step in steps:
        order.add(step.name)
    for edge in edges:
        if edge.kind in ("dependsOn", "reference"):
            order.add(edge.to_step, edge.from_step)
    try:
        names = list(order.static_order())
    except CycleError as error:
        return steps, [str(name) for name in error.args[1]]
    by_name = {step.name: step for step in steps}
    return [by_name[name] for name in names], None


def _is_literal(value: Any) -> bool:
    """Whether a raw value holds no expression at all."""
    return not isinstance(value, (Mapping, list))


def _unquoted(text: str) -> str:
    """A JSON-encoded string's value; the text itself when it is not one."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def _channel_io(step: Step, channel: Channel, scope: StaticScope, stores: Mapping) -> StepIO | None:
    """Resolve one channel; free-form arguments count only when they resolve to S3."""
    value = channel.value
    if isinstance(value, Mapping) and set(value) == {"FeatureGroup"}:
        group = resolve(value["FeatureGroup"], scope)
        known = stores.get(group) if isinstance(group, str) else None
        uri = known or "{FeatureGroup." + str(group) + ".OfflineStore}"
    else:
        uri = resolve(value, scope)
    if isinstance(uri, str) and channel.data_kind == "argument" and uri[:1] == uri[-1:] == '"':
        uri = _unquoted(uri)  # a framework estimator's hyperparameters are JSON-encoded
    if not isinstance(uri, str):
        uri = None
    elif not uri.strip():
        return None  # an optional parameter left empty (e.g. a supplied baseline) is no data
    data_kind = channel.data_kind
    if data_kind == "dataset" and uri and ("ModelArtifacts" in uri or uri.endswith("model.tar.gz")):
        data_kind = "model_artifact"  # e.g. the training channel of a RepackModel step
    free_form = step.type in FREE_FORM_TYPES or step.type not in EXTRACTORS
    free_form = free_form or channel.free_form or channel.data_kind == "argument"
    if free_form and not (uri and uri.startswith("s3://")):
        return None
    return StepIO(
        step.name,
        channel.direction,
        channel.name,
        uri,
        data_kind,
        None if _is_literal(value) else value,
        channel.query_string,
        channel.engine,
    )


def _step_io(
    step: Step,
    scope: StaticScope,
    descriptions: Mapping[str, Mapping[str, Any]],
    stores: Mapping[str, str],
) -> list[StepIO]:
    """A step's I/O: from its job's description when described, else from its Arguments."""
    described = descriptions.get(step.name)
    if described is not None and step.type in EXTRACTORS:
        channels = list(EXTRACTORS[step.type]({**step.item, "Arguments": described}))
    else:
        channels, _ = step_channels(step.item)
        if step.type == "Training" and not is_function_step(step.arguments):
            # the model artifact exists only at run time; a @step function writes none
            reference = {"Get": f"Steps.{step.name}.ModelArtifacts.S3ModelArtifacts"}
            kind = "notebook_output" if is_notebook_job(step.arguments) else "model_artifact"
            channels.append(Channel("output", "model", reference, kind))
    scope.step = step.name
    try:
        found = [_channel_io(step, channel, scope, stores) for channel in channels]
    finally:
        scope.step = None
    return [io for io in found if io is not None]


MODEL_PATHS = ("ModelArtifacts", "ModelDataUrl", "model.tar.gz")


def _revealed_output(item: StepIO, producer: str, path: str, io: Mapping) -> StepIO | None:
    """The output of `producer` that input `item` (referring to `Steps.<producer><path>`)
    reads: all of it when the input is that property, else when its URI lies under one of
    the producer's own output paths."""
    whole = isinstance(item.expression, Mapping) and item.expression.get("Get") == (
        f"Steps.{producer}{path}"
    )
    around = next(
        (
            out
            for out in io.get(producer, [])
            if isinstance(out.uri, str)
            and out.direction == "output"
            and "{Steps." not in out.uri
            and isinstance(item.uri, str)
            and item.uri.startswith(out.uri.rstrip("/") + "/")
        ),
        None,
    )
    if not whole and around is None:
        return None
    kind = "model_artifact" if any(p in f"{path} {item.uri}" for p in MODEL_PATHS) else "dataset"
    kind = "baseline" if "Baseline" in path else kind
    if kind == "dataset" and item.data_kind not in ("dataset", "argument"):
        kind = item.data_kind  # what the reader calls it: a report, a baseline …
    if whole:
        channel = path.lstrip(".")
    elif kind == "model_artifact":
        channel = "model"
    else:  # a file inside an output: `evaluation/evaluation.json`
        assert around is not None  # returned above when neither whole nor inside an output
        channel = around.channel + str(item.uri)[len(str(around.uri).rstrip("/")) :]
    return StepIO(producer, "output", channel, item.uri, kind, item.expression)


def _enclosing_output(uri: str, outputs: Mapping[str, StepIO], reader: str) -> StepIO | None:
    """The nearest output of another step whose S3 path encloses `uri` (at least a key
    below the bucket), looked up by prefix in O(depth)."""
    parts = uri.split("/")
    for end in range(len(parts) - 1, 3, -1):
        around = outputs.get("/".join(parts[:end]))
        if around is not None and around.step != reader:
            return around
    return None


def _written_at_run_time(
    io: Mapping[str, list[StepIO]], kinds: Mapping[str, str]
) -> dict[str, list[StepIO]]:
    """Outputs only a consumer reveals: a step reading `Steps.P.<property>` as data (a model
    artifact, a Lambda/Callback output parameter, a check's baseline) reads what P wrote; a
    URI under P's own output path built with a run-time property of P (a tuning job's
    `<output>/<best TrainingJobName>/output/model.tar.gz`) too, and a file inside P's
    output named literally (`<evaluation output>/evaluation.json`)."""
    found: dict[str, list[StepIO]] = {}
    outputs = {
        out.uri.rstrip("/"): out
        for items in io.values()
        for out in items
        if out.direction == "output"
        and isinstance(out.uri, str)
        and out.uri.startswith("s3://")
        and "{Steps." not in out.uri
    }
    for item in (item for items in io.values() for item in items):
        if item.direction != "input" or not isinstance(item.uri, str):
            continue
        output = None
        for producer, path in step_references(item.expression):
            if producer == item.step or kinds.get(producer, "Condition") == "Condition":
                continue
            output = _revealed_output(item, producer, "." + path if path[:1] != "[" else path, io)
            if output is not None:
                break
        if output is None and item.uri.startswith("s3://") and item.uri.rstrip("/") not in outputs:
            around = _enclosing_output(item.uri, outputs, item.step)
            if around is not None:
                output = _revealed_output(item, around.step, "", io)
        if output is not None:
            found.setdefault(output.step, []).append(output)
    return found


def resolve_definition(
    definition: Mapping[str, Any] | str,
    parameters: Mapping[str, Any] | None = None,
    *,
    execution: Mapping[str, str] | None = None,
    descriptions: Mapping[str, Mapping[str, Any]] | None = None,
    properties: Mapping[str, Mapping[str, Any]] | None = None,
    feature_store_uris: Mapping[str, str] | None = None,
) -> ResolvedPipeline:
    """Resolve a definition; with `execution` variables and described jobs, for one execution.

    `parameters` are execution values (strings) over the declared defaults; `descriptions` map
    a step to its Describe*Job answer, `properties` to other run-time properties (ModelName…);
    `feature_store_uris` map a feature group to its offline-store URI.
    """
    warnings: list[PipelineWarning] = []
    parsed = parse_definition(definition, warnings)
    is_object = not warnings  # nothing to flatten when the text was no JSON object
    values = parameter_values(parsed.get("Parameters"), parameters, warnings)
    steps = flatten_steps(parsed, warnings) if is_object else []
    descriptions = descriptions or {}
    scope = StaticScope(
        parameters=values,
        arguments={step.name: step.arguments for step in steps},
        runtime={**(properties or {}), **descriptions},
        execution=dict(execution or {}),
        experiment=parsed.get("PipelineExperimentConfig"),
    )
    known = {step.name for step in steps}
    merged = merge_edges([e for step in steps for e in _dependencies(step, known, warnings)])
    ordered, cycle = resolution_order(steps, merged)
    if cycle:
        _warn(warnings, "dependency_cycle", "steps depend on each other: " + " → ".join(cycle))
    io: dict[str, list[StepIO]] = {}
    for step in ordered:
        io[step.name] = _step_io(step, scope, descriptions, feature_store_uris or {})
        if step.type == "Condition":
            resolve(own_content(step.item), scope)  # surfaces warnings of the conditions
    kinds = {step.name: step.type for step in steps}
    for producer, outputs in _written_at_run_time(io, kinds).items():
        known_uris = {item.uri for item in io[producer] if item.direction == "output"}
        for output in outputs:
            if output.uri not in known_uris:
                io[producer].append(output)
                known_uris.add(output.uri)
    return ResolvedPipeline(
        tuple(steps),
        tuple(item for step in steps for item in io[step.name]),
        tuple(merged),
        values,
        tuple(dict.fromkeys(warnings + scope.warnings)),
        parsed,
    )
