"""Turn one repository file into parsed SQL units: a `.sql` file, a dbt node (rendered in the
sandbox), or the literal SQL strings of a Python file. SQL is parsed by the engine, never
executed.

A dbt model's table edges are the `ref()`/`source()` calls its render recorded (dbt's declared
dependencies), whether or not the rendered SQL parses; its column edges come from that SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lineage_assets.git_sql.dbt import (
    DbtError,
    DbtGraph,
    DbtNode,
    DbtProject,
    DbtSettings,
    ManifestNode,
    Target,
    read_manifest,
    read_projects,
    render_project,
)
from lineage_assets.git_sql.dbt.naming import table_name
from lineage_assets.git_sql.embedded import find_embedded_sql
from lineage_assets.git_sql.ids import dbt_project_key
from lineage_assets.git_sql.records import ParsedUnit
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.sql import ColumnEdge, ScriptLineage, StatementLineage, extract_lineage
from lineage_assets.store import SourceRecords

ERROR_LINE = re.compile(r"line (\d+)")
DBT_INPUTS = (".sql", ".py", ".yml", ".yaml", ".csv", "manifest.json")
DBT_MANAGED = ("model", "snapshot", "seed", "macro", "test", "analysis", "package", "build")
MAX_STATEMENT_TEXT = 100_000
CREATE_KIND = {"view": "VIEW", "ephemeral": "VIEW"}
ADAPTER_OF_DIALECT = {"tsql": "sqlserver", "spark2": "spark", "postgres": "postgres"}
MAX_SETTING_CHARS = 255  # a schema name of 1 MB in .lineage.toml made a 100-model store 812 MB
DBT_KEYS = {
    "target": "dbt_target",
    "database": "dbt_database",
    "schema": "dbt_schema",
    "manifest": "dbt_manifest",
}


def dbt_settings(config: GitSourceConfig) -> DbtSettings:
    """How the repository's dbt projects are named: the configured target, else the default
    (`prod`, schema `analytics`, no database); the adapter follows the SQL dialect."""
    default = Target()
    adapter = ADAPTER_OF_DIALECT.get(config.dialect or "", config.dialect or default.type)
    target = Target(
        name=config.dbt_target or default.name,
        schema=config.dbt_schema or default.schema,
        database=config.dbt_database or default.database,
        type=adapter,
    )
    return DbtSettings(
        target=target, env_allow=tuple(config.dbt_env_allow), manifest_path=config.dbt_manifest
    )


def with_dbt_settings(config: GitSourceConfig, table: object) -> GitSourceConfig:
    """`[dbt]` keys of `.lineage.toml` (target, database, schema, manifest) fill what the
    configuration leaves open. Never `env_allow`: the repository is untrusted, so only the
    configuration may let its templates read environment variables (see `ignored_dbt_settings`)."""
    if not isinstance(table, Mapping):
        return config
    values: dict[str, Any] = {}
    for key, field_name in DBT_KEYS.items():
        value = table.get(key)
        unset = getattr(config, field_name) is None
        if unset and isinstance(value, str) and len(value) <= MAX_SETTING_CHARS:
            values[field_name] = value
    return replace(config, **values) if values else config


def ignored_dbt_settings(table: object) -> list[str]:
    """`[dbt]` keys a repository may not set for itself: `env_allow` (it would hand the
    repository process secrets) and values over `MAX_SETTING_CHARS` (each is in every name)."""
    if not isinstance(table, Mapping):
        return []
    too_long = [
        k for k in DBT_KEYS if isinstance(table.get(k), str) and len(table[k]) > MAX_SETTING_CHARS
    ]
    return (["env_allow"] if "env_allow" in table else []) + too_long


@dataclass
class DbtContext:
    """The dbt projects of the commit; each project is rendered once, when first needed."""

    projects: tuple[DbtProject, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    settings: DbtSettings = field(default_factory=DbtSettings)
    manifests: Mapping[str, Mapping[str, ManifestNode]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    _graphs: dict[str, DbtGraph] = field(default_factory=dict)

    def project_of(self, path: str) -> DbtProject | None:
        """The project whose files dbt reads the path as (model, macro, seed, test…), if any."""
        for project in self.projects:
            if project.kind_of(path) in DBT_MANAGED:
                return project
        return None

    def node_yaml_files(self) -> frozenset[str]:
        """Property YAML files that define nodes themselves (snapshots with `relation:`)."""
        return frozenset(
            str(entry["path"])
            for project in self.projects
            for entry in project.properties.values()
            if entry.get("relation") and entry.get("path")
        )

    def shared_inputs(self) -> frozenset[str]:
        """Files every model may render (macros, installed packages, `local:` packages read
        where they lie): a change re-parses all."""
        local = [
            package
            for project in self.projects
            for package in project.packages
            if not package.root.startswith(f"{project.packages_path}/")
        ]
        return frozenset(
            path
            for path in self.files
            if any(p.kind_of(path) in ("macro", "package") for p in self.projects)
            or any(p.kind_of(path) in DBT_MANAGED for p in local)
        )

    def graph(self, project: DbtProject) -> DbtGraph:
        """The project's nodes, rendered on first use."""
        if project.root not in self._graphs:
            try:
                graph = render_project(
                    project, self.files, self.settings, self.manifests.get(project.root)
                )
            except (RuntimeError, OSError) as error:  # tried once per sync, not once per file
                message = f"{project.root or '.'}: dbt project not rendered: {error}"
                graph = DbtGraph(project, self.settings.target, warnings=[message], error=message)
            self._graphs[project.root] = graph
            self.problems += graph.warnings
        return self._graphs[project.root]


