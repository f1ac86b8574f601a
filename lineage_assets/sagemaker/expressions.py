"""Pipeline-definition expressions (sagemaker-definitions.md §4) resolved as far as is known.

What is known (parameters, step Arguments, described jobs, execution variables) becomes a value;
what exists only at run time becomes a brace placeholder such as `{Execution.PipelineExecutionId}`,
so a definition that never ran still yields comparable URIs. Shared with the emulator's seeder.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.sagemaker.bounds import (
    MAX_EXPRESSION_DEPTH,
    MAX_RESOLVE_OPERATIONS,
    MAX_RESOLVE_SECONDS,
    MAX_RESOLVED_CHARS,
    MAX_VALUE_CHARS,
    PipelineWarning,
)

PATH_TOKEN = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]|\['([^']*)'\]")
# Members a run names (`<prefix>-<suffix>` even when the definition keeps a custom job prefix
# in Arguments): never read from the definition.
RUNTIME_ONLY = re.compile(r"\.(?:\w*JobName|\w*Arn|ModelName|ModelPackageName)(?![A-Za-z0-9_])")
# Execution variables naming the job of the step they appear in, not the execution.
JOB_NAME_VARIABLES = frozenset({"TrainingJobName", "ProcessingJobName"})
NAME_FIELDS = ("OutputName", "InputName", "ChannelName", "MetricName", "Name")
EXPRESSION_KEYS = ("Get", "Std:Join", "Std:JsonGet")
UNRESOLVED = "{Unresolved}"
EXPERIMENT_DEFAULTS = {
    "ExperimentName": {"Get": "Execution.PipelineName"},
    "TrialName": {"Get": "Execution.PipelineExecutionId"},
}


def select(container: Any, key: str | int) -> Any:
    """One path step: a map key, a list index, or a list element by its name field."""
    if isinstance(container, list) and isinstance(key, str):
        for element in container:
            if isinstance(element, Mapping) and any(element.get(n) == key for n in NAME_FIELDS):
                return element
        raise KeyError(key)
    return container[key]


def property_path(root: Any, path: str) -> Any:
    """Walk `.Member`, `[0]` and `['name']` tokens from `root` (KeyError/IndexError/TypeError)."""
    value = root
    for member, index, name in PATH_TOKEN.findall(path):
        value = select(value, member or name or int(index))
    return value


def walk_steps(
    steps: Any, parent: str | None = None, branch: str | None = None
) -> Iterator[tuple[Mapping[str, Any], str | None, str | None]]:
    """Every step object with its Condition parent and branch, nested branches included."""
    for item in steps if isinstance(steps, list) else []:
        if not isinstance(item, Mapping):
            continue
        yield item, parent, branch
        arguments = item.get("Arguments")
        name = item.get("Name") if isinstance(item.get("Name"), str) else None
        if item.get("Type") == "Condition" and isinstance(arguments, Mapping):
            yield from walk_steps(arguments.get("IfSteps"), name, "IfSteps" if name else None)
            yield from walk_steps(arguments.get("ElseSteps"), name, "ElseSteps" if name else None)


def own_content(item: Mapping[str, Any]) -> dict[str, Any]:
    """A step's Arguments and step-level extras, without its name and nested branch steps."""
    content = {k: v for k, v in item.items() if k not in ("Name", "Type", "Arguments")}
    arguments = item.get("Arguments")
    if isinstance(arguments, Mapping):
        content["Arguments"] = {
            k: v for k, v in arguments.items() if k not in ("IfSteps", "ElseSteps")
        }
    return content


def step_references(value: Any) -> Iterator[tuple[str, str]]:
    """(step name, property path) of every `{"Get": "Steps.<name>…"}` inside a value."""
    if isinstance(value, Mapping):
        target = value.get("Get")
        if isinstance(target, str) and target.startswith("Steps."):
            name, dot, path = target.removeprefix("Steps.").partition(".")
            name, bracket, rest = name.partition("[")
            yield name, (bracket + rest + dot + path if bracket else path)
        for child in value.values():
            yield from step_references(child)
    elif isinstance(value, list):
        for child in value:
            yield from step_references(child)


def s3_uris(value: Any) -> list[str]:
    """Every string starting with s3:// inside a nested value, in order, without duplicates."""
    found: list[str] = []

    def visit(node: Any) -> None:
        """Collect from one node."""
        if isinstance(node, str) and node.startswith("s3://") and node not in found:
            found.append(node)
        elif isinstance(node, Mapping):
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(value)
    return found


