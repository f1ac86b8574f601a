"""Reading a staged batch back: its manifest, then each file it lists, every size and type
checked before or while reading (staged files come from shared storage: untrusted)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lineage_assets.staging.columns import ROW, SEQ, Tables
from lineage_assets.staging.location import MANIFEST, StagingLocation
from lineage_assets.staging.manifest import (
    MAX_MANIFEST_BYTES,
    FileEntry,
    Manifest,
    ManifestError,
    decode,
)
from lineage_assets.staging.sink import OPERATIONS, OPERATIONS_SCHEMA, REPLACE
from lineage_assets.store.errors import RecordError

MAX_KEY_CHARS = 4_000


@dataclass(frozen=True)
class Limits:
    """How much one batch may hold; a batch past any of them is rejected unread."""

    file_bytes: int = 512 << 20
    batch_bytes: int = 2 << 30
    uncompressed_bytes: int = 8 << 30
    operations: int = 100_000
    # Batches applied in one transaction hold at most this many rows together (in memory).
    transaction_rows: int = 1_000_000


@dataclass(frozen=True)
class Operation:
    """One staged write, in the batch's order."""

    seq: int
    op: str
    source_key: str
    source_kind: str | None = None
    display_name: str | None = None
    content_hash: str | None = None
    tables: tuple[str, ...] = ()
    row_count: int = 0
    message: str | None = None
    error_type: str | None = None
    location: str | None = None
    run_id: str | None = None


@dataclass
class StagedBatch:
    """A batch read and checked: its operations, rows per table, history files."""

    manifest: Manifest
    operations: list[Operation]
    rows: dict[str, tuple[FileEntry, pa.Table]] = field(default_factory=dict)
    history: list[tuple[FileEntry, pa.Table]] = field(default_factory=list)


def read_manifest(location: StagingLocation, batch_id: str) -> Manifest:
    """A committed batch's manifest, bounded and checked."""
    path = f"{location.batch_dir(batch_id)}/{MANIFEST}"
    try:
        data = location.read(path, MAX_MANIFEST_BYTES)
    except ValueError as error:
        raise ManifestError(str(error)) from None
    return decode(data, batch_id)


class _Budget:
    """Bytes left to read in one batch, compressed and uncompressed."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stored = 0
        self.uncompressed = 0

    def size(self, entry: FileEntry, size: int | None) -> None:
        """Check a file's stored size (before opening it) against the manifest and bounds."""
        if size is None:
            raise ManifestError(f"{entry.name}: listed in the manifest but missing")
        if size != entry.bytes or size > self.limits.file_bytes:
            raise ManifestError(f"{entry.name}: {size} bytes, the manifest says {entry.bytes}")
        self.stored += size
        if self.stored > self.limits.batch_bytes:
            raise ManifestError(f"batch larger than {self.limits.batch_bytes} bytes")

    def metadata(self, entry: FileEntry, metadata: pq.FileMetaData) -> None:
        """Check a file's row count and unpacked size (from its footer) before reading it."""
        if metadata.num_rows != entry.rows:
            raise ManifestError(f"{entry.name}: {metadata.num_rows} rows, manifest {entry.rows}")
        groups = range(metadata.num_row_groups)
        self.uncompressed += sum(max(metadata.row_group(i).total_byte_size, 0) for i in groups)
        if self.uncompressed > self.limits.uncompressed_bytes:
            raise ManifestError(f"batch unpacks past {self.limits.uncompressed_bytes} bytes")


def _read_parquet(
    location: StagingLocation, folder: str, entry: FileEntry, budget: _Budget
) -> pa.Table:
    """One listed file: size checked, then footer checked, then read."""
    path = f"{folder}/{entry.name}"
    budget.size(entry, location.size(path))
    try:
        with location.filesystem.open_input_file(path) as handle:
            parquet = pq.ParquetFile(handle)
            budget.metadata(entry, parquet.metadata)
            return parquet.read()
    except pa.ArrowException as error:  # not Parquet, or not what the footer says
        raise ManifestError(f"{entry.name}: unreadable Parquet ({type(error).__name__})") from None


def _expect_schema(entry: FileEntry, arrow: pa.Table, expected: pa.Schema) -> pa.Table:
    if arrow.schema.remove_metadata() != expected:
        raise ManifestError(f"{entry.name}: columns or types are not the store's")
    return arrow


