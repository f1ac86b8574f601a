"""`StagingSink`: a `RecordSink` that writes a crawl's operations as Parquet batches with a
manifest instead of touching the database.

Operations are buffered in order and committed as one batch when the buffer is full, on
`commit()`, and when the sink closes (also after an error: each staged replace is a whole
source, as it would have been in the store). A process killed mid-batch leaves files without a
manifest, which the ingest ignores and later sweeps.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lineage_assets.staging import columns
from lineage_assets.staging.location import MANIFEST, StagingLocation, new_batch_id
from lineage_assets.staging.manifest import FileEntry, Manifest, Producer
from lineage_assets.store import registry
from lineage_assets.store.errors import RecordError
from lineage_assets.store.records import SourceRecords, as_row
from lineage_assets.store.writer import SOURCE_KEY, storable_text

# A batch is committed once it holds this many rows or operations.
MAX_BATCH_ROWS = 200_000
MAX_BATCH_OPERATIONS = 10_000

OPERATIONS_SCHEMA = pa.schema(
    [
        ("seq", pa.int32()),
        ("op", pa.string()),
        ("source_key", pa.string()),
        ("source_kind", pa.string()),
        ("display_name", pa.string()),
        ("content_hash", pa.string()),
        ("tables", pa.list_(pa.string())),
        ("row_count", pa.int64()),
        ("message", pa.string()),
        ("error_type", pa.string()),
        ("location", pa.string()),
        ("run_id", pa.string()),
    ]
)
REPLACE, MARK_FAILED, LOG_ERROR, REMOVE = "replace", "mark_failed", "log_error", "remove"
OPERATIONS = (REPLACE, MARK_FAILED, LOG_ERROR, REMOVE)


def parquet_bytes(table: pa.Table) -> bytes:
    """A table as Parquet file bytes (zstd: small on the wire, fast to read back)."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