def text(value: Any) -> str:
    """How Std:Join renders a value: booleans as JSON (`true`), everything else with str()."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def is_placeholder(value: Any) -> bool:
    """Whether a resolved string still holds a run-time-only part."""
    return isinstance(value, str) and "{" in value and "}" in value


@dataclass
class StaticScope:
    """What a resolution can see. Unknown things resolve to placeholders, never to errors.

    `arguments`: step name → its definition Arguments (static property root);
    `runtime`: step name → described properties of a run (job descriptions, ARNs);
    `execution`: known `Execution.<Var>` values of one execution.
    Each resolution step spends one of `operations`, each built string its length from
    `characters`; once they or `seconds` run out, the rest resolves to placeholders. A step
    property resolved in full is remembered (`memo`), so a Join of Joins costs one resolution
    per step, not one per path; `cuts` counts results cut short, which are never remembered.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    arguments: Mapping[str, Any] = field(default_factory=dict)
    runtime: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    execution: Mapping[str, str] = field(default_factory=dict)
    experiment: Mapping[str, Any] | None = None
    warnings: list[PipelineWarning] = field(default_factory=list)
    operations: int = MAX_RESOLVE_OPERATIONS
    characters: int = MAX_RESOLVED_CHARS
    seconds: float = MAX_RESOLVE_SECONDS
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    cuts: int = 0
    step: str | None = None  # whose Arguments are being resolved (its job's name variables)
    _deadline: float | None = field(default=None, repr=False)

    def warn(self, code: str, message: str) -> None:
        """Record a warning once."""
        warning = PipelineWarning(code, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def spend(self) -> bool:
        """Take one resolution step from the budget; False (and one warning) when spent."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds
        self.operations -= 1
        if self.operations >= 0 and (self.operations % 1024 or time.monotonic() < self._deadline):
            return True
        self.operations = -1
        self.cuts += 1
        self.warn(
            "resolution_budget",
            f"expressions need more than {MAX_RESOLVE_OPERATIONS} steps, "
            f"{MAX_RESOLVED_CHARS} characters or {self.seconds:.0f} s to resolve; "
            "the rest are placeholders",
        )
        return False


def _summary_path(described: Any, path: str) -> str:
    """A tuning step's `TrainingJobSummaries[0]` (the SDK's top-1 model) as the described
    job's `BestTrainingJob` (the same summary shape) when the list itself was not read."""
    top = ".TrainingJobSummaries[0]"
    if (
        path.startswith(top)
        and isinstance(described, Mapping)
        and "TrainingJobSummaries" not in described
        and "BestTrainingJob" in described
    ):
        return ".BestTrainingJob" + path[len(top) :]
    return path


def _step_property(reference: str, scope: StaticScope, seen: frozenset[str], depth: int) -> Any:
    """`Steps.<name><path>`: run-time properties first, then the step's own Arguments."""
    rest = reference.removeprefix("Steps.")
    name = re.split(r"[.\[]", rest, maxsplit=1)[0]
    path = rest[len(name) :]
    placeholder = "{" + reference + "}"
    if name not in scope.arguments and name not in scope.runtime:
        return placeholder  # the resolver warns about references to unknown steps
    if name in scope.runtime:
        try:
            root = scope.runtime[name]
            return resolve(property_path(root, _summary_path(root, path)), scope, seen, depth + 1)
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    if path.startswith(".PropertyFiles") or RUNTIME_ONLY.match(path):
        return placeholder
    if reference in seen:  # a cycle: cut here
        scope.cuts += 1
        return placeholder
    if reference in scope.memo:
        return scope.memo[reference]
    try:
        found = property_path(scope.arguments.get(name), path)
    except (KeyError, IndexError, TypeError, ValueError):
        return placeholder
    if isinstance(found, (Mapping, list)) and not _is_expression(found):
        return placeholder  # a whole structure is not a value a URI can hold
    cuts, outer = scope.cuts, scope.step
    scope.step = name
    try:
        value = resolve(found, scope, seen | {reference}, depth + 1)
    finally:
        scope.step = outer
    if scope.cuts == cuts:
        scope.memo[reference] = value
    return value


