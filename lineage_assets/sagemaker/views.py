"""Typed reads of the SageMaker tables (parameterised queries): the crawl state an incremental
crawl starts from, and one pipeline's definition, steps, statuses and warnings for Dagster
metadata and the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from lineage_assets.sagemaker.bounds import definition_text
from lineage_assets.sagemaker.fetch import PipelineState
from lineage_assets.sagemaker.inventory import (
    DOMAINS_KIND,
    PIPELINE_KIND,
    REGION_KIND,
    pipeline_source_key,
)
from lineage_assets.sagemaker.reports import Report


def stored_pipeline_keys(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> list[str]:
    """Pipeline source keys the store holds for an account's region."""
    rows = conn.execute(
        "SELECT source_key FROM sources WHERE source_kind = ? AND starts_with(source_key, ?)",
        [PIPELINE_KIND, pipeline_source_key(account_id, region, "")],
    ).fetchall()
    return [key for (key,) in rows]


def load_states(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, PipelineState]:
    """The last crawl's definition hash, executions, finished jobs and their report metrics
    of every stored pipeline of an account's region, keyed by source key (four queries).

    A pipeline whose input queries were stored without their parsed tables (written before
    the store kept them) has no hash, so the next crawl writes it again."""
    prefix = pipeline_source_key(account_id, region, "")
    hashes = conn.execute(
        "SELECT p.source_key, CASE WHEN q.source_key IS NULL THEN p.definition_hash END "
        "FROM sagemaker_pipelines p LEFT JOIN ("
        "  SELECT DISTINCT source_key FROM sagemaker_step_io "
        "  WHERE starts_with(source_key, ?) AND query_string IS NOT NULL "
        "  AND source_key NOT IN (SELECT source_key FROM sagemaker_step_queries)"
        ") q USING (source_key) WHERE starts_with(p.source_key, ?)",
        [prefix, prefix],
    ).fetchall()
    executions: dict[str, dict[str, str]] = {}
    for key, arn, status in conn.execute(
        "SELECT source_key, execution_arn, status FROM sagemaker_executions "
        "WHERE starts_with(source_key, ?)",
        [prefix],
    ).fetchall():
        executions.setdefault(key, {})[arn] = status
    jobs: dict[str, dict[str, Any]] = {}
    for key, arn, text in conn.execute(
        "SELECT source_key, job_arn, description FROM sagemaker_jobs "
        "WHERE starts_with(source_key, ?) AND status IN ('Completed', 'Failed', 'Stopped')",
        [prefix],
    ).fetchall():
        if text:
            jobs.setdefault(key, {})[arn] = json.loads(text)
    reports: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for key, arn, origin, name, value in conn.execute(
        "SELECT m.source_key, m.job_arn, m.origin, m.metric_name, m.value "
        "FROM sagemaker_job_metrics m JOIN sagemaker_jobs j USING (source_key, job_arn) "
        "WHERE starts_with(m.source_key, ?) AND starts_with(m.origin, 'report:') "
        "AND j.status IN ('Completed', 'Failed', 'Stopped')",
        [prefix],
    ).fetchall():
        reports.setdefault(key, {}).setdefault(arn, {}).setdefault(origin, {})[name] = value
    return {
        key: PipelineState(
            digest,
            executions.get(key, {}),
            jobs.get(key, {}),
            {
                arn: tuple(
                    Report(arn, "", origin.removeprefix("report:"), metrics)
                    for origin, metrics in by_origin.items()
                )
                for arn, by_origin in reports.get(key, {}).items()
            },
        )
        for key, digest in hashes
    }


@dataclass(frozen=True)
class PipelineOverview:
    """One stored pipeline: where it is, its domain, its source's status and latest run's."""

    region: str
    pipeline: str
    domain: str | None
    source_status: str
    latest_execution: str | None


def pipeline_overview(conn: duckdb.DuckDBPyConnection) -> list[PipelineOverview]:
    """Every stored pipeline, by region and name."""
    rows = conn.execute(
        "SELECT p.region, p.pipeline_name, p.domain_name, s.status, "
        "(SELECT e.status FROM sagemaker_executions e WHERE e.source_key = p.source_key "
        " ORDER BY e.started_at DESC NULLS LAST LIMIT 1) "
        "FROM sagemaker_pipelines p JOIN sources s USING (source_key) ORDER BY 1, 2"
    ).fetchall()
    return [PipelineOverview(*row) for row in rows]


