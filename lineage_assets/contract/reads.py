"""Parameterised read-backs the contract is assembled from: one pipeline, one execution, and
the datasets, buckets, PII and SQL its steps touch. Read-only; every query names its table."""

from __future__ import annotations

import difflib
import heapq
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import column_parts, data_node, key_of, step_prefix, table_node
from lineage_assets.core.uris import normalize
from lineage_assets.sagemaker.bounds import definition_text
from lineage_assets.sagemaker.runs import ExecutionRow
from lineage_assets.store.views import json_column

CLOSE_MATCHES = 5
# difflib compares in Python: of many known names only these many are compared, and a name
# longer than any stored one is not compared at all, so a miss costs milliseconds.
MAX_COMPARED_NAMES = 200
MAX_COMPARED_CHARS = 4096


def _nearness(name: str, other: str) -> tuple[int, int]:
    """Sort key, nearest first: the longer the shared prefix, then the closer the length."""
    shared = len(os.path.commonprefix((name, other)))  # noqa: RUF071 (characters, not paths)
    return -shared, abs(len(other) - len(name))


def close_matches(name: str, known: Iterable[str]) -> list[str]:
    """The known names closest to `name` in any case (difflib's ratio ≥ 0.5 on case-folded
    names, best first), each spelled as stored. Of many, only those sharing the longest
    prefix with it, then nearest in length, are compared."""
    if len(name) > MAX_COMPARED_CHARS:
        return []
    spellings: dict[str, list[str]] = defaultdict(list)
    for candidate in dict.fromkeys(known):
        spellings[candidate.casefold()].append(candidate)
    wanted = name.casefold()
    candidates = list(spellings)
    if len(candidates) > MAX_COMPARED_NAMES:
        candidates = heapq.nsmallest(
            MAX_COMPARED_NAMES, candidates, key=lambda c: _nearness(wanted, c)
        )
    best = difflib.get_close_matches(wanted, candidates, n=CLOSE_MATCHES, cutoff=0.5)
    return [spelled for folded in best for spelled in spellings[folded]][:CLOSE_MATCHES]