def _shown(value: Any, limit: int = 200) -> str:
    """A value's repr for a warning, cut to `limit` characters."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _get(reference: Any, scope: StaticScope, seen: frozenset[str], depth: int) -> Any:
    """Resolve the string of a `Get`."""
    if not isinstance(reference, str):
        scope.warn("malformed_expression", f"Get of a non-string {_shown(reference)}")
        return "{Get:?}"
    root, _, rest = reference.partition(".")
    if root == "Parameters":
        if rest in scope.parameters:
            return scope.parameters[rest]
        scope.warn("unknown_parameter", f"undeclared parameter {rest!r}")
        return "{" + reference + "}"
    if root == "Execution":
        if rest in JOB_NAME_VARIABLES and scope.step is not None and rest not in scope.execution:
            # the job of the step being resolved: distinct per step, described after a run
            return _step_property(f"Steps.{scope.step}.{rest}", scope, seen, depth + 1)
        return scope.execution.get(rest, "{" + reference + "}")
    if root == "PipelineExperimentConfig":
        config = scope.experiment if isinstance(scope.experiment, Mapping) else {}
        chosen = config.get(rest, EXPERIMENT_DEFAULTS.get(rest))
        if chosen is None or reference in seen:
            return "{" + reference + "}"
        return resolve(chosen, scope, seen | {reference}, depth + 1)
    if root == "Steps":
        return _step_property(reference, scope, seen, depth)
    scope.warn("malformed_expression", f"unknown Get root {_shown(reference)}")
    return "{" + reference + "}"


def _json_get(spec: Any, scope: StaticScope, seen: frozenset[str], depth: int) -> str:
    """`Std:JsonGet` reads a file at run time: always a placeholder naming file and path."""
    if not isinstance(spec, Mapping):
        scope.warn("malformed_expression", f"malformed Std:JsonGet {_shown(spec)}")
        return "{Std:JsonGet}"
    source = spec.get("PropertyFile", spec.get("S3Uri"))
    where = source.get("Get") if isinstance(source, Mapping) and "Get" in source else None
    if where is None:
        where = text(resolve(source, scope, seen, depth + 1))
    return _bounded("{Std:JsonGet(" + f"{where}, {spec.get('Path')}" + ")}", scope)


def _join(spec: Any, scope: StaticScope, seen: frozenset[str], depth: int) -> str:
    """`Std:Join`: the resolved values as text, joined with `On` (at most MAX_VALUE_CHARS)."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("Values"), list):
        scope.warn("malformed_expression", f"malformed Std:Join {_shown(spec)}")
        return "{Std:Join}"
    separator, parts, size = str(spec.get("On", "")), [], 0
    for value in spec["Values"]:
        part = text(resolve(value, scope, seen, depth + 1))
        parts.append(part)
        size += len(part) + len(separator)
        if size > MAX_VALUE_CHARS:
            break
    return _bounded(separator.join(parts), scope)


def _bounded(value: str, scope: StaticScope) -> str:
    """A resolved string cut to MAX_VALUE_CHARS, with a warning when cut; the characters
    built count against the scope's budget."""
    scope.characters -= min(len(value), MAX_VALUE_CHARS)
    if scope.characters < 0:
        scope.operations = 0  # the next step reports the spent budget
    if len(value) <= MAX_VALUE_CHARS:
        return value
    scope.warn("value_too_long", f"a resolved value is longer than {MAX_VALUE_CHARS} characters")
    return value[:MAX_VALUE_CHARS] + "{Truncated}"


def _is_expression(value: Any) -> bool:
    """Whether a value is a single-key expression object of a form we know or not."""
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in EXPRESSION_KEYS


def resolve(
    value: Any, scope: StaticScope, seen: frozenset[str] = frozenset(), depth: int = 0
) -> Any:
    """`value` with every expression replaced by its value, or by a brace placeholder.

    `depth` counts nesting and `Steps.X` hops; past MAX_EXPRESSION_DEPTH, or once the scope's
    budget is spent, a value resolves to `{Unresolved}`.
    """
    if not isinstance(value, (Mapping, list)):
        return value
    if depth > MAX_EXPRESSION_DEPTH:
        scope.cuts += 1
        scope.warn(
            "expression_too_deep",
            f"an expression nests or refers on more than {MAX_EXPRESSION_DEPTH} levels",
        )
        return UNRESOLVED
    if not scope.spend():
        return UNRESOLVED
    if isinstance(value, list):
        return [resolve(item, scope, seen, depth + 1) for item in value]
    if len(value) == 1:
        key, spec = next(iter(value.items()))
        if key == "Get":
            return _get(spec, scope, seen, depth)
        if key == "Std:Join":
            return _join(spec, scope, seen, depth)
        if key == "Std:JsonGet":
            return _json_get(spec, scope, seen, depth)
        if isinstance(key, str) and key.startswith("Std:"):
            scope.warn("unknown_expression", f"unknown expression {_shown(key)}")
            return "{" + key + "}"
    return {key: resolve(item, scope, seen, depth + 1) for key, item in value.items()}


PARAMETER_TYPES: dict[str, Callable[[Any], Any]] = {
    "String": str,
    "Integer": int,
    "Float": float,
    "Boolean": lambda v: str(v).lower() == "true",
}


def parameter_values(
    declared: Any, passed: Mapping[str, Any] | None, warnings: list[PipelineWarning] | None = None
) -> dict[str, Any]:
    """Typed values: passed strings cast to the declared type, else DefaultValue."""
    values: dict[str, Any] = {}
    for item in declared if isinstance(declared, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("Name"), str):
            continue
        kind = item.get("Type")
        name, cast = item["Name"], PARAMETER_TYPES.get(kind, str) if isinstance(kind, str) else str
        if passed and name in passed:
            try:
                values[name] = cast(passed[name])
            except (TypeError, ValueError):
                values[name] = passed[name]
                if warnings is not None:
                    warnings.append(
                        PipelineWarning(
                            "parameter_type",
                            f"parameter {name!r}: {_shown(passed[name])} is not {item['Type']}",
                        )
                    )
        else:
            values[name] = item.get("DefaultValue")
    for name in set(passed or {}) - set(values):
        values[name] = (passed or {})[name]
        if warnings is not None:
            warnings.append(
                PipelineWarning(
                    "undeclared_parameter", f"parameter {name!r} is passed but not declared"
                )
            )
    return values
