"""Typed reads of the published store for the export: SQL statements with their file and
column edges, Athena executions with theirs, SageMaker steps' inputs and outputs, schemas, PII
tags and bucket posture."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import column_parts, key_of
from lineage_assets.core.uris import normalize
from lineage_assets.sagemaker import runs
from lineage_assets.sagemaker.runs import ExecutionRow, StepRunRow


@dataclass(frozen=True)
class StatementRow:
    """One parsed statement of a SQL file from git, with where it is."""

    source_key: str
    repository: str
    repository_url: str
    path: str
    dialect: str | None
    commit_sha: str | None
    commit_time: datetime | None
    statement_index: int
    statement_count: int
    kind: str | None
    start_line: int | None
    targets: tuple[str, ...]
    sources: tuple[str, ...]
    sql_text: str | None


@dataclass(frozen=True)
class ColumnEdgeRow:
    """One column edge of a statement (`target_column` is `*` for whole-table edges)."""

    source_table: str | None
    source_column: str
    target_table: str
    target_column: str
    transform: str | None
    is_indirect: bool


@dataclass(frozen=True)
class StepIoRow:
    """A step's input or output location, declared by the definition or observed in a run."""

    step: str
    direction: str
    uri: str
    data_kind: str | None
    execution_arn: str | None


@dataclass(frozen=True)
class ModelPackageRow:
    arn: str
    execution_arn: str | None
    step: str | None


@dataclass(frozen=True)
class FeatureGroupRow:
    region: str
    name: str
    arn: str | None
    data_uri: str | None
    features: tuple[tuple[str, str | None], ...]
    glue_database: str | None = None
    glue_table: str | None = None


@dataclass(frozen=True)
class AthenaExecutionRow:
    """One Athena query execution that read or wrote something, as the crawl recorded it."""

    query_node: str
    execution_id: str
    account_id: str
    region: str
    workgroup: str
    state: str | None
    submitted_at: datetime | None
    completed_at: datetime | None
    engine_version: str | None
    query_text: str | None
    kinds: tuple[str, ...]
    targets: tuple[str, ...]
    sources: tuple[str, ...]
    error: str | None
    dialect: str = "athena"


def athena_executions(conn: duckdb.DuckDBPyConnection) -> list[AthenaExecutionRow]:
    """Every execution with a table or location read or written, oldest first."""
    rows = conn.execute(
        "SELECT query_node, execution_id, account_id, region, workgroup, state, submitted_at, "
        "completed_at, engine_version, query_text, coalesce(statement_kinds, []), "
        "coalesce(targets, []), coalesce(sources, []), error FROM athena_executions "
        "WHERE len(coalesce(targets, [])) + len(coalesce(sources, [])) > 0 "
        "ORDER BY submitted_at, query_node"
    ).fetchall()
    names = [f.name for f in fields(AthenaExecutionRow) if f.name != "dialect"]
    found = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for listed in ("kinds", "targets", "sources"):
            values[listed] = tuple(values[listed])
        found.append(AthenaExecutionRow(**values))
    return found


def athena_column_edges(conn: duckdb.DuckDBPyConnection) -> dict[str, list[ColumnEdgeRow]]:
    """An execution's query node → its column edges."""
    found: dict[str, list[ColumnEdgeRow]] = defaultdict(list)
    for node, *rest in conn.execute(
        "SELECT query_node, source_table, source_column, target_table, target_column, "
        "transform, coalesce(is_indirect, false) FROM athena_column_edges ORDER BY ALL"
    ).fetchall():
        found[node].append(ColumnEdgeRow(*rest))
    return found


def statements(conn: duckdb.DuckDBPyConnection) -> list[StatementRow]:
    """Every statement that parsed, in file and statement order."""
    rows = conn.execute(
        "SELECT s.source_key, f.repo, f.path, f.dialect, f.commit_sha, f.commit_time, "
        "s.statement_index, coalesce(f.statement_count, 1), s.kind, s.start_line, "
        "coalesce(s.targets, []), coalesce(s.sources, []), s.sql_text "
        "FROM sql_statements s JOIN sql_files f USING (source_key) "
        "WHERE s.error IS NULL ORDER BY s.source_key, s.statement_index"
    ).fetchall()
    found = []
    for key, repo_url, path, dialect, sha, when, index, count, kind, line, tgt, src, text in rows:
        repository = key.removeprefix("sql:").removesuffix(f"/{path}") or "sql"
        found.append(
            StatementRow(
                key,
                repository,
                repo_url or "",
                path,
                dialect,
                sha,
                when,
                index,
                count,
                kind,
                line,
                tuple(tgt),
                tuple(src),
                text,
            )
        )
    return found