def _manifest_for(
    project: DbtProject, files: Mapping[str, str], settings: DbtSettings
) -> tuple[str, str] | None:
    candidates = [project.join("target/manifest.json"), project.join("manifest.json")]
    if settings.manifest_path:
        candidates.insert(0, settings.manifest_path.strip("/"))
    return next(((p, files[p]) for p in candidates if p in files), None)


def dbt_context(
    files: Mapping[str, str], settings: DbtSettings | None = None
) -> tuple[DbtContext, list[str]]:
    """Projects (each dbt_project.yml, its packages and property YAML) and manifests found."""
    settings = settings or DbtSettings()
    projects, problems = read_projects(files)
    manifests = {}
    for project in projects:
        found = _manifest_for(project, files, settings)
        if found is None:
            continue
        try:
            manifests[project.root] = read_manifest(*found)
        except DbtError as error:
            problems.append(str(error))
    context = DbtContext(tuple(projects), files, settings, manifests)
    return context, problems


def _failed_unit(message: str, line: int = 1) -> ParsedUnit:
    """A file-level failure (Jinja, Python syntax) reported like a statement that failed."""
    statement = StatementLineage(
        kind="UNKNOWN", targets=[], sources=[], column_lineage=[],
        start_line=line, end_line=line, error=message,
    )  # fmt: skip
    return ParsedUnit(ScriptLineage([], [], [], [statement], []))


def _source_line(lines: tuple[int, ...], line: int) -> int:
    if not lines:
        return max(line, 1)
    return lines[min(max(line, 1), len(lines)) - 1]


def _edges(edges: list[ColumnEdge], naming: DbtSettings) -> list[ColumnEdge]:
    return [
        ColumnEdge(_qualified(e.target, naming), _qualified(e.source, naming), e.transform)
        for e in edges
    ]


def _qualified(column: str, naming: DbtSettings) -> str:
    table, dot, name = column.rpartition(".")
    return f"{table_name(table, naming.target)}.{name}" if dot else column


def _mapped_error(parsed: StatementLineage, lines: tuple[int, ...]) -> tuple[str, int]:
    """The engine's error with its rendered line replaced by the source file's line."""
    message = parsed.error or ""
    found = ERROR_LINE.match(message)
    rendered = int(found.group(1)) if found else parsed.start_line
    line = _source_line(lines, rendered)
    rest = message[found.end() :] if found else f": {message}"
    return f"line {line}{rest}", line


