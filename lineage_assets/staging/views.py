"""Typed reads of the staging ledger: which batches (and, for a batch applied source by source,
which operations) the store has applied."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb


def applied_batches(
    conn: duckdb.DuckDBPyConnection, batch_ids: Iterable[str]
) -> dict[str, datetime]:
    """Batch id → when it was applied, for the given ids that the ledger holds."""
    ids = sorted(set(batch_ids))
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT batch_id, applied_at FROM staging_batches WHERE list_contains(?, batch_id)", [ids]
    ).fetchall()
    return dict(rows)


def applied_operations(conn: duckdb.DuckDBPyConnection, batch_id: str) -> set[int]:
    """Sequence numbers of a batch's operations applied one at a time (a batch whose
    single transaction failed is applied so, each with its own ledger row)."""
    rows = conn.execute(
        "SELECT seq FROM staging_applied_operations WHERE batch_id = ?", [batch_id]
    ).fetchall()
    return {seq for (seq,) in rows}


def latest_producers(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], datetime]:
    """(crawl, partition) → the start of the newest producing run the store applied."""
    rows = conn.execute(
        "SELECT crawl, partition_key, max(producer_started_at) FROM staging_batches "
        "WHERE status <> 'rejected' AND producer_started_at IS NOT NULL GROUP BY ALL"
    ).fetchall()
    return {(crawl, partition): started for crawl, partition, started in rows}


def partially_applied(conn: duckdb.DuckDBPyConnection, batch_ids: Iterable[str]) -> set[str]:
    """Those of the given batches with operations applied one at a time (but not all)."""
    ids = sorted(set(batch_ids))
    if not ids:
        return set()
    rows = conn.execute(
        "SELECT DISTINCT batch_id FROM staging_applied_operations WHERE list_contains(?, batch_id)",
        [ids],
    ).fetchall()
    return {batch_id for (batch_id,) in rows}
