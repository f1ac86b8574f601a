"""The bulk apply path: many sources replaced from Arrow tables in one transaction, with the
effects of `LineageStore.replace_sources` (one DELETE per table for the batch's keys, one
INSERT per table, the history upserts, the `sources` rows and the walk index for those keys),
minus turning every row into a Python dict first: staged Parquet arrives typed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa

from lineage_assets.store.errors import RecordError
from lineage_assets.store.writer import (
    _BOOKKEEPING_SCHEMA,
    SOURCE_KEY,
    LineageStore,
    quote,
    utcnow,
)


@dataclass(frozen=True)
class SourceMeta:
    """One replaced source without its rows: what its `sources` row records."""

    source_key: str
    source_kind: str
    display_name: str | None
    content_hash: str | None
    tables: tuple[str, ...]
    row_count: int


@dataclass(frozen=True)
class ArrowUpsert:
    """Rows for a keyed history table as Arrow, upserted as `LineageStore.upsert` does."""

    table: str
    key_columns: tuple[str, ...]
    keep: tuple[str, ...]
    rows: pa.Table


def _bookkeeping(sources: Sequence[SourceMeta], run_id: str | None) -> pa.Table:
    """One `sources` row per replaced source, as the writer builds it."""
    now = utcnow()
    return pa.Table.from_pylist(
        [
            {
                "source_key": s.source_key,
                "source_kind": s.source_kind,
                "display_name": s.display_name,
                "row_count": s.row_count,
                "tables": sorted(s.tables),
                "content_hash": s.content_hash,
                "last_run_id": run_id,
                "now": now,
            }
            for s in sources
        ],
        schema=_BOOKKEEPING_SCHEMA,
    )


def _insert_arrow(store: LineageStore, table: str, rows: pa.Table) -> None:
    """INSERT … SELECT from an Arrow table through the writer (keys enforced on the lake)."""
    store.insert_arrow(table, rows)


def upsert_arrow(store: LineageStore, upsert: ArrowUpsert) -> None:
    """Insert new keys and update existing ones, keeping the `keep` columns (as `_upsert`):
    ON CONFLICT on the file, MERGE by key on the lake."""
    columns = set(upsert.rows.column_names)
    missing = [key for key in upsert.key_columns if key not in columns]
    if missing:
        raise RecordError(f"history rows for {upsert.table!r} lack key column(s) {missing}")
    store.upsert_arrow(upsert.table, upsert.key_columns, upsert.keep, upsert.rows)


def replace_arrow(
    store: LineageStore,
    sources: Sequence[SourceMeta],
    tables: Sequence[tuple[str, pa.Table]],
    upserts: Sequence[ArrowUpsert] = (),
    run_id: str | None = None,
) -> int:
    """Replace several sources in one transaction (joining an open one) from Arrow tables
    that carry a `source_key` column naming one of `sources` (a table may come in several
    parts, each one INSERT); returns the rows written."""
    if not sources:
        return 0
    keys = [s.source_key for s in sources]
    if len(set(keys)) != len(keys) or not all(keys):
        raise RecordError(f"source keys must be unique and non-empty in one batch: {keys}")
    owned = set(store.catalog.source_tables)
    for table, rows in tables:
        if table not in owned:
            raise RecordError(f"table {table!r} is not a per-source table")
        if SOURCE_KEY not in rows.column_names:
            raise RecordError(f"rows for {table!r} carry no {SOURCE_KEY} column")
    named = {t for s in sources for t in s.tables} | {table for table, _ in tables}
    with store.transaction() as conn:
        conn.register("_batch_sources", _bookkeeping(sources, run_id))
        try:
            previous = conn.execute(
                "SELECT DISTINCT unnest(tables) FROM sources "
                "WHERE source_key IN (SELECT source_key FROM _batch_sources)"
            ).fetchall()
            touched = named | {table for (table,) in previous}
            for table in sorted(touched & owned):
                conn.execute(
                    f"DELETE FROM {quote(table)} "  # noqa: S608
                    "WHERE source_key IN (SELECT source_key FROM _batch_sources)"
                )
            for table, rows in tables:
                _insert_arrow(store, table, rows)
            for upsert in upserts:
                upsert_arrow(store, upsert)
            store.mark_batch_ok()
            store.index_batch(touched)
        finally:
            conn.unregister("_batch_sources")
        store._touch(run_id)
    return sum(rows.num_rows for _, rows in tables)


@contextmanager
def checkpoints_deferred(store: LineageStore, threshold: str = "1GiB") -> Iterator[None]:
    """Let the WAL grow to `threshold` while the block writes, so a large commit does not also
    checkpoint the file; `publish` (or closing the store) checkpoints once afterwards."""
    (previous,) = store.conn.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0]
    store.conn.execute("SET checkpoint_threshold = ?", [threshold])
    try:
        yield
    finally:
        store.conn.execute("SET checkpoint_threshold = ?", [previous])
