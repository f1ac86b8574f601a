"""Read-backs of one crawled pipeline from the store (parameterised queries): its current
definition, step table and run status counts, for Dagster metadata and the CLI."""

from __future__ import annotations

from typing import Any

from lineage_assets.sagemaker.bounds import definition_text
from lineage_assets.sagemaker.contract import pipeline_lineage


def stored_definition(conn: Any, source_key: str) -> str | None:
    """The current definition JSON of a crawled pipeline, or None if never crawled."""
    row = conn.execute(
        "SELECT CAST(v.definition AS VARCHAR) FROM sagemaker_pipelines p "
        "JOIN sagemaker_pipeline_versions v USING (pipeline_arn, definition_hash) "
        "WHERE p.source_key = ? LIMIT 1",
        [source_key],
    ).fetchone()
    return definition_text(row[0]) if row else None


def step_table(conn: Any, source_key: str) -> list[dict[str, Any]]:
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


def status_counts(conn: Any, source_key: str) -> dict[str, int]:
    """Step status counts of the latest execution (empty when it never ran)."""
    rows = conn.execute(
        "SELECT status, count(*) FROM sagemaker_step_runs "
        "WHERE source_key = ? AND execution_arn = (SELECT execution_arn "
        "FROM sagemaker_executions WHERE source_key = ? "
        "ORDER BY started_at DESC NULLS LAST LIMIT 1) GROUP BY status",
        [source_key, source_key],
    ).fetchall()
    return {str(status): count for status, count in rows}


def stored_warnings(conn: Any, source_key: str) -> list[dict[str, Any]]:
    """The warnings the last crawl of a pipeline stored (definition, executions, reports)."""
    rows = conn.execute(
        "SELECT execution_arn, code, message FROM sagemaker_pipeline_warnings "
        "WHERE source_key = ? ORDER BY execution_arn NULLS FIRST, code, message",
        [source_key],
    ).fetchall()
    return [{"execution": arn, "code": code, "message": message} for arn, code, message in rows]


def stored_lineage(conn: Any, source_key: str, view: str = "both") -> dict[str, Any] | None:
    """The lineage JSON of the stored current definition (defaults for parameters), with the
    warnings the crawl stored (they include the definition's own, and unreadable executions,
    jobs and reports; a store written before warnings were stored shows the resolver's)."""
    definition = stored_definition(conn, source_key)
    if definition is None:
        return None
    document = pipeline_lineage(definition, view=view)
    stored = [w["message"] for w in stored_warnings(conn, source_key)]
    document["warnings"] = list(dict.fromkeys(stored)) or document["warnings"]
    return document


def warning_lines(conn: Any, source_keys: list[str] | None = None, limit: int = 200) -> list[str]:
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
