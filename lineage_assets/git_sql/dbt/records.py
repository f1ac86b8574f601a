"""Typed records passed between the dbt reader, the sandboxed render worker and the collector.

Everything here is plain data (picklable): the worker receives a `RenderBundle` and
`NodeRequest`s and answers with `RenderedNode`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lineage_assets.git_sql.dbt.sandbox import Limits

ENV_PREFIX = "DBT_ENV_"
SECRET_ENV_PREFIX = "DBT_ENV_SECRET_"

# Private-use characters: they never occur in SQL, so a placeholder cannot collide with text.
PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "\ue000", "\ue001"
LINE_OPEN, LINE_CLOSE = "\ue002", "\ue003"


@dataclass(frozen=True)
class Target:
    """The dbt target a relation is named for (what `profiles.yml` would give).

    The default, `prod` with schema `analytics` and no database, names models as a
    production run does, so hand-written SQL over `analytics.x` meets `ref('x')`.
    """

    name: str = "prod"
    schema: str = "analytics"
    database: str = ""
    type: str = "default"

    def as_context(self) -> dict[str, Any]:
        """`target` as templates see it."""
        return {
            "name": self.name,
            "schema": self.schema,
            "database": self.database,
            "type": self.type,
            "profile_name": "lineage",
            "target_name": self.name,
            "threads": 1,
            "user": "",
            "role": "",
            "warehouse": "",
            "dataset": self.schema,
            "project": self.database,
            "catalog": self.database,
        }


@dataclass(frozen=True)
class MacroFile:
    """One macro file of the root project or of an installed package."""

    package: str
    path: str
    text: str


@dataclass(frozen=True)
class RenderBundle:
    """What the render worker needs once per project: macros, vars, target, allowed env."""

    root_package: str
    packages: tuple[str, ...]
    macro_files: tuple[MacroFile, ...]
    variables: Mapping[str, Any]
    package_variables: Mapping[str, Mapping[str, Any]]
    dispatch: Mapping[str, tuple[str, ...]]
    target: Target
    environment: Mapping[str, str]
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class NodeRequest:
    """One file to render: a model, a snapshot file (any number of snapshots) or a seed."""

    path: str
    package: str
    resource_type: str  # model | snapshot | seed | analysis
    name: str
    text: str
    fqn: tuple[str, ...]
    base_config: Mapping[str, Any]
    override_config: Mapping[str, Any] = field(default_factory=dict)
    version: str | None = None
    # `model.config` while the node renders: dbt_project.yml only (its own project's, then
    # the root's), before property YAML and `config()` calls apply (as dbt parse shows it)
    parse_config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefCall:
    """A `ref()` as dbt records it: name, optional package, optional version."""

    name: str
    package: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class RenderedNode:
    """A node after rendering: declared dependencies, final config, relation parts, SQL.

    `sql` still holds placeholders for refs and `this` and line markers; the collector
    resolves both once every node's relation is known.
    """

    path: str
    package: str
    resource_type: str
    name: str
    fqn: tuple[str, ...]
    sql: str
    refs: tuple[RefCall, ...]
    sources: tuple[tuple[str, str], ...]
    config: Mapping[str, Any]
    database: str
    schema: str
    alias: str
    missing_macros: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_line: int | None = None
    version: str | None = None


def bundle_to_json(bundle: RenderBundle) -> dict[str, Any]:
    """The bundle as JSON-ready data (the worker speaks JSON, never pickle)."""
    return {
        "root_package": bundle.root_package,
        "packages": list(bundle.packages),
        "macro_files": [[m.package, m.path, m.text] for m in bundle.macro_files],
        "variables": dict(bundle.variables),
        "package_variables": {k: dict(v) for k, v in bundle.package_variables.items()},
        "dispatch": {k: list(v) for k, v in bundle.dispatch.items()},
        "target": asdict(bundle.target),
        "environment": dict(bundle.environment),
        "limits": asdict(bundle.limits),
    }


def bundle_from_json(data: Mapping[str, Any]) -> RenderBundle:
    """The inverse of `bundle_to_json`."""
    return RenderBundle(
        root_package=data["root_package"],
        packages=tuple(data["packages"]),
        macro_files=tuple(MacroFile(*m) for m in data["macro_files"]),
        variables=data["variables"],
        package_variables=data["package_variables"],
        dispatch={k: tuple(v) for k, v in data["dispatch"].items()},
        target=Target(**data["target"]),
        environment=data["environment"],
        limits=Limits(**data["limits"]),
    )


def request_from_json(data: Mapping[str, Any]) -> NodeRequest:
    """A request as the worker receives it."""
    return NodeRequest(**{**data, "fqn": tuple(data["fqn"])})


def node_from_json(data: Mapping[str, Any]) -> RenderedNode:
    """A rendered node as the parent receives it (the worker's output is data, checked)."""
    return RenderedNode(
        **{
            **data,
            "fqn": tuple(str(p) for p in data["fqn"]),
            "refs": tuple(RefCall(**r) for r in data["refs"]),
            "sources": tuple((str(s), str(t)) for s, t in data["sources"]),
            "missing_macros": tuple(str(m) for m in data["missing_macros"]),
            "warnings": tuple(str(w) for w in data["warnings"]),
        }
    )
