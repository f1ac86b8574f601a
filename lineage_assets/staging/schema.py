"""The ledger of staged batches the store has applied, written in the same transaction as the
batch, so applying a batch twice changes nothing."""

from __future__ import annotations

from lineage_assets.store.migration import Migration

LEDGER = """
CREATE TABLE staging_batches (
    batch_id        VARCHAR PRIMARY KEY,
    crawl           VARCHAR,
    partition_key   VARCHAR,
    producer_run_id VARCHAR,
    batch_seq       INTEGER,
    staged_at       TIMESTAMPTZ,
    applied_at      TIMESTAMPTZ NOT NULL,
    status          VARCHAR NOT NULL,
    operations      INTEGER,
    row_count       BIGINT,
    ingest_run_id   VARCHAR,
    message         VARCHAR
);
CREATE TABLE staging_applied_operations (
    batch_id   VARCHAR NOT NULL,
    seq        INTEGER NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (batch_id, seq)
);
"""

# When the producing run started: a batch of an older run of the same crawl and partition,
# arriving after a newer run's was applied, is superseded instead of overwriting newer rows.
PRODUCER_STARTED = """
ALTER TABLE staging_batches ADD COLUMN producer_started_at TIMESTAMPTZ;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(180, "staging: ledger of applied batches and operations", LEDGER),
    Migration(181, "staging: when each batch's producing run started", PRODUCER_STARTED),
)

# The ledger carries no edges and knows no columns.
EDGES: tuple[str, ...] = ()
NODE_COLUMNS: tuple[str, ...] = ()
