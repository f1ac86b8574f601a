"""Evaluates pipeline-definition expressions for one execution, as SageMaker does at run time.

The seeder uses it to turn step Arguments into the job requests it creates and to decide where
data must exist; the grammar is sagemaker-definitions.md §4 (Get, Std:Join, Std:JsonGet, paths).
The path grammar and the step-tree walk are shared with the library resolver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.sagemaker.expressions import (
    PARAMETER_TYPES,
    property_path,
    s3_uris,
)
from lineage_assets.sagemaker.expressions import walk_steps as walk_step_tree

__all__ = ["property_path", "s3_uris"]

_STEP_REFERENCE = re.compile(r"Steps\.([A-Za-z0-9_-]+)")
_COMPARISONS = {
    "Equals": lambda left, right: left == right,
    "GreaterThan": lambda left, right: left > right,
    "GreaterThanOrEqualTo": lambda left, right: left >= right,
    "LessThan": lambda left, right: left < right,
    "LessThanOrEqualTo": lambda left, right: left <= right,
}


@dataclass
class Scope:
    """What an execution's expressions can see: parameters, execution variables, step properties."""

    pipeline_name: str
    pipeline_arn: str
    execution_arn: str
    parameters: Mapping[str, Any]
    steps: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    property_files: dict[str, Any] = field(default_factory=dict)

    @property
    def execution_id(self) -> str:
        """The last segment of the execution ARN."""
        return self.execution_arn.rsplit("/", 1)[-1]

    def variable(self, name: str) -> str:
        """An `Execution.<name>` variable."""
        variables = {
            "PipelineExecutionId": self.execution_id,
            "PipelineExecutionArn": self.execution_arn,
            "PipelineName": self.pipeline_name,
            "PipelineArn": self.pipeline_arn,
        }
        return variables[name]


def parameter_values(definition: Mapping[str, Any], passed: Mapping[str, str]) -> dict[str, Any]:
    """Typed parameter values of an execution: the passed strings over the declared defaults."""
    values = {}
    for declared in definition.get("Parameters", []):
        name, cast = declared["Name"], PARAMETER_TYPES[declared["Type"]]
        values[name] = cast(passed[name]) if name in passed else declared.get("DefaultValue")
    return values


def _json_path(document: Any, path: str) -> Any:
    """A dotted JsonPath (no `$`) into a parsed property file."""
    return property_path(document, "." + path if not path.startswith("[") else path)


def _get(reference: str, scope: Scope) -> Any:
    """Resolve the string of a `Get`."""
    root, _, rest = reference.partition(".")
    if root == "Parameters":
        return scope.parameters[rest]
    if root == "Execution":
        return scope.variable(rest)
    if root == "PipelineExperimentConfig":
        return {"ExperimentName": scope.pipeline_name, "TrialName": scope.execution_id}[rest]
    if root == "Steps":
        step_name, _, path = rest.partition(".")
        if path.startswith("PropertyFiles."):
            return scope.property_files[f"{step_name}.{path.removeprefix('PropertyFiles.')}"]
        return property_path(scope.steps[step_name], "." + path)
    raise ValueError(f"unsupported Get: {reference}")


def _text(value: Any) -> str:
    """How Std:Join renders a value."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def resolve(value: Any, scope: Scope) -> Any:
    """`value` with every expression replaced by its run-time value."""
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Get"}:
        return _get(value["Get"], scope)
    if set(value) == {"Std:Join"}:
        spec = value["Std:Join"]
        return spec["On"].join(_text(resolve(item, scope)) for item in spec["Values"])
    if set(value) == {"Std:JsonGet"}:
        spec = value["Std:JsonGet"]
        return _json_path(resolve(spec["PropertyFile"], scope), spec["Path"])
    return {key: resolve(item, scope) for key, item in value.items()}


def condition_holds(condition: Mapping[str, Any], scope: Scope) -> bool:
    """Evaluate one condition of a Condition step (comparisons, In, Not, Or)."""
    kind = condition["Type"]
    if kind in _COMPARISONS:
        left, right = (
            resolve(condition["LeftValue"], scope),
            resolve(condition["RightValue"], scope),
        )
        return _COMPARISONS[kind](left, right)
    if kind == "In":
        return resolve(condition["QueryValue"], scope) in resolve(condition["Values"], scope)
    if kind == "Not":
        return not condition_holds(condition["Condition"], scope)
    if kind == "Or":
        return any(condition_holds(item, scope) for item in condition["Conditions"])
    raise ValueError(f"unsupported condition type: {kind}")


def walk_steps(steps: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Every step, nested Condition branches included, in definition order."""
    for item, _, _ in walk_step_tree(steps):
        yield item


def step_dependencies(item: Mapping[str, Any]) -> set[str]:
    """Steps this one waits for: DependsOn plus every `Steps.X` it references (not its branches)."""
    own = {key: value for key, value in item.items() if key not in ("Name", "Arguments")}
    arguments = dict(item.get("Arguments", {}))
    arguments.pop("IfSteps", None)
    arguments.pop("ElseSteps", None)
    referenced = set(_STEP_REFERENCE.findall(json.dumps([own, arguments])))
    return (referenced | set(item.get("DependsOn", []))) - {item["Name"]}
