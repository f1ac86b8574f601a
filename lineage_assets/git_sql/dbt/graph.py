"""A dbt project's nodes as dbt's `manifest.json` would list them: every model, snapshot, seed
and source with its relation name and declared dependencies, and each model's rendered SQL
with its refs resolved (for column lineage) and its lines mapped to the source file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from lineage_assets.git_sql.dbt.lines import unmark
from lineage_assets.git_sql.dbt.manifest import ManifestNode
from lineage_assets.git_sql.dbt.naming import default_names, relation_name
from lineage_assets.git_sql.dbt.project import DbtProject, resource_config
from lineage_assets.git_sql.dbt.python_models import read_python_model
from lineage_assets.git_sql.dbt.records import (
    ENV_PREFIX,
    PLACEHOLDER_CLOSE,
    PLACEHOLDER_OPEN,
    SECRET_ENV_PREFIX,
    MacroFile,
    NodeRequest,
    RenderBundle,
    RenderedNode,
    Target,
)
from lineage_assets.git_sql.dbt.sandbox import Limits
from lineage_assets.git_sql.dbt.worker import RenderWorker, failed_node

PLACEHOLDER = re.compile(f"{PLACEHOLDER_OPEN}([^{PLACEHOLDER_CLOSE}]*){PLACEHOLDER_CLOSE}")
MAX_SEED_HEADER = 100_000
MIN_SHARE = 50  # files per render worker before a second one pays for its start
COLUMN_SOURCES = ("seed", "source")


@dataclass(frozen=True)
class DbtNode:
    """A node of the project graph (model, snapshot, seed or source)."""

    unique_id: str
    resource_type: str
    package: str
    name: str
    path: str
    relation: str
    parts: tuple[str, str, str]
    depends_on: tuple[str, ...] = ()  # relations, in the order first declared
    sql: str = ""
    source_lines: tuple[int, ...] = ()
    materialized: str = "view"
    columns: tuple[str, ...] = ()
    error: str | None = None
    error_line: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class DbtGraph:
    """Every node of one root project and its installed packages."""

    project: DbtProject
    target: Target
    nodes: list[DbtNode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # the project could not be rendered at all (worker did not start)
    _columns: dict[str, dict[str, str]] | None = None

    def known_columns(self) -> dict[str, dict[str, str]]:
        """Columns known without a warehouse, for `select *` over them: a seed's CSV header
        (complete by construction) and sources' YAML columns (as the team documented them)."""
        if self._columns is None:
            self._columns = {}
            for node in self.nodes:
                if node.resource_type in COLUMN_SOURCES and node.columns:
                    columns = {c.lower(): "unknown" for c in node.columns}
                    self._columns[node.relation] = columns
                    if self.target.database and node.relation.count(".") == 1:
                        self._columns[f"{self.target.database.lower()}.{node.relation}"] = columns
        return self._columns

    def nodes_of(self, path: str) -> list[DbtNode]:
        """The nodes a file defines (a model, each snapshot of a snapshot file, a seed)."""
        return [n for n in self.nodes if n.path == path and n.resource_type != "source"]


@dataclass(frozen=True)
class DbtSettings:
    """How to render and name: the target, env variables allowed, bounds, manifest path."""

    target: Target = field(default_factory=Target)
    env_allow: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    manifest_path: str | None = None


def allowed_environment(names: Iterable[str], allow: tuple[str, ...]) -> dict[str, str]:
    """The env variables templates may read: dbt's `DBT_ENV_` prefix (never its
    `DBT_ENV_SECRET_` ones) and the names the configuration allows, nothing else."""
    allowed = {}
    for name in names:
        permitted = (name.startswith(ENV_PREFIX) and not name.startswith(SECRET_ENV_PREFIX)) or (
            name in allow
        )
        if permitted and name in os.environ:
            allowed[name] = os.environ[name]
    return allowed


def _all_projects(project: DbtProject) -> list[DbtProject]:
    return [project, *project.packages]