def pipeline_keys(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The source key of every stored pipeline, sorted."""
    rows = conn.execute("SELECT source_key FROM sagemaker_pipelines ORDER BY source_key").fetchall()
    return [key for (key,) in rows]


@dataclass(frozen=True)
class StoredWarning:
    """One warning the last crawl of a pipeline stored (`execution_arn` None: the definition's)."""

    source_key: str
    execution_arn: str | None
    code: str
    message: str


def pipeline_warnings(conn: duckdb.DuckDBPyConnection) -> list[StoredWarning]:
    """The stored warnings of every pipeline, by pipeline, execution (definition first), code."""
    rows = conn.execute(
        "SELECT source_key, execution_arn, code, message FROM sagemaker_pipeline_warnings "
        "ORDER BY source_key, execution_arn NULLS FIRST, code, message"
    ).fetchall()
    return [StoredWarning(*row) for row in rows]


def pipeline_regions(conn: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The regions holding a pipeline of that name, sorted."""
    rows = conn.execute(
        "SELECT DISTINCT region FROM sagemaker_pipelines WHERE pipeline_name = ? ORDER BY 1",
        [name],
    ).fetchall()
    return [region for (region,) in rows]


def stored_definition(conn: duckdb.DuckDBPyConnection, source_key: str) -> str | None:
    """The current definition JSON of a crawled pipeline, or None if never crawled."""
    row = conn.execute(
        "SELECT CAST(v.definition AS VARCHAR) FROM sagemaker_pipelines p "
        "JOIN sagemaker_pipeline_versions v USING (pipeline_arn, definition_hash) "
        "WHERE p.source_key = ? LIMIT 1",
        [source_key],
    ).fetchone()
    return definition_text(row[0]) if row else None


def step_table(conn: duckdb.DuckDBPyConnection, source_key: str) -> list[dict[str, Any]]:
    """Each step of the current definition with its status in the latest execution."""
    rows = conn.execute(
        "SELECT s.step_name, s.step_type, s.parent_step, r.status, r.cache_source_execution_arn, "
        "r.failure_reason FROM sagemaker_steps s "
        "JOIN sagemaker_pipelines p ON p.source_key = s.source_key "
        "AND p.definition_hash = s.definition_hash "
        "LEFT JOIN sagemaker_step_runs r ON r.source_key = s.source_key "
        "AND r.step_name = s.step_name AND r.execution_arn = (SELECT execution_arn "
        "FROM sagemaker_executions WHERE source_key = ? "
        "ORDER BY started_at DESC NULLS LAST LIMIT 1) "
        "WHERE s.source_key = ? ORDER BY s.step_name",
        [source_key, source_key],
    ).fetchall()
    return [
        {
            "step": name,
            "type": kind,
            "branch_of": parent,
            "latest_status": status or "NotRun",
            "cached": bool(cache),
            "failure_reason": (reason or "")[:200],
        }
        for name, kind, parent, status, cache, reason in rows
    ]


def status_counts(conn: duckdb.DuckDBPyConnection, source_key: str) -> dict[str, int]:
    """Step status counts of the latest execution (empty when it never ran)."""
    rows = conn.execute(
        "SELECT status, count(*) FROM sagemaker_step_runs "
        "WHERE source_key = ? AND execution_arn = (SELECT execution_arn "
        "FROM sagemaker_executions WHERE source_key = ? "
        "ORDER BY started_at DESC NULLS LAST LIMIT 1) GROUP BY status",
        [source_key, source_key],
    ).fetchall()
    return {str(status): count for status, count in rows}


def stored_warnings(conn: duckdb.DuckDBPyConnection, source_key: str) -> list[dict[str, Any]]:
    """The warnings the last crawl of a pipeline stored (definition, executions, reports)."""
    rows = conn.execute(
        "SELECT execution_arn, code, message FROM sagemaker_pipeline_warnings "
        "WHERE source_key = ? ORDER BY execution_arn NULLS FIRST, code, message",
        [source_key],
    ).fetchall()
    return [{"execution": arn, "code": code, "message": message} for arn, code, message in rows]


def warning_lines(
    conn: duckdb.DuckDBPyConnection, source_keys: list[str] | None = None, limit: int = 200
) -> list[str]:
    """`<region>/<pipeline>: <code>: <message>` for the stored warnings of some pipelines (all
    when None), at most `limit` lines plus one saying how many more there are."""
    rows = conn.execute(
        "SELECT source_key, execution_arn, code, message FROM sagemaker_pipeline_warnings "
        "WHERE ? IS NULL OR list_contains(?, source_key) "
        "ORDER BY source_key, execution_arn NULLS FIRST, code, message",
        [source_keys, source_keys],
    ).fetchall()
    lines = [
        f"{key.removeprefix('sagemaker:')}: {code}: {message}"
        + (f" (execution {arn.rsplit('/', 1)[-1]})" if arn else "")
        for key, arn, code, message in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more in sagemaker_pipeline_warnings")
    return lines


MAX_REGION_ERROR_CHARS = 500


def failed_regions(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """`<account>/<region>` → the error of its last listing, for each region whose last
    listing failed after its last good one (its pipelines stay, stale). A region listed
    fine since is not failed: the failure row stays, older than the domains' success."""
    rows = conn.execute(
        "SELECT r.place, r.last_error FROM ("
        "SELECT *, substr(source_key, length(?) + 1) AS place FROM sources WHERE source_kind = ?"
        ") r LEFT JOIN sources d ON d.source_key = ? || r.place "
        "WHERE r.status IN ('failed', 'stale') "
        "AND (d.last_success_at IS NULL OR r.last_attempt_at > d.last_success_at) "
        "ORDER BY r.place",
        [f"{REGION_KIND}:", REGION_KIND, f"{DOMAINS_KIND}:"],
    ).fetchall()
    return {
        key: " ".join((error or "listing failed").split())[:MAX_REGION_ERROR_CHARS]
        for key, error in rows
    }
