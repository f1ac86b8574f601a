"""Applying one staged batch in the store, exactly once.

The whole batch is one transaction: its operations in order (runs of replaces as one bulk
replace from the staged Arrow tables, the rest through the store's own methods) and its ledger
row, so a batch applied twice, or an ingest killed mid-apply and rerun, changes nothing more.
When that transaction fails on the data (a row the store refuses), it is rolled back and the
batch is applied one operation per transaction, each with its own ledger row; a refused source
is marked failed (its last good rows stay, stale) and the rest lands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lineage_assets.staging import views
from lineage_assets.staging.batch import Operation, StagedBatch
from lineage_assets.staging.columns import ROW, SEQ
from lineage_assets.staging.manifest import FileEntry
from lineage_assets.staging.sink import LOG_ERROR, MARK_FAILED, REMOVE, REPLACE
from lineage_assets.store.bulk import ArrowUpsert, replace_arrow
from lineage_assets.store.errors import RecordError
from lineage_assets.store.ledger import LedgerEntry, record_batch, record_operation
from lineage_assets.store.records import SourceMeta
from lineage_assets.store.writer import SOURCE_KEY, LineageStore, rows_to_arrow

APPLIED = "applied"
APPLIED_PER_OPERATION = "applied per operation"
REJECTED = "rejected"
ALREADY_APPLIED = "already applied"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Applied:
    """What applying one batch did."""

    batch_id: str
    status: str
    operations: int
    rows: int
    failed_sources: tuple[str, ...] = ()


Step = list[tuple[StagedBatch, Operation]]


def steps(batches: Sequence[StagedBatch]) -> Iterator[Step]:
    """The batches' operations in order; consecutive replaces of distinct sources (across
    batches too) grouped into one step."""
    group: Step = []
    keys: set[str] = set()
    for batch in batches:
        for op in batch.operations:
            if op.op == REPLACE and op.source_key not in keys:
                group.append((batch, op))
                keys.add(op.source_key)
                continue
            if group:
                yield group
                group, keys = [], set()
            if op.op == REPLACE:
                group, keys = [(batch, op)], {op.source_key}
            else:
                yield [(batch, op)]
    if group:
        yield group


def _part(arrow: pa.Table, seqs: pa.Array, whole: bool) -> pa.Table:
    """The rows of the given operations."""
    return arrow if whole else arrow.filter(pc.is_in(arrow[SEQ], value_set=seqs))


def _typed(
    store: LineageStore, entry: FileEntry, part: pa.Table, keys: pa.Array | None, seqs: pa.Array
) -> pa.Table:
    """A staged part as the store inserts it: JSON rows typed as the store types them, the
    `_seq` column turned into the owning source's key (or dropped, for history)."""
    assert entry.table is not None
    if entry.encoding == "json":
        decoded: list[dict[str, Any]] = []
        for seq, text in zip(part[SEQ].to_pylist(), part[ROW].to_pylist(), strict=True):
            row = json.loads(text)
            if not isinstance(row, dict):
                raise RecordError(f"{entry.name}: a staged row is not an object")
            row.pop(SOURCE_KEY, None)
            row[SEQ] = seq
            decoded.append(row)
        names = sorted({c for row in decoded for c in row} - {SEQ})
        store.catalog.check(entry.table, names)
        types = store.catalog.columns[entry.table]
        arrow = rows_to_arrow(entry.table, [{c: r.get(c) for c in names} for r in decoded], types)
        seq_column = pa.array([r[SEQ] for r in decoded], pa.int32())
    else:
        arrow, seq_column = part.drop_columns([SEQ]), part[SEQ]
    if keys is None:
        return arrow
    return arrow.append_column(SOURCE_KEY, keys.take(pc.index_in(seq_column, value_set=seqs)))


def _upserts(
    store: LineageStore, entry: FileEntry, rows: pa.Table, seqs: pa.Array
) -> list[ArrowUpsert]:
    """One upsert for the file's rows when their keys are distinct, else one per operation
    in order (as the store upserts source by source)."""
    assert entry.table is not None
    typed = _typed(store, entry, rows, None, seqs)
    keys = list(entry.key_columns)
    distinct = typed.group_by(keys, use_threads=False).aggregate([]).num_rows if keys else 0
    if distinct == typed.num_rows:
        return [ArrowUpsert(entry.table, entry.key_columns, entry.keep, typed)]
    owners = rows[SEQ] if entry.encoding == "typed" else pa.array(rows[SEQ].to_pylist(), pa.int32())
    return [
        ArrowUpsert(entry.table, entry.key_columns, entry.keep, typed.filter(pc.equal(owners, s)))
        for s in sorted(set(owners.to_pylist()))
    ]


def _replace(store: LineageStore, step: Step, run_id: str | None) -> int:
    """A run of replaces (from one or several batches) as one bulk replace; parts of a table
    with the same columns are concatenated into one INSERT."""
    per_batch: dict[int, tuple[StagedBatch, list[Operation]]] = {}
    for batch, op in step:
        per_batch.setdefault(id(batch), (batch, []))[1].append(op)
    parts: dict[tuple[str, pa.Schema], list[pa.Table]] = {}
    upserts: list[ArrowUpsert] = []
    for batch, ops in per_batch.values():
        whole = len(ops) == sum(op.op == REPLACE for op in batch.operations)
        seqs = pa.array([op.seq for op in ops], pa.int32())
        keys = pa.array([op.source_key for op in ops], pa.string())
        for table, (entry, arrow) in batch.rows.items():
            part = _part(arrow, seqs, whole)
            if part.num_rows:
                typed = _typed(store, entry, part, keys, seqs)
                parts.setdefault((table, typed.schema), []).append(typed)
        for entry, arrow in batch.history:
            part = _part(arrow, seqs, whole)
            if part.num_rows:
                upserts += _upserts(store, entry, part, seqs)
    tables = [
        (table, pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces))
        for (table, _), pieces in parts.items()
    ]
    metas = [
        SourceMeta(op.source_key, op.source_kind or "", op.display_name, op.content_hash,
                   op.tables, op.row_count)
        for _, op in step
    ]  # fmt: skip
    return replace_arrow(store, metas, tables, upserts, run_id or step[0][1].run_id)