def _requests(
    project: DbtProject, files: Mapping[str, str]
) -> tuple[list[NodeRequest], list[MacroFile]]:
    """A render request per model, snapshot file and seed; the macro files of every package."""
    requests, macros = [], []
    versioned = {
        owner.name: {
            stem: (name, number)
            for name, entry in owner.properties.items()
            for number, stem in entry.get("versions", ())
        }
        for owner in _all_projects(project)
    }
    for owner in _all_projects(project):
        for path in sorted(files):
            if owner is project and project.kind_of(path) == "package":
                continue
            if owner is not project and not owner.owns(path):
                continue
            kind = owner.kind_of(path)
            if kind == "macro" and path.endswith(".sql"):
                macros.append(MacroFile(owner.name, path, files[path]))
                continue
            wanted = (
                (kind in ("model", "snapshot") and path.endswith(".sql"))
                or (kind == "model" and path.endswith(".py"))
                or (kind == "seed" and path.endswith(".csv"))
            )
            if kind is None or not wanted:
                continue
            fqn = owner.fqn(path, kind)
            name, version = fqn[-1], None
            if kind == "model" and fqn[-1] in versioned[owner.name]:
                name, version = versioned[owner.name][fqn[-1]]
            entry = owner.properties.get(name, {})
            project_config = resource_config(owner.settings, kind, fqn)
            base = {**project_config, **entry.get("config", {})}
            text = "" if kind == "seed" else files[path]
            if path.endswith(".py"):  # its config, refs and sources come from its syntax tree
                base.update(read_python_model(text).config)
                text = ""
            override = resource_config(project.settings, kind, fqn) if owner is not project else {}
            requests.append(
                NodeRequest(
                    path=path,
                    package=owner.name,
                    resource_type=kind,
                    name=name,
                    text=text,
                    fqn=fqn,
                    base_config=base,
                    override_config=override,
                    version=version,
                    parse_config={**project_config, **override},
                )
            )
    for owner in _all_projects(project):
        requests += _yaml_snapshots(owner, project)
        for table in owner.sources:
            fields = {"database": table.database, "schema": table.schema}
            fields["identifier"] = table.identifier
            if any("{" in str(v) for v in fields.values()):  # `{{ env_var('RAW_DB') }}`
                requests.append(
                    NodeRequest(
                        path=table.path,
                        package=owner.name,
                        resource_type="source",
                        name=f"{table.source}.{table.table}",
                        text="",
                        fqn=(owner.name, table.source, table.table),
                        base_config=fields,
                    )
                )
    return requests, macros


def _yaml_snapshots(owner: DbtProject, root: DbtProject) -> list[NodeRequest]:
    """Snapshots defined in YAML (`relation: ref('x')`, dbt 1.9+) as snapshot blocks."""
    found = []
    for name, entry in owner.properties.items():
        relation = entry.get("relation")
        if not relation or not name.isidentifier():
            continue
        fqn = (owner.name, name)
        body = "select * from {{ " + relation + " }}"  # noqa: S608 - a template for the sandbox
        text = "{% snapshot " + name + " %}" + body + "{% endsnapshot %}"
        found.append(
            NodeRequest(
                path=str(entry.get("path") or ""),
                package=owner.name,
                resource_type="snapshot",
                name=name,
                text=text,
                fqn=fqn,
                base_config={
                    **resource_config(owner.settings, "snapshot", fqn),
                    **entry.get("config", {}),
                },
                override_config=(
                    resource_config(root.settings, "snapshot", fqn) if owner is not root else {}
                ),
            )
        )
    return found


def _bundle(project: DbtProject, macros: list[MacroFile], settings: DbtSettings) -> RenderBundle:
    variables: dict[str, Any] = {}
    scoped: dict[str, dict[str, Any]] = {}
    names = {p.name for p in _all_projects(project)}
    for owner in reversed(_all_projects(project)):  # the root project's vars win
        for key, value in owner.variables.items():
            if key in names and isinstance(value, Mapping):
                scoped.setdefault(str(key), {}).update(value)
            else:
                variables[str(key)] = value
    return RenderBundle(
        root_package=project.name,
        packages=tuple(p.name for p in project.packages),
        macro_files=tuple(macros),
        variables=variables,
        package_variables=scoped,
        dispatch=project.dispatch,
        target=settings.target,
        environment=allowed_environment(os.environ, settings.env_allow),
        limits=settings.limits,
    )