class UnknownName(LookupError):
    """A pipeline, execution, node or snapshot the store does not know, with close matches
    (the one lookup miss of the API's 404 and the CLI's error line)."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        self.matches = close_matches(name, known)
        hint = f"; close matches: {', '.join(self.matches)}" if self.matches else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")


class AmbiguousName(LookupError):
    """A name the store holds in several regions (or accounts), asked for without one (the
    API's 409): answering with one of them would be a silent guess."""

    def __init__(self, kind: str, name: str, regions: Iterable[str], give: str = "region") -> None:
        self.kind, self.name, self.regions = kind, name, sorted(regions)
        super().__init__(f"{kind} {name!r} is in {', '.join(self.regions)}: give {give}")


def iso(value: Any) -> str | None:
    """ISO-8601 text of a timestamp, or None."""
    return value.isoformat() if isinstance(value, datetime) else None


@dataclass(frozen=True)
class PipelineRow:
    """The current state of one crawled pipeline."""

    source_key: str
    account_id: str
    region: str
    name: str
    arn: str | None
    display_name: str | None
    last_modified: datetime | None
    domain_id: str | None
    domain_name: str | None
    tags: dict[str, str]
    definition_hash: str | None


_PIPELINE_SELECT = (
    "SELECT source_key, account_id, region, pipeline_name, pipeline_arn, display_name, "
    "last_modified_at, "
    "domain_id, domain_name, CAST(tags AS VARCHAR), definition_hash FROM sagemaker_pipelines "
)


def _pipeline(row: tuple) -> PipelineRow:
    """A `_PIPELINE_SELECT` row as a `PipelineRow` (tags read from their JSON text)."""
    read = PipelineRow(*row)
    tags = json_column(read.tags)
    return replace(read, tags=tags if isinstance(tags, dict) else {})


def pipelines(conn: duckdb.DuckDBPyConnection) -> list[PipelineRow]:
    """Every crawled pipeline, by region then name."""
    rows = conn.execute(_PIPELINE_SELECT + "ORDER BY region, pipeline_name, account_id").fetchall()
    return [_pipeline(row) for row in rows]


def pipeline_by_key(conn: duckdb.DuckDBPyConnection, source_key: str) -> PipelineRow | None:
    """The crawled pipeline stored under a source key, or None."""
    row = conn.execute(_PIPELINE_SELECT + "WHERE source_key = ? LIMIT 1", [source_key]).fetchone()
    return _pipeline(row) if row else None


def find_pipeline(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    region: str | None = None,
    account_id: str | None = None,
) -> PipelineRow:
    """The pipeline of that name (in that region, of that account); UnknownName with close
    matches if none, AmbiguousName if several regions (or accounts in one region) hold it."""
    rows = conn.execute(
        _PIPELINE_SELECT + "WHERE pipeline_name = ? AND (? IS NULL OR region = ?) "
        "AND (? IS NULL OR account_id = ?) ORDER BY region, account_id",
        [name, region, region, account_id, account_id],
    ).fetchall()
    regions = {row[2] for row in rows}
    if len(regions) > 1:
        raise AmbiguousName("pipeline", name, regions)
    if len(rows) > 1:  # one region, several accounts
        raise AmbiguousName("pipeline", name, [f"{row[1]}/{row[2]}" for row in rows], "account")
    if rows:
        return _pipeline(rows[0])
    known = conn.execute(
        "SELECT DISTINCT pipeline_name FROM sagemaker_pipelines WHERE ? IS NULL OR region = ?",
        [region, region],
    ).fetchall()
    where = f" in {region}" if region else ""
    raise UnknownName(f"pipeline{where}", name, [n for (n,) in known])


def definition(
    conn: duckdb.DuckDBPyConnection, pipeline_arn: str | None, digest: str | None
) -> str | None:
    """The definition JSON text a pipeline had under that hash."""
    row = conn.execute(
        "SELECT CAST(definition AS VARCHAR) FROM sagemaker_pipeline_versions "
        "WHERE pipeline_arn = ? AND definition_hash = ? LIMIT 1",
        [pipeline_arn, digest],
    ).fetchone()
    return definition_text(row[0]) if row else None


def find_execution(found: list[ExecutionRow], wanted: str) -> ExecutionRow:
    """An execution by ARN or id; UnknownName with close matches if none."""
    for run in found:
        if wanted in (run.arn, run.execution_id):
            return run
    raise UnknownName("execution", wanted, [r.execution_id or r.arn for r in found])


def execution_parameters(
    conn: duckdb.DuckDBPyConnection, source_key: str, execution_arn: str
) -> dict[str, str]:
    """The parameter values passed to an execution (overrides only; defaults fill the rest)."""
    rows = conn.execute(
        "SELECT name, value FROM sagemaker_execution_parameters "
        "WHERE source_key = ? AND execution_arn = ? AND is_override ORDER BY name",
        [source_key, execution_arn],
    ).fetchall()
    return {name: value for name, value in rows if value is not None}


def feature_store_uris(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, str]:
    """Feature group name → the offline-store URI its data really lands in, in one account
    and region (a pipeline names a feature group of its own account and region)."""
    rows = conn.execute(
        "SELECT feature_group_name, coalesce(resolved_offline_uri, offline_store_uri) "
        "FROM feature_groups WHERE account_id = ? AND region = ? AND "
        "coalesce(resolved_offline_uri, offline_store_uri) IS NOT NULL ORDER BY ALL",
        [account_id, region],
    ).fetchall()
    return dict(rows)


def offline_store_aliases(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, tuple[str, str]]:
    """Normalized configured offline-store URI → (resolved URI, feature group) of one account
    and region: reading the configured prefix reads the group's offline data, so both name
    one dataset."""
    rows = conn.execute(
        "SELECT offline_store_uri, resolved_offline_uri, feature_group_name FROM feature_groups "
        "WHERE account_id = ? AND region = ? AND offline_store_uri IS NOT NULL "
        "AND resolved_offline_uri IS NOT NULL ORDER BY ALL",
        [account_id, region],
    ).fetchall()
    return {normalize(configured): (resolved, name) for configured, resolved, name in rows}


def model_packages(
    conn: duckdb.DuckDBPyConnection, arns: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Model packages by ARN: group, version, approval, model data."""
    wanted = sorted(set(arns))
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT model_package_arn, group_name, version, approval_status, model_data_url "
        "FROM sagemaker_model_packages WHERE list_contains(?, model_package_arn)",
        [wanted],
    ).fetchall()
    return {
        arn: {"group": group, "version": version, "approval": approval, "modelDataUrl": url}
        for arn, group, version, approval, url in rows
    }


def buckets(conn: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Bucket posture rows by bucket name."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT bucket, region, encryption, kms_key_id, versioning, public_access, "
        "CAST(tags AS VARCHAR), checked_at FROM s3_buckets WHERE list_contains(?, bucket)",
        [wanted],
    ).fetchall()
    found = {}
    for bucket, region, encryption, kms, versioning, public, tags, checked in rows:
        parsed = json_column(tags)
        found[bucket] = {
            "region": region,
            "encryption": encryption,
            "kmsKeyId": kms,
            "versioning": versioning,
            "publicAccess": public,
            "tags": parsed if isinstance(parsed, dict) else {},
            "checkedAt": iso(checked),
        }
    return found


def pii_by_location(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, set[str]]]:
    """Normalized data location → column → PII classes (propagated tags)."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for owner, column, cls in conn.execute(
        "SELECT owner_node, column_node, pii_class FROM pii_tags WHERE starts_with(owner_node, ?)",
        [data_node("")],
    ).fetchall():
        found[normalize(key_of(owner, NodeKind.DATA) or "")][column_parts(column)[1]].add(cls)
    return found


def schemas_by_location(
    conn: duckdb.DuckDBPyConnection, locations: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Normalized data location → its latest sampled schema (version and columns)."""
    wanted = set(locations)
    if not wanted:
        return {}
    found: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        "SELECT d.dataset_uri, d.schema_version, d.format, c.column_path, c.column_type "
        "FROM s3_datasets d LEFT JOIN s3_schema_columns c "
        "ON c.dataset_uri = d.dataset_uri AND c.version = d.schema_version "
        "WHERE d.schema_version IS NOT NULL ORDER BY d.dataset_uri, c.column_path"
    ).fetchall()
    for uri, version, fmt, column, kind in rows:
        location = normalize(uri)
        if location not in wanted:
            continue
        entry = found.setdefault(location, {"version": version, "format": fmt, "columns": []})
        if column is not None:
            entry["columns"].append({"name": column, "type": kind})
    return found


def step_queries(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str, pipeline: str
) -> dict[str, list[str]]:
    """Step → tables its Athena/Redshift query reads (the graph's `query` edges)."""
    found: dict[str, list[str]] = defaultdict(list)
    for table, step in conn.execute(
        "SELECT DISTINCT source_node, target_node FROM lineage_edge_index "
        "WHERE edge_kind = 'query' AND starts_with(target_node, ?) ORDER BY ALL",
        [step_prefix(account_id, region, pipeline)],
    ).fetchall():
        found[step.rsplit("/", 1)[-1]].append(key_of(table, NodeKind.TABLE) or table)
    return found


def sql_definitions(
    conn: duckdb.DuckDBPyConnection, tables: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Table → the SQL files (file, line, commit) whose statements write it."""
    wanted = sorted({table_node(t) for t in tables})
    if not wanted:
        return {}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for target, location, commit in conn.execute(
        "SELECT DISTINCT target_node, location, commit_sha FROM lineage_edges "
        "WHERE provenance = 'parsed' AND list_contains(?, target_node) "
        "AND NOT starts_with(source_node, 'column:') ORDER BY ALL",
        [wanted],
    ).fetchall():
        path, _, line = (location or "").rpartition(":")
        entry = {
            "file": path or location,
            "line": int(line) if line.isdigit() else None,
            "commit": commit,
        }
        table = key_of(target, NodeKind.TABLE) or target
        if entry not in found[table]:
            found[table].append(entry)
    return found


def domain(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str, domain_id: str | None
) -> dict[str, Any]:
    """The Studio domain (of the pipeline's account and region) in the original's
    DescribeDomain key names, or {}."""
    if not domain_id:
        return {}
    row = conn.execute(
        "SELECT domain_arn, domain_id, domain_name, status, created_at, url FROM sagemaker_domains "
        "WHERE account_id = ? AND region = ? AND domain_id = ? LIMIT 1",
        [account_id, region, domain_id],
    ).fetchone()
    if row is None:
        return {}
    arn, ident, name, status, created, url = row
    return {
        "DomainArn": arn,
        "DomainId": ident,
        "DomainName": name,
        "Status": status,
        "CreationTime": iso(created),
        "Url": url,
    }