def column_edges(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], list[ColumnEdgeRow]]:
    """(source key, statement index) → its column edges."""
    found: dict[tuple[str, int], list[ColumnEdgeRow]] = defaultdict(list)
    for key, index, *rest in conn.execute(
        "SELECT source_key, statement_index, source_table, source_column, target_table, "
        "target_column, transform, coalesce(is_indirect, false) FROM column_edges "
        "ORDER BY ALL"
    ).fetchall():
        found[(key, index)].append(ColumnEdgeRow(*rest))
    return found


def table_columns(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Table → columns the SQL writes or dbt declares, in first-seen order."""
    found: dict[str, dict[str, None]] = defaultdict(dict)
    for table, column in conn.execute(
        "SELECT target_table, target_column FROM column_edges WHERE target_column <> '*' "
        "ORDER BY source_key, statement_index, target_column"
    ).fetchall():
        found[table][column] = None
    for relation, columns in conn.execute(
        "SELECT relation, columns FROM dbt_nodes WHERE columns IS NOT NULL ORDER BY relation"
    ).fetchall():
        for column in columns:
            found[relation].setdefault(column, None)
    return {table: list(columns) for table, columns in found.items()}


def table_locations(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str | None]]]:
    """Normalized location → (table, dialect) of every table whose LOCATION it is."""
    found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for uri, table, dialect in conn.execute(
        "SELECT DISTINCT l.location_uri, l.table_name, f.dialect FROM table_locations l "
        "LEFT JOIN sql_files f USING (source_key) WHERE l.direction = 'location' ORDER BY ALL"
    ).fetchall():
        found[normalize(uri)].append((table, dialect))
    return found


def location_matches(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Table → (its storage location, column) pairs the graph matched by LOCATION."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for table_column, data_column in conn.execute(
        "SELECT source_node, target_node FROM inferred_edges WHERE edge_kind = 'column_match' "
        "AND reason = 'location' AND starts_with(source_node, 'column:') "
        "AND NOT contains(source_node, '://') ORDER BY ALL"
    ).fetchall():
        table, _, column = (key_of(table_column, NodeKind.COLUMN) or "").rpartition(".")
        location, _, _ = (key_of(data_column, NodeKind.COLUMN) or "").rpartition("#")
        found[table].append((normalize(location), column))
    return found


def feature_groups(conn: duckdb.DuckDBPyConnection) -> list[FeatureGroupRow]:
    columns: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for key, group, name, kind in conn.execute(
        "SELECT source_key, feature_group_name, feature_name, feature_type FROM features "
        "ORDER BY ALL"
    ).fetchall():
        columns[(key, group)].append((name, kind))
    return [
        FeatureGroupRow(region, name, arn, uri, tuple(columns.get((key, name), ())), db, table)
        for key, region, name, arn, uri, db, table in conn.execute(
            "SELECT source_key, region, feature_group_name, feature_group_arn, "
            "coalesce(resolved_offline_uri, offline_store_uri), glue_database, glue_table "
            "FROM feature_groups ORDER BY ALL"
        ).fetchall()
    ]


def pii_by_owner(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, set[str]]]:
    """Owner (a table name, or a normalized location) → column → PII classes."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for owner, column, cls in conn.execute(
        "SELECT owner_node, column_node, pii_class FROM pii_tags"
    ).fetchall():
        name = column_parts(column)[1]
        if (uri := key_of(owner, NodeKind.DATA)) is not None:
            found[normalize(uri)][name].add(cls)
        elif (table := key_of(owner, NodeKind.TABLE)) is not None:
            found[table][name].add(cls)
    return found


def storage_schemas(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str | None]]]:
    """Normalized location → its latest sampled schema's columns (name, type)."""
    found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for uri, column, kind in conn.execute(
        "SELECT d.dataset_uri, c.column_path, c.column_type FROM s3_datasets d "
        "JOIN s3_schema_columns c "
        "ON c.dataset_uri = d.dataset_uri AND c.version = d.schema_version "
        "ORDER BY d.dataset_uri, c.column_path"
    ).fetchall():
        found[normalize(uri)].append((column, kind))
    return found