def node_statement(
    node: DbtNode,
    dialect: str | None,
    settings: DbtSettings,
    schema: dict[str, dict[str, str]] | None = None,
) -> StatementLineage:
    """One dbt node as a statement: it writes its relation from its declared dependencies."""
    kind = f"CREATE {CREATE_KIND.get(node.materialized, 'TABLE')} AS"
    parsed: StatementLineage | None = None
    if node.sql.strip():
        sql = f"CREATE {kind.split()[1]} {node.relation} AS {node.sql}"
        script = extract_lineage(sql, dialect, schema or None)
        parsed = next(iter(script.statements), None)
    error = (
        f"line {node.error_line}: {node.error}" if node.error and node.error_line else node.error
    )
    line = node.error_line
    if error is None and parsed is not None and parsed.error:
        error, line = _mapped_error(parsed, node.source_lines)
    pairs = zip(node.source_lines, node.sql.split("\n"), strict=False)
    content = [number for number, text in pairs if text.strip()]
    start = content[0] if content else (line or 1)
    end = max(content[-1] if content else start, start)
    return StatementLineage(
        kind=parsed.kind if parsed is not None and not parsed.error else kind,
        targets=[node.relation],
        sources=list(node.depends_on),
        column_lineage=_edges(parsed.column_lineage, settings) if parsed else [],
        indirect_lineage=_edges(parsed.indirect_lineage, settings) if parsed else [],
        start_line=start,
        end_line=end,
        error=error,
        warnings=list(node.warnings),
        sql_text=node.sql[:MAX_STATEMENT_TEXT],
        text_truncated=len(node.sql) > MAX_STATEMENT_TEXT,
    )


def _normalised(lineage: ScriptLineage, settings: DbtSettings) -> ScriptLineage:
    """Hand-written names in the same form as dbt's (the target's database left implicit)."""
    if not settings.target.database:
        return lineage

    def fix(statement: StatementLineage) -> StatementLineage:
        return replace(
            statement,
            targets=[table_name(t, settings.target) for t in statement.targets],
            sources=[table_name(s, settings.target) for s in statement.sources],
            column_lineage=_edges(statement.column_lineage, settings),
            indirect_lineage=_edges(statement.indirect_lineage, settings),
        )

    return replace(lineage, statements=[fix(s) for s in lineage.statements])


def parse_file(
    path: str, text: str, dialect: str | None, context: DbtContext
) -> tuple[list[ParsedUnit], list[str]]:
    """The file's SQL units, parsed, and warnings about SQL that could not be read."""
    settings = context.settings
    project = context.project_of(path)
    if project is not None and (path.endswith(".sql") or context.graph(project).nodes_of(path)):
        return _dbt_units(project, path, dialect, context)
    if path.endswith(".py"):
        found, skipped = find_embedded_sql(text, path)
        units = [
            ParsedUnit(
                _normalised(extract_lineage(item.sql, item.dialect or dialect), settings),
                item.line - 1,
                item.dialect or dialect,
            )
            for item in found
        ]
        return units, [f"{path}:{s.line}: {s.reason}" for s in skipped]
    return [ParsedUnit(_normalised(extract_lineage(text, dialect), settings), 0, dialect)], []


def _dbt_units(
    project: DbtProject, path: str, dialect: str | None, context: DbtContext
) -> tuple[list[ParsedUnit], list[str]]:
    """A dbt file: its nodes as statements; macros, tests, analyses and build output give none."""
    graph = context.graph(project)
    if graph.error and project.kind_of(path) in ("model", "snapshot"):
        return [_failed_unit(graph.error)], []
    nodes = graph.nodes_of(path)
    if not nodes:
        return [], []
    schema = context.graph(project).known_columns()
    statements = [node_statement(n, dialect, context.settings, schema) for n in nodes]
    lineage = ScriptLineage(
        targets=[t for s in statements for t in s.targets],
        sources=[t for s in statements for t in s.sources],
        column_lineage=[e for s in statements for e in s.column_lineage],
        statements=statements,
        warnings=[w for s in statements for w in s.warnings],
    )
    warnings = [f"{path}: {w}" for s in statements for w in s.warnings]
    return [ParsedUnit(lineage, 0, dialect)], warnings


def dbt_project_records(context: DbtContext, repo_name: str) -> list[SourceRecords]:
    """The nodes of every project rendered in this sync, one source per project."""
    found = []
    for root, graph in sorted(context._graphs.items()):
        if graph.error:  # the last good nodes stay
            continue
        rows = [
            {
                "project": graph.project.name,
                "unique_id": node.unique_id,
                "resource_type": node.resource_type,
                "package": node.package,
                "name": node.name,
                "relation": node.relation,
                "path": node.path,
                "materialized": None if node.resource_type == "source" else node.materialized,
                "columns": list(node.columns),
                "depends_on": list(node.depends_on),
                "error": f"line {node.error_line}: {node.error}" if node.error else None,
                "warnings": list(node.warnings),
            }
            for node in graph.nodes
        ]
        key = dbt_project_key(repo_name, root)
        found.append(SourceRecords(key, "dbt_project", graph.project.name).add("dbt_nodes", rows))
    return found
