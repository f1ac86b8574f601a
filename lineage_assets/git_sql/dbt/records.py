"""Typed records passed between the dbt reader, the sandboxed render worker and the collector.

Everything here is plain data (picklable): the worker receives a `RenderBundle` and
`NodeRequest`s and answers with `RenderedNode`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