def _rows_schema(known: Tables, entry: FileEntry, arrow: pa.Table) -> pa.Table:
    assert entry.table is not None
    if entry.encoding == "json":
        expected = pa.schema([pa.field(SEQ, pa.int32()), pa.field(ROW, pa.string())])
        return _expect_schema(entry, arrow, expected)
    names = arrow.column_names
    if not names or names[0] != SEQ:
        raise ManifestError(f"{entry.name}: no {SEQ} column first")
    try:
        known.check(entry.table, names[1:])
    except RecordError as error:
        raise ManifestError(f"{entry.name}: {error}") from None
    return _expect_schema(entry, arrow, known.schema(entry.table, names[1:]))


def _operations(
    arrow: pa.Table, known: Tables, limits: Limits, manifest: Manifest
) -> list[Operation]:
    if arrow.num_rows > limits.operations or arrow.num_rows != manifest.operations:
        raise ManifestError("operations: count differs from the manifest or is too large")
    operations = [Operation(**{k: v for k, v in row.items()}) for row in _pylist(arrow)]
    seqs = [op.seq for op in operations]
    if len(set(seqs)) != len(seqs) or seqs != sorted(seqs):
        raise ManifestError("operations: sequence numbers repeat or are out of order")
    for op in operations:
        if op.op not in OPERATIONS or not op.source_key or len(op.source_key) > MAX_KEY_CHARS:
            raise ManifestError(f"operation {op.seq}: unknown kind or bad source key")
        if op.op == REPLACE and (
            not op.source_kind or not set(op.tables) <= known.source_tables or op.row_count < 0
        ):
            raise ManifestError(f"operation {op.seq}: a replace without kind or known tables")
    return operations


def _pylist(arrow: pa.Table) -> Iterable[dict[str, Any]]:
    for row in arrow.to_pylist():
        row["tables"] = tuple(row.get("tables") or ())
        yield row


def _check_owners(entry: FileEntry, arrow: pa.Table, allowed: Iterable[int]) -> None:
    """Every row belongs to a replace operation that names this table."""
    allowed_seqs = pa.array(sorted(set(allowed)), pa.int32())
    if arrow.num_rows and not pc.all(pc.is_in(arrow[SEQ], value_set=allowed_seqs)).as_py():
        raise ManifestError(f"{entry.name}: rows that no replace operation of the batch owns")


def read_batch(
    location: StagingLocation, manifest: Manifest, known: Tables, limits: Limits | None = None
) -> StagedBatch:
    """A committed batch's files, read and checked (ManifestError names what is wrong)."""
    limits = limits or Limits()
    budget = _Budget(limits)
    folder = location.batch_dir(manifest.batch_id)
    by_kind = {
        kind: [e for e in manifest.files if e.kind == kind]
        for kind in ("operations", "rows", "history")
    }
    ops_arrow = _expect_schema(
        by_kind["operations"][0],
        _read_parquet(location, folder, by_kind["operations"][0], budget),
        OPERATIONS_SCHEMA,
    )
    batch = StagedBatch(manifest, _operations(ops_arrow, known, limits, manifest))
    replaces = [op for op in batch.operations if op.op == REPLACE]
    for entry in by_kind["rows"]:
        assert entry.table is not None
        if entry.table not in known.source_tables or entry.table in batch.rows:
            raise ManifestError(f"{entry.name}: not a per-source table, or listed twice")
        arrow = _rows_schema(known, entry, _read_parquet(location, folder, entry, budget))
        _check_owners(entry, arrow, (op.seq for op in replaces if entry.table in op.tables))
        batch.rows[entry.table] = (entry, arrow)
    for entry in by_kind["history"]:
        assert entry.table is not None
        arrow = _read_parquet(location, folder, entry, budget)
        if entry.encoding == "typed":
            arrow = _rows_schema(known, entry, arrow)
            missing = set(entry.key_columns) - set(arrow.column_names)
            if missing or not set(entry.keep) <= set(arrow.column_names):
                raise ManifestError(f"{entry.name}: key or kept columns missing")
        else:
            arrow = _rows_schema(known, entry, arrow)
            try:
                known.check(entry.table, [*entry.key_columns, *entry.keep])
            except RecordError as error:
                raise ManifestError(f"{entry.name}: {error}") from None
        _check_owners(entry, arrow, (op.seq for op in replaces))
        batch.history.append((entry, arrow))
    return batch