def _seed_columns(text: str) -> tuple[str, ...]:
    header = text[:MAX_SEED_HEADER].lstrip("\ufeff").split("\n", 1)[0]
    try:
        return tuple(c.strip() for c in next(csv.reader(io.StringIO(header))) if c.strip())
    except (StopIteration, csv.Error):
        return ()


def _with_python_declarations(node: RenderedNode, text: str) -> RenderedNode:
    """A Python model's refs and sources, read from its syntax tree (it is never rendered)."""
    model = read_python_model(text)
    return replace(
        node,
        refs=model.refs,
        sources=model.sources,
        error=node.error or model.error,
        error_line=node.error_line or model.error_line,
    )


def _render_share(
    bundle: RenderBundle, requests: list[NodeRequest], files: Mapping[str, str], deadline: float
) -> tuple[list[tuple[NodeRequest, list[RenderedNode]]], list[str]]:
    """One worker's share of a project's files, each with its rendered nodes."""
    answered = []
    with RenderWorker(bundle) as worker:
        for request in requests:
            if time.monotonic() > deadline:
                budget = f"{bundle.limits.project_seconds:g}s"
                answered.append(
                    (request, [failed_node(request, f"project render budget of {budget} spent")])
                )
                continue
            nodes = worker.render(request)
            if request.path.endswith(".py"):
                nodes = [_with_python_declarations(n, files[request.path]) for n in nodes]
            answered.append((request, nodes))
        return answered, worker.load_warnings


