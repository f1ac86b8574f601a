"""Typed reads of the Athena tables: the crawl state an incremental crawl starts from, and
executions with their edges for metadata, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from lineage_assets.athena.ids import execution_prefix, workgroup_key


@dataclass(frozen=True)
class StoredWorkgroup:
    """A workgroup's state after its last crawl."""

    workgroup: str
    newest_execution_id: str | None
    newest_submitted_at: datetime | None
    pending_ids: tuple[str, ...]
    catch_up_until: datetime | None = None


@dataclass(frozen=True)
class StoredExecution:
    """One stored execution and what it did."""

    execution_id: str
    workgroup: str
    query_node: str
    statement_type: str | None
    database: str | None
    state: str | None
    submitted_at: datetime | None
    targets: tuple[str, ...]
    sources: tuple[str, ...]
    error: str | None


def workgroup_states(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, StoredWorkgroup]:
    """The last crawl's state of every workgroup of an account and region."""
    rows = conn.execute(
        "SELECT workgroup, newest_execution_id, newest_submitted_at, pending_ids, "
        "catch_up_until FROM athena_workgroups WHERE starts_with(source_key, ?)",
        [workgroup_key(account_id, region, "")],
    ).fetchall()
    return {
        row[0]: StoredWorkgroup(row[0], row[1], row[2], tuple(row[3] or ()), row[4]) for row in rows
    }


def stored_ids(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str, workgroup: str
) -> set[str]:
    """Execution ids of a workgroup the store holds."""
    rows = conn.execute(
        "SELECT execution_id FROM athena_executions "
        "WHERE starts_with(source_key, ?) AND workgroup = ?",
        [execution_prefix(account_id, region), workgroup],
    ).fetchall()
    return {execution_id for (execution_id,) in rows}


def stored_ids_by_workgroup(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, set[str]]:
    """Execution ids the store holds, per workgroup of an account and region."""
    found: dict[str, set[str]] = {}
    for workgroup, execution_id in conn.execute(
        "SELECT workgroup, execution_id FROM athena_executions WHERE starts_with(source_key, ?)",
        [execution_prefix(account_id, region)],
    ).fetchall():
        found.setdefault(workgroup, set()).add(execution_id)
    return found


def executions(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> list[StoredExecution]:
    """Every stored execution of an account and region, newest first."""
    rows = conn.execute(
        "SELECT execution_id, workgroup, query_node, statement_type, database, state, "
        "submitted_at, targets, sources, error FROM athena_executions "
        "WHERE starts_with(source_key, ?) ORDER BY submitted_at DESC NULLS LAST, execution_id",
        [execution_prefix(account_id, region)],
    ).fetchall()
    return [
        StoredExecution(
            execution_id=row[0],
            workgroup=row[1],
            query_node=row[2],
            statement_type=row[3],
            database=row[4],
            state=row[5],
            submitted_at=row[6],
            targets=tuple(row[7] or ()),
            sources=tuple(row[8] or ()),
            error=row[9],
        )
        for row in rows
    ]


def execution_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stored executions per `<account>/<region>/<workgroup>`, for metadata."""
    rows = conn.execute(
        "SELECT account_id || '/' || region || '/' || workgroup, count(*) "
        "FROM athena_executions GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {key: count for key, count in rows}
