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
from lineage_assets.store.records import SourceMeta
from lineage_assets.store.writer import SOURCE_KEY, LineageStore


@dataclass(frozen=True)
class ArrowUpsert:
    """Rows for a keyed history table as Arrow, upserted as `LineageStore.upsert` does."""

    table: str
    key_columns: tuple[str, ...]
    keep: tuple[str, ...]
    rows: pa.Table


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
    owned = set(store.catalog.source_tables)
    for table, rows in tables:
        if table not in owned:
            raise RecordError(f"table {table!r} is not a per-source table")
        if SOURCE_KEY not in rows.column_names:
            raise RecordError(f"rows for {table!r} carry no {SOURCE_KEY} column")

    def write_rows() -> None:
        for table, rows in tables:
            store.insert_arrow(table, rows)
        for upsert in upserts:
            upsert_arrow(store, upsert)

    with store.transaction():
        store.write_replaced(sources, {table for table, _ in tables}, write_rows, run_id)
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