def buckets(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Bucket → posture (encryption, versioning, public access, checked at) and tags."""
    found = {}
    for bucket, region, encryption, versioning, public, tags, checked in conn.execute(
        "SELECT bucket, region, encryption, versioning, public_access, CAST(tags AS VARCHAR), "
        "checked_at FROM s3_buckets ORDER BY bucket"
    ).fetchall():
        try:
            parsed = json.loads(tags) if tags else {}
        except ValueError:
            parsed = {}
        found[bucket] = {
            "name": bucket,
            "region": region,
            "encryption": encryption,
            "versioning": versioning,
            "publicAccess": public,
            "checkedAt": checked.isoformat() if isinstance(checked, datetime) else None,
            "tags": parsed if isinstance(parsed, dict) else {},
        }
    return found


@dataclass
class PipelineRows:
    """Every pipeline's rows the step events need, each table read once for all pipelines."""

    io: dict[str, list[StepIoRow]]
    packages: dict[str, list[ModelPackageRow]]
    steps: dict[str, dict[str, str | None]]
    executions: dict[str, list[ExecutionRow]]
    step_runs: dict[tuple[str, str], list[StepRunRow]]
    queries: dict[str, dict[str, list[str]]]
    through: dict[str, dict[str, list[tuple[str, str, str, str]]]]


def _grouped(rows: list[tuple], make: Any) -> dict[str, list]:
    found: dict[str, list] = defaultdict(list)
    for key, *rest in rows:
        found[key].append(make(*rest))
    return found


def pipeline_rows(conn: duckdb.DuckDBPyConnection) -> PipelineRows:
    """Step inputs/outputs, model packages, steps, executions and step runs of every pipeline
    (by source key); its query edges and through-step column matches (by
    `account/region/pipeline`)."""
    io = _grouped(
        conn.execute(
            "SELECT source_key, step_name, direction, uri, data_kind, execution_arn "
            "FROM sagemaker_step_io WHERE uri IS NOT NULL ORDER BY ALL"
        ).fetchall(),
        StepIoRow,
    )
    packages = _grouped(
        conn.execute(
            "SELECT source_key, model_package_arn, execution_arn, step_name "
            "FROM sagemaker_model_packages ORDER BY ALL"
        ).fetchall(),
        ModelPackageRow,
    )
    steps: dict[str, dict[str, str | None]] = defaultdict(dict)
    for key, step, kind in conn.execute(
        "SELECT DISTINCT s.source_key, s.step_name, s.step_type FROM sagemaker_steps s "
        "JOIN sagemaker_pipelines p USING (source_key) "
        "WHERE s.definition_hash IS NOT DISTINCT FROM p.definition_hash ORDER BY ALL"
    ).fetchall():
        steps[key][step] = kind
    executions = runs.executions_by_pipeline(conn)
    step_runs = runs.step_runs_by_execution(conn)
    queries: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for table, step in conn.execute(
        "SELECT DISTINCT source_node, target_node FROM lineage_edge_index "
        "WHERE edge_kind = 'query' AND starts_with(target_node, 'step:') ORDER BY ALL"
    ).fetchall():
        scope, _, name = (key_of(step, NodeKind.STEP) or "").rpartition("/")
        queries[scope][name].append(key_of(table, NodeKind.TABLE) or table)
    through: dict[str, dict[str, list[tuple[str, str, str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for source, target, reason in conn.execute(
        "SELECT source_node, target_node, reason FROM inferred_edges "
        "WHERE edge_kind = 'column_match' AND starts_with(reason, 'through step:') ORDER BY ALL"
    ).fetchall():
        scope, _, step = reason.removeprefix("through step:").rpartition("/")
        source_location, _, source_column = (key_of(source, NodeKind.COLUMN) or "").rpartition("#")
        target_location, _, target_column = (key_of(target, NodeKind.COLUMN) or "").rpartition("#")
        if source_location and target_location:
            through[scope][step].append(
                (
                    normalize(source_location),
                    source_column,
                    normalize(target_location),
                    target_column,
                )
            )
    return PipelineRows(io, packages, steps, executions, step_runs, queries, through)