@dataclass
class _Pending:
    """The operations of the batch being built, in order."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (table, key columns, keep, columns) → rows with `_seq`
    history: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[Any]] = field(
        default_factory=dict
    )
    row_count: int = 0


class StagingSink:
    """Stages a crawl's writes; `with StagingSink(...) as sink:` commits what is left at exit."""

    def __init__(
        self,
        location: StagingLocation,
        crawl: str,
        partition: str = "",
        run_id: str = "",
        *,
        schemas: registry.Registry | None = None,
        max_batch_rows: int = MAX_BATCH_ROWS,
        max_batch_operations: int = MAX_BATCH_OPERATIONS,
    ) -> None:
        self.location = location
        self.producer = Producer(
            crawl=crawl,
            partition=partition,
            run_id=run_id or new_batch_id(),
            started_at=datetime.now(UTC).isoformat(),
        )
        self.tables = columns.tables(schemas)
        self.max_batch_rows = max_batch_rows
        self.max_batch_operations = max_batch_operations
        self.committed: list[Manifest] = []
        self._pending = _Pending()
        self._seq = 0

    def __enter__(self) -> StagingSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None or issubclass(kind, Exception):  # never on KeyboardInterrupt/exit
            self.commit()

    # -- the RecordSink protocol ------------------------------------------------------------

    def replace_source(self, records: SourceRecords, run_id: str | None = None) -> int:
        """Stage one source's replacement; returns the rows staged."""
        return self.replace_sources([records], run_id)

    def replace_sources(self, batch: Iterable[SourceRecords], run_id: str | None = None) -> int:
        """Stage several replacements in the same batch (applied in one transaction)."""
        batch = list(batch)
        keys = [records.source_key for records in batch]
        if len(set(keys)) != len(keys) or not all(keys):
            raise RecordError(f"source keys must be unique and non-empty in one batch: {keys}")
        staged = [self._prepared(records) for records in batch]
        rows = sum(n for _, n, _ in staged)
        if self._pending.operations and (
            self._pending.row_count + rows > self.max_batch_rows
            or len(self._pending.operations) + len(batch) > self.max_batch_operations
        ):
            self.commit()
        for records, (_, count, (per_table, history)) in zip(batch, staged, strict=True):
            seq = self._operation(
                REPLACE,
                records.source_key,
                records.source_kind,
                run_id,
                display_name=records.display_name,
                content_hash=records.content_hash,
                tables=sorted(records.rows),
                row_count=count,
            )
            for table, table_rows in per_table.items():
                self._pending.rows.setdefault(table, []).extend(
                    {**r, columns.SEQ: seq} for r in table_rows
                )
            for group, group_rows in history:
                self._pending.history.setdefault(group, []).extend(
                    {**r, columns.SEQ: seq} for r in group_rows
                )
            self._pending.row_count += count
        return rows

    def mark_failed(
        self,
        source_key: str,
        source_kind: str,
        message: str,
        *,
        run_id: str | None = None,
        error_type: str | None = None,
        location: str | None = None,
    ) -> None:
        """Stage: keep the source's last good rows, mark it stale, log the error."""
        self._operation(
            MARK_FAILED, source_key, source_kind, run_id,
            message=message, error_type=error_type, location=location,
        )  # fmt: skip

    def log_error(
        self,
        source_key: str,
        source_kind: str,
        message: str,
        *,
        run_id: str | None = None,
        error_type: str | None = None,
        location: str | None = None,
    ) -> None:
        """Stage an error about part of a source that still landed."""
        self._operation(
            LOG_ERROR, source_key, source_kind, run_id,
            message=message, error_type=error_type, location=location,
        )  # fmt: skip

    def remove_source(self, source_key: str) -> None:
        """Stage the removal of a source that no longer exists."""
        self._operation(REMOVE, source_key, None, None)

    # -- batches ----------------------------------------------------------------------------

    def _prepared(
        self, records: SourceRecords
    ) -> tuple[str, int, tuple[dict[str, list[dict[str, Any]]], list[Any]]]:
        """A source's rows as dicts per table (its source key stamped by the ingest, not
        taken from the rows) and its history grouped by shape; tables and columns checked."""
        per_table: dict[str, list[dict[str, Any]]] = {}
        count = 0
        for table, items in records.rows.items():
            if table not in self.tables.source_tables:
                raise RecordError(
                    f"{records.source_key}: table {table!r} is not a per-source table"
                )
            rows = [as_row(item) for item in items]
            for row in rows:
                row.pop(SOURCE_KEY, None)
            self.tables.check(table, [c for row in rows for c in row])
            per_table[table] = rows
            count += len(rows)
        history = []
        for upsert in records.history:
            rows = [as_row(r) for r in upsert.rows]
            for row in rows:
                for key in upsert.key_columns:
                    row.setdefault(key, None)
            shape = tuple(sorted({c for row in rows for c in row}))
            self.tables.check(upsert.table, shape)
            rows = [{c: row.get(c) for c in shape} for row in rows]
            history.append(
                ((upsert.table, tuple(upsert.key_columns), tuple(upsert.keep), shape), rows)
            )
        return records.source_key, count, (per_table, history)

    def _operation(
        self, op: str, source_key: str, source_kind: str | None, run_id: str | None, **fields: Any
    ) -> int:
        """Append one operation; returns its sequence number in the batch."""
        if not source_key:
            raise RecordError("an operation needs a non-empty source key")
        if op != REPLACE and len(self._pending.operations) >= self.max_batch_operations:
            self.commit()
        self._seq += 1
        for name in ("message", "location"):
            if fields.get(name) is not None:
                fields[name] = storable_text(fields[name])
        self._pending.operations.append(
            {"seq": self._seq, "op": op, "source_key": source_key,
             "source_kind": source_kind, "run_id": run_id, **fields}
        )  # fmt: skip
        return self._seq

    def commit(self) -> Manifest | None:
        """Write the pending operations as one batch: its files, then its manifest (the commit
        marker). Returns the manifest, or None when nothing was pending."""
        pending, self._pending = self._pending, _Pending()
        if not pending.operations:
            return None
        batch_id = new_batch_id()
        folder = self.location.batch_dir(batch_id)
        files = [self._write(folder, "ops.parquet", "operations", None, self._ops_table(pending))]
        for table in sorted(pending.rows):
            rows = pending.rows[table]
            names = sorted({c for row in rows for c in row} - {columns.SEQ})
            arrow = columns.typed(self.tables, table, names, rows)
            encoding = "typed" if arrow is not None else "json"
            if arrow is None:
                arrow = columns.as_json(table, rows)
            files.append(
                self._write(folder, f"rows.{table}.parquet", "rows", table, arrow, encoding)
            )
        for n, ((table, keys, keep, shape), rows) in enumerate(pending.history.items()):
            arrow = columns.typed(self.tables, table, list(shape), rows)
            encoding = "typed" if arrow is not None else "json"
            if arrow is None:
                arrow = columns.as_json(table, rows)
            entry = self._write(folder, f"history.{n}.parquet", "history", table, arrow, encoding)
            files.append(FileEntry(**{**entry.__dict__, "key_columns": keys, "keep": keep}))
        manifest = Manifest(
            batch_id=batch_id,
            producer=self.producer,
            seq=len(self.committed) + 1,
            staged_at=datetime.now(UTC).isoformat(),
            operations=len(pending.operations),
            rows=pending.row_count,
            files=tuple(files),
        )
        self.location.put(f"{folder}/{MANIFEST}", manifest.encode(), atomic=True)
        self.committed.append(manifest)
        return manifest

    def _write(
        self,
        folder: str,
        name: str,
        kind: str,
        table: str | None,
        arrow: pa.Table,
        encoding: str = "typed",
    ) -> FileEntry:
        """Write one Parquet file of the batch and describe it for the manifest."""
        data = parquet_bytes(arrow)
        self.location.put(f"{folder}/{name}", data)
        return FileEntry(name, kind, len(data), arrow.num_rows, table, encoding)

    @staticmethod
    def _ops_table(pending: _Pending) -> pa.Table:
        """The operations in order, one row each."""
        names = OPERATIONS_SCHEMA.names
        return pa.Table.from_pylist(
            [{n: op.get(n) for n in names} for op in pending.operations], schema=OPERATIONS_SCHEMA
        )