def _apply(store: LineageStore, step: Step, run_id: str | None) -> int:
    """One step: a bulk replace, or one other operation through the store's own method."""
    op = step[0][1]
    if op.op == REPLACE:
        return _replace(store, step, run_id)
    runs = run_id or op.run_id
    if op.op == MARK_FAILED:
        store.mark_failed(op.source_key, op.source_kind or "", op.message or "", run_id=runs,
                          error_type=op.error_type, location=op.location)  # fmt: skip
    elif op.op == LOG_ERROR:
        store.log_error(op.source_key, op.source_kind or "", op.message or "", run_id=runs,
                        error_type=op.error_type, location=op.location)  # fmt: skip
    elif op.op == REMOVE:
        store.remove_source(op.source_key)
    return 0


def _entry(batch: StagedBatch, status: str, run_id: str | None, message: str | None) -> LedgerEntry:
    manifest = batch.manifest
    return LedgerEntry(
        batch_id=manifest.batch_id,
        crawl=manifest.producer.crawl,
        partition_key=manifest.producer.partition,
        producer_run_id=manifest.producer.run_id,
        batch_seq=manifest.seq,
        staged_at=datetime.fromisoformat(manifest.staged_at),
        status=status,
        operations=len(batch.operations),
        row_count=manifest.rows,
        ingest_run_id=run_id,
        message=message,
        producer_started_at=manifest.order[0],
    )


def apply_batches(
    store: LineageStore,
    batches: Sequence[StagedBatch],
    *,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> list[Applied]:
    """Apply checked batches once, in the given order, in one transaction with their ledger
    rows (fewer, larger writes: one DELETE and INSERT per table for all their sources). When
    that transaction fails on the data, each batch is applied on its own, and a batch that
    fails alone is applied operation by operation. `run_id` (the ingest's crawl run)
    replaces the run ids staged by the producers."""
    note = progress or (lambda _: None)
    ids = [batch.manifest.batch_id for batch in batches]
    done = views.applied_batches(store.conn, ids)
    results = [Applied(batch_id, ALREADY_APPLIED, 0, 0) for batch_id in ids if batch_id in done]
    todo = [batch for batch in batches if batch.manifest.batch_id not in done]
    if not todo:
        return results
    partial = views.partially_applied(store.conn, [b.manifest.batch_id for b in todo])
    if partial:  # a rerun after a per-operation apply stopped midway: continue it
        for batch in todo:
            if batch.manifest.batch_id in partial:
                results.append(_one_by_one(store, batch, run_id, note, None))
            else:
                results += apply_batches(store, [batch], run_id=run_id, progress=progress)
        return results
    try:
        with store.transaction() as conn:
            for step in steps(todo):
                _apply(store, step, run_id)
                first, last = step[0], step[-1]
                note(f"applied {first[0].manifest.batch_id}:{first[1].seq} "
                     f"to {last[0].manifest.batch_id}:{last[1].seq}")  # fmt: skip
            for batch in todo:
                record_batch(conn, _entry(batch, APPLIED, run_id, None))
    except (RecordError, duckdb.Error) as error:
        if len(todo) > 1:
            for batch in todo:
                results += apply_batches(store, [batch], run_id=run_id, progress=progress)
            return results
        return [*results, _one_by_one(store, todo[0], run_id, note, error)]
    return results + [
        Applied(b.manifest.batch_id, APPLIED, len(b.operations), b.manifest.rows) for b in todo
    ]


def apply_batch(
    store: LineageStore,
    batch: StagedBatch,
    *,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> Applied:
    """Apply one checked batch once (see `apply_batches`)."""
    (applied,) = apply_batches(store, [batch], run_id=run_id, progress=progress)
    return applied


def _one_by_one(
    store: LineageStore,
    batch: StagedBatch,
    run_id: str | None,
    note: Progress,
    first_error: Exception | None,
) -> Applied:
    """Apply a batch one operation per transaction, each with its ledger row, skipping those
    already done; a replace the store refuses marks its source failed (last good rows stay)."""
    batch_id = batch.manifest.batch_id
    done = views.applied_operations(store.conn, batch_id)
    rows, failed = 0, []
    for op in batch.operations:
        if op.seq in done:
            continue
        try:
            with store.transaction() as conn:
                rows += _apply(store, [(batch, op)], run_id)
                record_operation(conn, batch_id, op.seq)
        except (RecordError, duckdb.Error) as error:
            with store.transaction() as conn:
                if op.op == REPLACE:
                    store.mark_failed(
                        op.source_key, op.source_kind or "",
                        f"staged batch {batch_id}: {type(error).__name__}: {error}",
                        run_id=run_id or op.run_id, error_type=type(error).__name__,
                    )  # fmt: skip
                    failed.append(op.source_key)
                record_operation(conn, batch_id, op.seq)
        note(f"batch {batch_id}: applied operation {op.seq} on its own")
    message = None if first_error is None else f"{type(first_error).__name__}: {first_error}"
    with store.transaction() as conn:
        record_batch(conn, _entry(batch, APPLIED_PER_OPERATION, run_id, message))
    return Applied(batch_id, APPLIED_PER_OPERATION, len(batch.operations), rows, tuple(failed))
