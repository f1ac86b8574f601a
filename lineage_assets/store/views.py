"""The store's typed reads of its own bookkeeping, for the writer's connection or the
published copy alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb


def json_column(value: Any) -> Any:
    """A DuckDB JSON column as Python (it arrives as text); text that is not JSON stays text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class StaleSource:
    """A source whose last crawl failed: `stale` keeps its previous rows, `failed` has none."""

    source_key: str
    status: str
    last_error: str | None


def stale_sources(conn: duckdb.DuckDBPyConnection) -> list[StaleSource]:
    """Every source whose status is not `ok`, by source key."""
    rows = conn.execute(
        "SELECT source_key, status, last_error FROM stale_sources ORDER BY source_key"
    ).fetchall()
    return [StaleSource(key, status, error) for key, status, error in rows]


def source_keys(conn: duckdb.DuckDBPyConnection, prefix: str, kind: str | None = None) -> list[str]:
    """The keys of the stored sources that start with `prefix` (and are of `kind`, if given)."""
    rows = conn.execute(
        "SELECT source_key FROM sources WHERE starts_with(source_key, ?) "
        "AND (? IS NULL OR source_kind = ?) ORDER BY source_key",
        [prefix, kind, kind],
    ).fetchall()
    return [key for (key,) in rows]


def content_hash(conn: duckdb.DuckDBPyConnection, source_key: str) -> str | None:
    """The fingerprint a source's crawler recorded at its last success (None if unknown)."""
    row = conn.execute(
        "SELECT content_hash FROM sources WHERE source_key = ?", [source_key]
    ).fetchone()
    return row[0] if row else None


def crawl_run_time(conn: duckdb.DuckDBPyConnection, run: str) -> datetime | None:
    """When a crawl run, named by its id or its Dagster run id, finished (or started, while it
    runs); the latest such run, None if there is none."""
    row = conn.execute(
        "SELECT coalesce(finished_at, started_at) FROM crawl_runs "
        "WHERE run_id = ? OR dagster_run_id = ? ORDER BY started_at DESC LIMIT 1",
        [run, run],
    ).fetchone()
    return row[0] if row else None


def crawl_run_names(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every crawl run id and Dagster run id the store knows, to suggest close matches."""
    rows = conn.execute(
        "SELECT run_id FROM crawl_runs UNION SELECT dagster_run_id FROM crawl_runs "
        "WHERE dagster_run_id IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]
