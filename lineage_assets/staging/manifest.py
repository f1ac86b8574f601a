"""A batch's manifest: who produced it, in which order, and each file with its size and row
count. Written last; read back as untrusted JSON, bounded and checked field by field."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from lineage_assets.staging.location import BATCH_ID

FORMAT = "lineage-staging/1"
MAX_MANIFEST_BYTES = 1 << 20
MAX_FILES = 2_000
MAX_NAME_CHARS = 1_000
# File names the sink writes: ops.parquet, rows.<table>.parquet, history.<n>.parquet.
FILE_NAME = re.compile(r"(ops|rows\.[a-z][a-z0-9_]{0,62}|history\.[0-9]{1,6})\.parquet")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
KINDS = ("operations", "rows", "history")
ENCODINGS = ("typed", "json")


class ManifestError(ValueError):
    """A manifest (or a file it lists) that cannot be trusted: the batch is rejected."""


@dataclass(frozen=True)
class Producer:
    """The crawl step that staged a batch; batches apply ordered by (started_at, run_id, seq)."""

    crawl: str
    partition: str
    run_id: str
    started_at: str  # ISO 8601 with timezone, when the producing sink was opened


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file of a batch."""

    name: str
    kind: str
    bytes: int
    rows: int
    table: str | None = None
    encoding: str = "typed"
    key_columns: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Everything the ingest needs to know before reading a batch's files."""

    batch_id: str
    producer: Producer
    seq: int
    staged_at: str
    operations: int
    rows: int
    files: tuple[FileEntry, ...]

    def encode(self) -> bytes:
        """The manifest as JSON bytes."""
        return json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True).encode()

    @property
    def order(self) -> tuple[datetime, str, int]:
        """Producer order: its run's start, its run id, then the batch's place in that run."""
        return (datetime.fromisoformat(self.producer.started_at), self.producer.run_id, self.seq)


def _text(value: Any, what: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME_CHARS:
        raise ManifestError(f"manifest: {what} is not a string of at most {MAX_NAME_CHARS} chars")
    return value


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 40:
        raise ManifestError(f"manifest: {what} is not a count")
    return value


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 64:
        raise ManifestError(f"manifest: {what} is not a short list")
    names = tuple(_text(v, what) for v in value)
    if any(TABLE_NAME.fullmatch(n) is None for n in names):
        raise ManifestError(f"manifest: {what} holds a name that is no column name")
    return names


def _time(value: Any, what: str) -> str:
    text = _text(value, what)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ManifestError(f"manifest: {what} is not an ISO timestamp") from None
    if parsed.tzinfo is None:
        raise ManifestError(f"manifest: {what} has no timezone")
    return str(text)


def _file(raw: Any) -> FileEntry:
    if not isinstance(raw, dict):
        raise ManifestError("manifest: a file entry is not an object")
    name = _text(raw.get("name"), "file name")
    if FILE_NAME.fullmatch(name) is None:
        raise ManifestError(f"manifest: file name {name[:80]!r} is not one the sink writes")
    kind = raw.get("kind")
    encoding = raw.get("encoding", "typed")
    if kind not in KINDS or encoding not in ENCODINGS:
        raise ManifestError(f"manifest: {name}: unknown kind or encoding")
    table = _text(raw.get("table"), "table", optional=True)
    if (table is None) != (kind == "operations") or (
        table is not None and TABLE_NAME.fullmatch(table) is None
    ):
        raise ManifestError(f"manifest: {name}: table missing or malformed")
    if kind == "rows" and name != f"rows.{table}.parquet":
        raise ManifestError(f"manifest: {name} does not name its table {table}")
    return FileEntry(
        name=name,
        kind=kind,
        bytes=_count(raw.get("bytes"), "file bytes"),
        rows=_count(raw.get("rows"), "file rows"),
        table=table,
        encoding=encoding,
        key_columns=_names(raw.get("key_columns", []), "key columns"),
        keep=_names(raw.get("keep", []), "keep columns"),
    )


def decode(data: bytes, batch_id: str) -> Manifest:
    """A manifest from untrusted bytes, checked against the folder's batch id."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"manifest: {len(data)} bytes, more than {MAX_MANIFEST_BYTES}")
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ManifestError(f"manifest: not JSON ({type(error).__name__})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ManifestError(f"manifest: not a {FORMAT} manifest")
    if raw.get("batch_id") != batch_id or BATCH_ID.fullmatch(batch_id) is None:
        raise ManifestError("manifest: its batch id is not its folder's")
    producer = raw.get("producer")
    files = raw.get("files")
    if not isinstance(producer, dict) or not isinstance(files, list) or len(files) > MAX_FILES:
        raise ManifestError("manifest: producer or files malformed")
    entries = tuple(_file(f) for f in files)
    names = [e.name for e in entries]
    if len(set(names)) != len(names) or names.count("ops.parquet") != 1:
        raise ManifestError("manifest: file names repeat, or no operations file")
    return Manifest(
        batch_id=batch_id,
        producer=Producer(
            crawl=_text(producer.get("crawl"), "crawl"),
            partition=_text(producer.get("partition"), "partition"),
            run_id=_text(producer.get("run_id"), "run id"),
            started_at=_time(producer.get("started_at"), "started_at"),
        ),
        seq=_count(raw.get("seq"), "seq"),
        staged_at=_time(raw.get("staged_at"), "staged_at"),
        operations=_count(raw.get("operations"), "operations"),
        rows=_count(raw.get("rows"), "rows"),
        files=entries,
    )
