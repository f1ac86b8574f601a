"""Typed reads of crawled SageMaker runs: a pipeline's executions and the steps each ran, for
one execution with its jobs' details and metrics, or for every execution at once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets.store.views import json_column


@dataclass(frozen=True)
class ExecutionRow:
    """One execution of a pipeline, with the definition it ran."""

    arn: str
    execution_id: str | None
    status: str | None
    started_at: datetime | None
    definition_hash: str | None
    failure_reason: str | None
    display_name: str | None


@dataclass(frozen=True)
class StepRunRow:
    """One step of one execution: its status, times and failure."""

    step: str
    status: str | None
    started_at: datetime | None
    ended_at: datetime | None
    failure_reason: str | None


@dataclass(frozen=True)
class StepRunDetail(StepRunRow):
    """A step run with its cache source, job, registered model package, attempts, step
    metadata, job description and the job's metrics and evaluation report."""

    cache_source: str | None
    job_arn: str | None
    job_name: str | None
    model_package_arn: str | None
    attempt_count: int | None
    metadata: dict[str, Any]
    description: dict[str, Any] | None
    metrics: dict[str, float] = field(default_factory=dict)
    report: str | None = None


_EXECUTION_COLUMNS = (
    "execution_arn, execution_id, status, started_at, definition_hash, failure_reason, display_name"
)


def executions(conn: duckdb.DuckDBPyConnection, source_key: str) -> list[ExecutionRow]:
    """A pipeline's executions, newest first."""
    rows = conn.execute(
        f"SELECT {_EXECUTION_COLUMNS} FROM sagemaker_executions WHERE source_key = ? "  # noqa: S608 (fixed columns)
        "ORDER BY started_at DESC NULLS LAST, execution_arn",
        [source_key],
    ).fetchall()
    return [ExecutionRow(*row) for row in rows]


def executions_by_pipeline(conn: duckdb.DuckDBPyConnection) -> dict[str, list[ExecutionRow]]:
    """Source key → that pipeline's executions, newest first, for every pipeline at once."""
    found: dict[str, list[ExecutionRow]] = defaultdict(list)
    for key, *row in conn.execute(
        f"SELECT source_key, {_EXECUTION_COLUMNS} FROM sagemaker_executions "  # noqa: S608 (fixed columns)
        "ORDER BY source_key, started_at DESC NULLS LAST, execution_arn"
    ).fetchall():
        found[key].append(ExecutionRow(*row))
    return found


def step_runs_by_execution(
    conn: duckdb.DuckDBPyConnection,
) -> dict[tuple[str, str], list[StepRunRow]]:
    """(source key, execution ARN) → the steps it ran, by step name, for every execution."""
    found: dict[tuple[str, str], list[StepRunRow]] = defaultdict(list)
    for key, arn, *row in conn.execute(
        "SELECT source_key, execution_arn, step_name, status, started_at, ended_at, "
        "failure_reason FROM sagemaker_step_runs ORDER BY source_key, execution_arn, step_name"
    ).fetchall():
        found[(key, arn)].append(StepRunRow(*row))
    return found


def step_run_details(
    conn: duckdb.DuckDBPyConnection, source_key: str, execution_arn: str
) -> dict[str, StepRunDetail]:
    """Step name → each step of one execution with its job's description and metrics."""
    rows = conn.execute(
        "SELECT r.step_name, r.status, r.started_at, r.ended_at, r.failure_reason, "
        "r.cache_source_execution_arn, r.job_arn, j.job_name, r.model_package_arn, "
        "r.attempt_count, CAST(r.metadata AS VARCHAR), CAST(j.description AS VARCHAR) "
        "FROM sagemaker_step_runs r LEFT JOIN sagemaker_jobs j "
        "ON j.source_key = r.source_key AND j.job_arn = lower(r.job_arn) "
        "WHERE r.source_key = ? AND r.execution_arn = ? ORDER BY r.step_name",
        [source_key, execution_arn],
    ).fetchall()
    metrics: dict[str, dict[str, float]] = defaultdict(dict)
    reports: dict[str, str] = {}
    for job, name, value, origin in conn.execute(
        "SELECT job_arn, metric_name, value, origin FROM sagemaker_job_metrics "
        "WHERE source_key = ? ORDER BY job_arn, metric_name",
        [source_key],
    ).fetchall():
        metrics[job][name] = value
        if origin and origin.startswith("report:"):
            reports.setdefault(job, origin.removeprefix("report:"))
    runs = {}
    for row in rows:
        step, status, started, ended, failure, cache, job_arn, job_name, package, tries = row[:10]
        job = (job_arn or "").lower()
        metadata, description = json_column(row[10]), json_column(row[11])
        runs[step] = StepRunDetail(
            step,
            status,
            started,
            ended,
            failure,
            cache,
            job_arn,
            job_name,
            package,
            tries,
            metadata if isinstance(metadata, dict) else {},
            description if isinstance(description, dict) else None,
            dict(metrics.get(job, {})),
            reports.get(job),
        )
    return runs
