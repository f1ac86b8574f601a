"""Writes to the staging ledger (`staging_batches`, `staging_applied_operations`), made by the
ingest inside the transaction that applies what they record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from lineage_assets.store.writer import storable_text, utcnow


@dataclass(frozen=True)
class LedgerEntry:
    """One applied (or rejected) staged batch."""

    batch_id: str
    crawl: str | None
    partition_key: str | None
    producer_run_id: str | None
    batch_seq: int | None
    staged_at: datetime | None
    status: str
    operations: int
    row_count: int
    ingest_run_id: str | None
    message: str | None = None
    producer_started_at: datetime | None = None


def record_batch(conn: duckdb.DuckDBPyConnection, entry: LedgerEntry) -> None:
    """Record a batch as done; a second record of the same id fails (the primary key)."""
    conn.execute(
        "INSERT INTO staging_batches (batch_id, crawl, partition_key, producer_run_id, batch_seq, "
        "staged_at, applied_at, status, operations, row_count, ingest_run_id, message, "
        "producer_started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entry.batch_id, entry.crawl, entry.partition_key, entry.producer_run_id,
         entry.batch_seq, entry.staged_at, utcnow(), entry.status, entry.operations,
         entry.row_count, entry.ingest_run_id,
         None if entry.message is None else storable_text(entry.message),
         entry.producer_started_at],
    )  # fmt: skip


def record_operation(conn: duckdb.DuckDBPyConnection, batch_id: str, seq: int) -> None:
    """Record one operation of a batch applied on its own."""
    conn.execute(
        "INSERT INTO staging_applied_operations (batch_id, seq, applied_at) VALUES (?, ?, ?)",
        [batch_id, seq, utcnow()],
    )