def render_project(
    project: DbtProject,
    files: Mapping[str, str],
    settings: DbtSettings,
    manifest: Mapping[str, ManifestNode] | None = None,
) -> DbtGraph:
    """Render every node in the sandbox worker and resolve names and dependencies."""
    graph = DbtGraph(project, settings.target)
    requests, macros = _requests(project, files)
    rendered: list[RenderedNode] = []
    if requests:
        bundle = _bundle(project, macros, settings)
        deadline = time.monotonic() + settings.limits.project_seconds
        shares = max(1, min(settings.limits.workers, len(requests) // MIN_SHARE))
        with ThreadPoolExecutor(shares) as pool:  # workers are processes: threads only wait
            parts = list(
                pool.map(
                    lambda share: _render_share(bundle, requests[share::shares], files, deadline),
                    range(shares),
                )
            )
        order = {id(r): i for i, r in enumerate(requests)}
        answered = sorted(
            (pair for nodes, _ in parts for pair in nodes), key=lambda p: order[id(p[0])]
        )
        rendered = [node for _, nodes in answered for node in nodes]
        graph.warnings += parts[0][1]
    resolver = _Resolver(project, settings.target, rendered)
    graph.nodes = resolver.nodes(files)
    graph.warnings += resolver.warnings
    if manifest:
        graph.nodes = _overlay(graph.nodes, manifest, project, settings.target)
    return graph


class _Resolver:
    """Names every node, then resolves refs, sources and placeholders as dbt would."""

    def __init__(self, project: DbtProject, target: Target, rendered: list[RenderedNode]) -> None:
        self.project, self.target = project, target
        self.rendered = [r for r in rendered if _enabled(r.config) and r.resource_type != "source"]
        self.warnings: list[str] = []
        self.versions: dict[tuple[str, str], dict[str | None, tuple[str, str, str]]] = {}
        self.packages_of: dict[str, list[str]] = {}
        for node in self.rendered:
            found = self.versions.setdefault((node.package, node.name), {})
            version = None if node.version is None else _number(node.version)
            found.setdefault(version, self._parts(node))
            self.packages_of.setdefault(node.name, []).append(node.package)
        self.latest = {
            (owner.name, name): entry.get("latest_version")
            for owner in _all_projects(project)
            for name, entry in owner.properties.items()
        }
        self.sources: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        for owner in _all_projects(project):
            for table in owner.sources:
                self.sources[(owner.name, table.source, table.table)] = (
                    str(table.database or target.database),
                    table.schema,
                    table.identifier,
                )
        for node in rendered:  # sources whose names are written as Jinja, rendered
            if node.resource_type == "source":
                source, _, table_name = node.name.partition(".")
                self.sources[(node.package, source, table_name)] = (
                    node.database,
                    node.schema,
                    node.alias,
                )

    def _parts(self, node: RenderedNode) -> tuple[str, str, str]:
        if node.schema or node.alias:
            return node.database, node.schema, node.alias or node.name
        return default_names(node.resource_type, node.name, node.config, self.target)

    def _name(self, parts: tuple[str, str, str]) -> str:
        return relation_name(*parts, self.target)

    def ref(
        self, node: RenderedNode, package: str | None, name: str, version: str | None = None
    ) -> tuple[str, str, str] | None:
        """dbt's search: the named package; else root, the node's own package, then any."""
        owners = [package] if package else [self.project.name, node.package]
        if not package:
            owners += self.packages_of.get(name, [])
        for owner in owners:
            found = self.versions.get((owner, name))
            if found:
                return self._version(found, self.latest.get((owner, name)), version)
        return None

    @staticmethod
    def _version(
        found: Mapping[str | None, tuple[str, str, str]], latest: str | None, version: str | None
    ) -> tuple[str, str, str] | None:
        """A pinned version, else the unversioned model, else `latest_version`, else the
        highest version (dbt's rule for an unpinned ref)."""
        if version is not None:
            return found.get(_number(version))
        if None in found:
            return found[None]
        if latest is not None and _number(latest) in found:
            return found[_number(latest)]
        return found[max((v for v in found if v is not None), key=_version_key)]

    def source(self, node: RenderedNode, source: str, table: str) -> tuple[str, str, str] | None:
        found = self.sources.get((node.package, source, table))
        if found is None:
            found = next(
                (p for (_, s, t), p in self.sources.items() if (s, t) == (source, table)), None
            )
        return found

    def nodes(self, files: Mapping[str, str]) -> list[DbtNode]:
        found = [self._node(r, files) for r in self.rendered]
        for owner in _all_projects(self.project):
            for table in owner.sources:
                parts = self.sources[(owner.name, table.source, table.table)]
                found.append(
                    DbtNode(
                        unique_id=f"source.{owner.name}.{table.source}.{table.table}",
                        resource_type="source",
                        package=owner.name,
                        name=f"{table.source}.{table.table}",
                        path=table.path,
                        relation=self._name(parts),
                        parts=parts,
                        columns=table.columns,
                    )
                )
        return found

    def _node(self, node: RenderedNode, files: Mapping[str, str]) -> DbtNode:
        version = None if node.version is None else _number(node.version)
        parts = self.versions[(node.package, node.name)][version]
        warnings = [*node.warnings, *(f"macro not found: {m}" for m in node.missing_macros)]
        resolved: list[tuple[str, str, str] | None] = []
        for ref in node.refs:
            hit = self.ref(node, ref.package, ref.name, ref.version)
            if hit is None:  # a package not installed: dbt would name it by default
                hit = self._default_ref(ref.name, ref.version)
                warnings.append(
                    f"ref('{ref.name}') names no model of the project "
                    f"(a package not installed?): taken as {self._name(hit)}, dbt's default name"
                )
            resolved.append(hit)
        sources: list[tuple[str, str, str] | None] = []
        for source, table in node.sources:
            hit = self.source(node, source, table)
            if hit is None:
                warnings.append(f"source('{source}', '{table}') is not declared")
                hit = ("", source, table)
            sources.append(hit)
        depends = list(dict.fromkeys(self._name(p) for p in [*resolved, *sources] if p is not None))
        sql, lines = unmark(_fill(node.sql, parts, resolved, sources))
        entry = self._properties(node)
        columns = entry.get("columns", ())
        if node.resource_type == "seed":
            columns = _seed_columns(files.get(node.path, ""))
        self.warnings += [f"{node.path}: {w}" for w in warnings]
        return DbtNode(
            unique_id=f"{node.resource_type}.{node.package}.{node.name}"
            + (f".v{node.version}" if node.version else ""),
            resource_type=node.resource_type,
            package=node.package,
            name=node.name,
            path=node.path,
            relation=self._name(parts),
            parts=parts,
            depends_on=tuple(depends),
            sql=sql,
            source_lines=tuple(lines),
            materialized=str(node.config.get("materialized") or _default_kind(node)),
            columns=tuple(columns),
            error=node.error,
            error_line=lines[node.error_line - 1]
            if node.error_line and 0 < node.error_line <= len(lines)
            else node.error_line,
            warnings=tuple(warnings),
        )

    def _default_ref(self, name: str, version: str | None) -> tuple[str, str, str]:
        """What dbt's default generate_*_name gives a model without configs (target database
        and schema, the name, `_v<version>` when pinned)."""
        alias = name if version is None else f"{name}_v{version}"
        return self.target.database, self.target.schema, alias

    def _properties(self, node: RenderedNode) -> Mapping[str, Any]:
        owner = next((p for p in _all_projects(self.project) if p.name == node.package), None)
        return owner.properties.get(node.name, {}) if owner else {}


def _number(version: str) -> str:
    """`2.0` → `2`: versions compare as dbt writes them in YAML."""
    return version[:-2] if version.endswith(".0") else version


def _version_key(version: str) -> tuple[float, str]:
    try:
        return float(version), version
    except ValueError:
        return float("-inf"), version


def _enabled(config: Mapping[str, Any]) -> bool:
    """dbt's `enabled` config, which may arrive as a rendered string."""
    return str(config.get("enabled", True)).strip().lower() not in ("false", "0", "no")


def _default_kind(node: RenderedNode) -> str:
    return {"seed": "seed", "snapshot": "snapshot"}.get(node.resource_type, "view")


def _fill(
    sql: str,
    this: tuple[str, str, str],
    refs: list[tuple[str, str, str] | None],
    sources: list[tuple[str, str, str] | None],
) -> str:
    """Placeholders replaced by relation names (an unresolved ref keeps its bare name)."""

    def part_of(parts: tuple[str, str, str] | None, attribute: str) -> str:
        if parts is None:
            return "unresolved_ref"
        database, schema, identifier = parts
        if attribute == "database":
            return database
        if attribute == "schema":
            return schema
        if attribute == "identifier":
            return identifier
        return ".".join(p for p in parts if p)

    def replace_one(match: re.Match[str]) -> str:
        key, _, attribute = match.group(1).partition(".")
        if key == "this":
            return part_of(this, attribute)
        for prefix, table in (("ref", refs), ("source", sources)):
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                index = int(key[len(prefix) :])
                return part_of(table[index] if index < len(table) else None, attribute)
        return ""

    return PLACEHOLDER.sub(replace_one, sql)


def _overlay(
    nodes: list[DbtNode],
    manifest: Mapping[str, ManifestNode],
    project: DbtProject,
    target: Target,
) -> list[DbtNode]:
    """The manifest's names and dependencies replace ours; its compiled SQL replaces our render."""
    names = {
        uid: relation_name(n.database, n.schema, n.identifier, target)
        for uid, n in manifest.items()
    }
    ours = {n.unique_id: n for n in nodes}
    merged = []
    for uid, entry in manifest.items():
        owner = next((p for p in _all_projects(project) if p.name == entry.package), project)
        path = owner.join(entry.original_file_path) if entry.original_file_path else ""
        parts = (entry.database or "", entry.schema or "", entry.identifier)
        base = ours.get(uid) or DbtNode(
            unique_id=uid,
            resource_type=entry.resource_type,
            package=entry.package,
            name=entry.name,
            path=path,
            relation=names[uid],
            parts=parts,
        )
        sql, lines = base.sql, base.source_lines
        if entry.compiled_code:
            sql = entry.compiled_code
            lines = tuple(range(1, sql.count("\n") + 2))
        merged.append(
            replace(
                base,
                relation=names[uid],
                parts=parts,
                path=path or base.path,
                depends_on=tuple(names[d] for d in entry.depends_on if d in names),
                sql=sql,
                source_lines=lines,
                columns=entry.columns or base.columns,
                materialized=entry.materialized or base.materialized,
            )
        )
    return merged


def node_path(project: DbtProject, path: str) -> str:
    """A project-relative path as a repository path."""
    return str(PurePosixPath(project.root, path)) if project.root else path
