"""The single writer: replaces one source's rows atomically, marks failed sources stale,
records crawl runs (closing those whose process died), and publishes a read-only copy.

Values always travel as query parameters or Arrow tables, never inside SQL text; table and
column names come from the store's own catalog, never from records.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pyarrow as pa

from lineage_assets.store import registry
from lineage_assets.store.connection import connect
from lineage_assets.store.derived import (
    INDEX_COLUMNS,
    REBUILD_EDGE_INDEX,
    edges_reading,
    sync_views,
)
from lineage_assets.store.errors import DuplicateKeyError, RecordError, StoreError
from lineage_assets.store.filecopy import copy_durably
from lineage_assets.store.lake_schema import TableKey, table_keys
from lineage_assets.store.migrate import migrate
from lineage_assets.store.owner import ProcessIdentity
from lineage_assets.store.records import SourceMeta, SourceRecords, Upsert, as_row
from lineage_assets.store.sqltext import literal, quote

if TYPE_CHECKING:
    from lineage_assets.store.lake import LakeLocation

T = TypeVar("T")

SOURCE_KEY = "source_key"
# A run owned by a process on another host (whose liveness we cannot see) is closed as dead
# after this long without writing anything.
ABANDONED_AFTER = timedelta(hours=24)
# The status_reason prefix of runs closed because their process was gone.
ABANDONED = "abandoned: "
MAX_MESSAGE_CHARS = 4_000
# Rows turned into Arrow and inserted at a time: one file of 100,000 statements never holds
# all its rows twice more as dicts and Arrow at once.
INSERT_CHUNK_ROWS = 10_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
# Tables that name a source but are the store's own bookkeeping, never replaced by one.
_BOOKKEEPING = frozenset({"sources", "crawl_errors"})
# DuckLake detects conflicting commits per table; a commit that lost is tried again this many
# times in all, after a growing random pause (the writer is single, so this is rare).
COMMIT_ATTEMPTS = 8
_CONFLICT_PAUSE_S = 0.05

_MARK_OK = """
INSERT INTO sources (source_key, source_kind, display_name, status, row_count, tables,
                     content_hash, last_run_id, last_success_at, last_attempt_at, last_error)
SELECT source_key, source_kind, display_name, 'ok', row_count, tables, content_hash,
       last_run_id, now, now, NULL
FROM _batch_sources
ON CONFLICT (source_key) DO UPDATE SET
    source_kind = excluded.source_kind, display_name = excluded.display_name, status = 'ok',
    row_count = excluded.row_count, tables = excluded.tables,
    content_hash = excluded.content_hash, last_run_id = excluded.last_run_id,
    last_success_at = excluded.last_success_at, last_attempt_at = excluded.last_attempt_at,
    last_error = NULL
"""

# DuckLake has no ON CONFLICT: every column of a replaced source's row is new, so its row is
# deleted and inserted again (in the same transaction).
_MARK_OK_LAKE = (
    "DELETE FROM sources WHERE source_key IN (SELECT source_key FROM _batch_sources)",
    _MARK_OK.split("ON CONFLICT")[0],
)

# The walk index follows its sources: rebuilt for exactly the sources of the batch.
_INDEX_DELETE = (
    "DELETE FROM lineage_edge_index WHERE source_key IN (SELECT source_key FROM _batch_sources)"
)
_INDEX_KEYS = "source_key IN (SELECT source_key FROM _batch_sources)"

_BOOKKEEPING_SCHEMA = pa.schema(
    [
        ("source_key", pa.string()),
        ("source_kind", pa.string()),
        ("display_name", pa.string()),
        ("row_count", pa.int64()),
        ("tables", pa.list_(pa.string())),
        ("content_hash", pa.string()),
        ("last_run_id", pa.string()),
        ("now", pa.timestamp("us", tz="UTC")),
    ]
)

# A source that never succeeded has no rows to keep: `failed`; otherwise its rows go `stale`.
_MARK_FAILED = """
INSERT INTO sources (source_key, source_kind, display_name, status, last_run_id,
                     last_attempt_at, last_error)
VALUES (?, ?, ?, 'failed', ?, ?, ?)
ON CONFLICT (source_key) DO UPDATE SET
    status = CASE WHEN sources.last_success_at IS NULL THEN 'failed' ELSE 'stale' END,
    last_run_id = excluded.last_run_id, last_attempt_at = excluded.last_attempt_at,
    last_error = excluded.last_error
"""

_MARK_FAILED_LAKE = """
MERGE INTO sources USING (SELECT ? AS source_key, ? AS source_kind, ? AS display_name,
                                 ? AS last_run_id, ? AS last_attempt_at, ? AS last_error) AS f
ON sources.source_key = f.source_key
WHEN MATCHED THEN UPDATE SET
    status = CASE WHEN sources.last_success_at IS NULL THEN 'failed' ELSE 'stale' END,
    last_run_id = f.last_run_id, last_attempt_at = f.last_attempt_at, last_error = f.last_error
WHEN NOT MATCHED THEN INSERT (source_key, source_kind, display_name, status, last_run_id,
                              last_attempt_at, last_error)
    VALUES (f.source_key, f.source_kind, f.display_name, 'failed', f.last_run_id,
            f.last_attempt_at, f.last_error)
"""

_LOG_ERROR = """
INSERT INTO crawl_errors (run_id, source_key, source_kind, occurred_at, error_type, message,
                          location)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def utcnow() -> datetime:
    """The current time, timezone-aware, as the store keeps every timestamp."""
    return datetime.now(UTC)


def bookkeeping(sources: Sequence[SourceMeta], run_id: str | None) -> pa.Table:
    """One `sources` row per replaced source, as an Arrow table upserted in one statement."""
    count, now = len(sources), utcnow()
    return pa.table(
        {
            "source_key": [s.source_key for s in sources],
            "source_kind": [s.source_kind for s in sources],
            "display_name": [s.display_name for s in sources],
            "row_count": [s.row_count for s in sources],
            "tables": [sorted(s.tables) for s in sources],
            "content_hash": [s.content_hash for s in sources],
            "last_run_id": [run_id] * count,
            "now": [now] * count,
        },
        schema=_BOOKKEEPING_SCHEMA,
    )


def storable_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Text any column accepts: lone surrogates replaced, cut to `limit` characters."""
    text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def _valid_utf8(value: Any) -> Any:
    """A value whose strings (at any depth) have their lone surrogates replaced by U+FFFD:
    JSON text may hold `\\ud800`, which no UTF-8 column can store."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_valid_utf8(k): _valid_utf8(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_valid_utf8(item) for item in value]
    return value


class Catalog:
    """Tables and their columns as the migrated file has them."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name IN "
            "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_catalog = current_database()) "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        self.columns: dict[str, dict[str, str]] = {}
        for table, column, data_type in rows:
            self.columns.setdefault(table, {})[column] = data_type

    @property
    def source_tables(self) -> list[str]:
        """Tables whose rows belong to one source each (they have a `source_key` column)."""
        return sorted(
            t for t, cols in self.columns.items() if SOURCE_KEY in cols and t not in _BOOKKEEPING
        )

    def check(self, table: str, columns: Iterable[str]) -> dict[str, str]:
        """The table's column types, after checking that every given column exists."""
        if table not in self.columns:
            raise RecordError(f"unknown table {table!r}")
        known = self.columns[table]
        unknown = sorted(set(columns) - set(known))
        if unknown:
            raise RecordError(f"table {table!r} has no column(s) {unknown}")
        return known


def _json_text(value: Any) -> str:
    """A JSON column's text: values serialised, and escaped lone surrogates (`\\ud800`, valid
    in Python's JSON, refused by DuckDB's) replaced by U+FFFD."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    if _ESCAPED_SURROGATE.search(text) is None:
        return text
    try:
        return json.dumps(_valid_utf8(json.loads(text)), default=str, sort_keys=True)
    except ValueError:
        return text  # not JSON: DuckDB says so, naming the table


def _to_arrow(table: str, rows: list[dict[str, Any]], types: dict[str, str]) -> pa.Table:
    """Rows as an Arrow table; JSON columns get their values serialised."""
    json_columns = {c for c, t in types.items() if t == "JSON"}
    if json_columns:
        rows = [
            {k: _json_text(v) if k in json_columns and v is not None else v for k, v in row.items()}
            for row in rows
        ]
    try:
        try:
            return pa.Table.from_pylist(rows)
        except UnicodeEncodeError:  # rare: replace lone surrogates only then
            return pa.Table.from_pylist([_valid_utf8(row) for row in rows])
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise RecordError(
            f"rows for table {table!r} do not fit one type per column: {error}"
        ) from error


# The row typing the writer applies, shared with the staging sink so staged rows are typed
# exactly as the store would type them.
json_text = _json_text
valid_utf8 = _valid_utf8
rows_to_arrow = _to_arrow


def _refuse_repeated_keys(
    table: str, key_columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """An upsert batch names each key once: which of two rows with one key should win is not
    the store's to guess (the file's ON CONFLICT and the lake's MERGE would differ)."""
    seen: set[str] = set()
    for row in rows:
        key = json.dumps([row.get(c) for c in key_columns], default=str, sort_keys=True)
        if key in seen:
            raise DuplicateKeyError(
                f"table {table!r}: key {dict(zip(key_columns, json.loads(key), strict=True))} "
                "appears twice in one upsert"
            )
        seen.add(key)


class _StampedRow(Mapping[str, Any]):
    """A record's columns plus its source key, read through rather than copied: a file of
    100,000 statements does not hold a second dict per row while it is written."""

    __slots__ = ("fields", "source_key")

    def __init__(self, source_key: str, record: Any) -> None:
        self.source_key = source_key
        self.fields = record if isinstance(record, Mapping) else as_row(record)

    def __getitem__(self, column: str) -> Any:
        return self.source_key if column == SOURCE_KEY else self.fields[column]

    def __iter__(self) -> Iterator[str]:
        yield from (column for column in self.fields if column != SOURCE_KEY)
        yield SOURCE_KEY

    def __len__(self) -> int:
        return len(self.fields) + (SOURCE_KEY not in self.fields)


class LineageStore:
    """A writable store: one per process at a time, opened with `LineageStore.open`.

    Two backends, one behaviour: the embedded DuckDB file (its constraints enforce the keys,
    `publish` copies it for readers) and DuckLake (`lake`: the writer enforces the keys, commits
    that lose a conflict are retried, readers attach the lake itself).
    """

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        path: Path | None,
        published_path: Path | None,
        file_descriptor: int | None,
        *,
        lake: LakeLocation | None = None,
        keys: Mapping[str, tuple[TableKey, ...]] | None = None,
    ):
        self.conn = conn
        self.path = path
        self.published_path = published_path
        # Held open from after connect until after close, so publish can copy the file's bytes:
        # opening and closing a second handle would drop this process's POSIX lock on it.
        self._fd = file_descriptor
        self._in_transaction = False
        self.lake = lake
        # The keys the writer checks itself (on the lake; the file's constraints do it there).
        self.keys: Mapping[str, tuple[TableKey, ...]] = keys or {}
        # The `lineage_edges` fragments (as composed into the view), so a batch is indexed
        # from the fragments that read the tables it wrote (None: from the whole view).
        self.edge_fragments: tuple[str, ...] | None = None
        # (table, joined table): sources owning `table` rows have edges joining `joined` rows.
        self.cross_source_edges: tuple[tuple[str, str], ...] = ()
        self.catalog = Catalog(conn)

    @property
    def is_lake(self) -> bool:
        """Whether this store is DuckLake (no constraints; no published copy)."""
        return self.lake is not None

    @classmethod
    @contextmanager
    def open(
        cls,
        path: Path | None = None,
        published_path: Path | None = None,
        *,
        lock_timeout_s: float = 30.0,
        schemas: registry.Registry | None = None,
        lake: LakeLocation | None = None,
    ) -> Iterator[LineageStore]:
        """Open the store, migrated and with its derived views current (by default from the
        registry's schema modules): the DuckDB file at `path`, or the `lake` when given; the
        connection is always closed, even on errors."""
        schemas = schemas or registry.default()
        if lake is not None:
            with cls._open_lake(lake, schemas) as store:
                yield store
            return
        if path is None:
            raise StoreError("LineageStore.open needs the DuckDB file's path or a lake")
        conn = connect(Path(path), read_only=False, lock_timeout_s=lock_timeout_s)
        fd = os.open(path, os.O_RDONLY)
        try:
            migrate(conn, schemas.migrations())
            sync_views(conn, schemas.views())
            store = cls(conn, Path(path), Path(published_path) if published_path else None, fd)
            store.edge_fragments = schemas.edges()
            store.cross_source_edges = schemas.cross_source_edges()
            yield store
        finally:
            conn.close()
            os.close(fd)  # after DuckDB let go of the file and its lock

    @classmethod
    @contextmanager
    def _open_lake(cls, lake: LakeLocation, schemas: registry.Registry) -> Iterator[LineageStore]:
        """The writer on DuckLake: migrated with the keys taken out of the DDL, which the
        writer then enforces itself."""
        from lineage_assets.store import lake as lakes

        conn = lakes.connect(lake, read_only=False)
        try:
            migrations = schemas.migrations()
            migrate(conn, migrations, lake=True)
            sync_views(conn, schemas.views())
            store = cls(conn, None, None, None, lake=lake, keys=table_keys(migrations))
            store.edge_fragments = schemas.edges()
            store.cross_source_edges = schemas.cross_source_edges()
            yield store
        finally:
            conn.close()

    # -- crawl runs -------------------------------------------------------------------------

    def begin_run(self, trigger: str, dagster_run_id: str | None = None) -> str:
        """Record the start of a crawl run owned by this process and return its id; runs
        left `running` by a process that is gone are closed as `failed` first."""
        run_id = f"{utcnow():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.fail_dead_runs(noticed_by=run_id)
        owner = ProcessIdentity.current()
        now = utcnow()
        self._execute(
            "INSERT INTO crawl_runs (run_id, trigger, dagster_run_id, started_at, status, "
            "owner_host, owner_pid, owner_boot_id, owner_started, last_activity_at) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            [run_id, trigger, dagster_run_id, now, owner.host, owner.pid, owner.boot_id,
             owner.started, now],
        )  # fmt: skip
        return run_id

    def run_for(self, dagster_run_id: str, trigger: str) -> str:
        """The crawl run recorded for an orchestrator run, begun now if there is none yet.

        Continuing a run makes this process its owner (an orchestrator may run its steps in
        several processes), and revives it if a sweep closed it meanwhile as abandoned.
        """
        row = self.conn.execute(
            "SELECT run_id FROM crawl_runs WHERE dagster_run_id = ? "
            "ORDER BY started_at DESC LIMIT 1",
            [dagster_run_id],
        ).fetchone()
        if row is None:
            return self.begin_run(trigger, dagster_run_id)
        owner = ProcessIdentity.current()
        self._execute(
            "UPDATE crawl_runs SET owner_host = ?, owner_pid = ?, owner_boot_id = ?, "
            "owner_started = ?, last_activity_at = ?, status = 'running', finished_at = NULL, "
            "status_reason = NULL WHERE run_id = ? AND (status = 'running' OR "
            "(status = 'failed' AND starts_with(status_reason, ?)))",
            [owner.host, owner.pid, owner.boot_id, owner.started, utcnow(), row[0], ABANDONED],
        )
        return row[0]

    def _source_counts(self, run_id: str) -> tuple[int, int]:
        """Sources whose last attempt was this run: (ok, not ok)."""
        ok, failed = self.conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status <> 'ok') "
            "FROM sources WHERE last_run_id = ?",
            [run_id],
        ).fetchall()[0]
        return ok, failed

    def finish_run(self, run_id: str, status: str | None = None) -> dict[str, Any]:
        """Close a run: count its sources that succeeded and failed; status defaults from them."""
        ok, failed = self._source_counts(run_id)
        final = status or ("succeeded" if failed == 0 else "partial")
        self._execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, sources_ok = ?, "
            "sources_failed = ?, status_reason = NULL, last_activity_at = ? WHERE run_id = ?",
            [utcnow(), final, ok, failed, utcnow(), run_id],
        )
        return {"run_id": run_id, "status": final, "sources_ok": ok, "sources_failed": failed}

    def fail_dead_runs(
        self, *, noticed_by: str | None = None, abandoned_after: timedelta = ABANDONED_AFTER
    ) -> list[str]:
        """Close as `failed` every `running` run whose owner process is gone: on this host, the
        pid no longer runs (or is another process now, or the machine rebooted); on another
        host, nothing was written for `abandoned_after`. Returns the closed run ids."""
        rows = self.conn.execute(
            "SELECT run_id, owner_host, owner_pid, owner_boot_id, owner_started, "
            "coalesce(last_activity_at, started_at) FROM crawl_runs WHERE status = 'running'"
        ).fetchall()
        now, closed = utcnow(), []
        for run_id, host, pid, boot, started, active in rows:
            reason = self._death(host, pid, boot, started, now - active, abandoned_after)
            if reason is None:
                continue
            if noticed_by:
                reason += f" (closed by run {noticed_by})"
            ok, failed = self._source_counts(run_id)
            self._execute(
                "UPDATE crawl_runs SET status = 'failed', finished_at = ?, status_reason = ?, "
                "sources_ok = ?, sources_failed = ? WHERE run_id = ? AND status = 'running'",
                [now, ABANDONED + reason, ok, failed, run_id],
            )
            closed.append(run_id)
        return closed

    @staticmethod
    def _death(
        host: str | None,
        pid: int | None,
        boot: str | None,
        started: str | None,
        idle: timedelta,
        abandoned_after: timedelta,
    ) -> str | None:
        """Why a running run's owner is gone, or None while it may still be alive."""
        if host is None or pid is None:
            return "no owner process was recorded for it (written before owners were tracked)"
        alive = ProcessIdentity(host, pid, boot, started).is_alive()
        if alive is False:
            return f"its process {pid} on {host} ended without finishing it"
        if alive is None and idle > abandoned_after:
            return f"its process {pid} on {host} wrote nothing for {idle}"
        return None

    def touch_run(self, run_id: str | None) -> None:
        """Note that a run is still writing (for runs owned on other hosts)."""
        if run_id is not None:
            self.conn.execute(
                "UPDATE crawl_runs SET last_activity_at = ? WHERE run_id = ?", [utcnow(), run_id]
            )

    def _execute(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        """One write statement in its own transaction (retried on a lake commit conflict)."""
        self.atomic(lambda conn: conn.execute(sql, parameters))

    # -- writes -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN … COMMIT, rolled back on any exception so the previous rows stay intact.

        Inside an open transaction it joins it: several writes (a staged batch) commit as one.
        A lake commit conflict is not retried here; `atomic` retries a repeatable body.
        """
        if self._in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self.conn
        except BaseException:
            self._in_transaction = False
            self.conn.execute("ROLLBACK")
            raise
        self._in_transaction = False
        self.conn.execute("COMMIT")

    def atomic(self, body: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `body` in one transaction and commit; on the lake, a commit that conflicts with
        another writer's (DuckLake checks per table) runs `body` again, `COMMIT_ATTEMPTS` times
        at most. Any other error rolls back and is raised."""
        if self._in_transaction:  # part of a larger transaction: its owner commits
            return body(self.conn)
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            self.conn.execute("BEGIN TRANSACTION")
            self._in_transaction = True
            try:
                result = body(self.conn)
            except BaseException:
                self._in_transaction = False
                self.conn.execute("ROLLBACK")
                raise
            self._in_transaction = False
            try:
                self.conn.execute("COMMIT")
                return result
            except duckdb.TransactionException as error:
                # The failed COMMIT has already ended the transaction: nothing to roll back.
                if not self.is_lake or attempt == COMMIT_ATTEMPTS:
                    raise StoreError(
                        f"commit failed after {attempt} attempt(s): {error}"
                    ) from error
                time.sleep(random.uniform(0.5, 1.5) * _CONFLICT_PAUSE_S * attempt)
        raise AssertionError("unreachable")

    def replace_source(self, records: SourceRecords, run_id: str | None = None) -> int:
        """Replace one source's rows in one transaction; returns the number of rows written."""
        return self.replace_sources([records], run_id)

    def replace_sources(self, batch: Iterable[SourceRecords], run_id: str | None = None) -> int:
        """Replace several sources in one transaction (fast for many small sources)."""
        batch = list(batch)
        if not batch:
            return 0
        per_table = self._rows_per_table(batch)
        sources = [SourceMeta.of(records) for records in batch]

        def write_rows() -> None:
            for table, rows in per_table.items():
                self._insert(table, rows)
            for records in batch:
                for upsert in records.history:
                    self._upsert(upsert)

        self.atomic(lambda _: self.write_replaced(sources, set(per_table), write_rows, run_id))
        return sum(len(rows) for rows in per_table.values())

    def write_replaced(
        self,
        sources: Sequence[SourceMeta],
        tables: set[str],
        write_rows: Callable[[], None],
        run_id: str | None,
    ) -> None:
        """Replace `sources` in the caller's transaction: delete their rows from the tables
        they write now (`tables`, theirs) or wrote before, let `write_rows` insert the new
        ones, then write their `sources` rows, walk index and run."""
        keys = [source.source_key for source in sources]
        if len(set(keys)) != len(keys) or not all(keys):
            raise RecordError(f"source keys must be unique and non-empty in one batch: {keys}")
        with self._registered("_batch_sources", bookkeeping(sources, run_id)):
            previous = self.conn.execute(
                "SELECT DISTINCT unnest(tables) FROM sources "
                "WHERE source_key IN (SELECT source_key FROM _batch_sources)"
            ).fetchall()
            touched = tables | {t for s in sources for t in s.tables} | {t for (t,) in previous}
            for table in sorted(touched & set(self.catalog.source_tables)):
                self.conn.execute(
                    f"DELETE FROM {quote(table)} "  # noqa: S608
                    "WHERE source_key IN (SELECT source_key FROM _batch_sources)"
                )
            write_rows()
            self.mark_batch_ok()
            self.index_batch(touched)
            self.touch_run(run_id)

    @contextmanager
    def _registered(self, name: str, table: pa.Table) -> Iterator[None]:
        """Expose an Arrow table to SQL under `name` for the duration of the block."""
        self.conn.register(name, table)
        try:
            yield
        finally:
            self.conn.unregister(name)

    def _rows_per_table(self, batch: list[SourceRecords]) -> dict[str, list[Mapping[str, Any]]]:
        """Rows grouped by table, each stamped with its source key; validates tables."""
        per_table: dict[str, list[Mapping[str, Any]]] = {}
        owned = set(self.catalog.source_tables)
        for records in batch:
            for table, items in records.rows.items():
                if table not in owned:
                    raise RecordError(
                        f"{records.source_key}: table {table!r} is not a per-source table"
                    )
                rows = per_table.setdefault(table, [])
                rows += [_StampedRow(records.source_key, item) for item in items]
        return per_table

    def _insert(self, table: str, rows: Sequence[Mapping[str, Any]], conflict: str = "") -> None:
        """Insert rows through an Arrow table (fast, and values never touch the SQL text);
        `conflict` is an optional `ON CONFLICT …` clause."""
        if not rows:
            return
        columns = sorted({c for row in rows for c in row})
        types = self.catalog.check(table, columns)
        for start in range(0, len(rows), INSERT_CHUNK_ROWS):
            chunk = rows[start : start + INSERT_CHUNK_ROWS]
            arrow = _to_arrow(table, [{c: row.get(c) for c in columns} for row in chunk], types)
            self.insert_arrow(table, arrow, conflict)
            del chunk, arrow

    def insert_arrow(self, table: str, rows: pa.Table, conflict: str = "") -> None:
        """INSERT … SELECT from an Arrow table, in the caller's transaction; columns checked
        against the catalog. A repeated key raises DuplicateKeyError on both backends: the
        file's constraints find it, on the lake the writer looks (see `_check_keys`)."""
        if rows.num_rows == 0:
            return
        columns = rows.column_names
        self.catalog.check(table, columns)
        cols = ", ".join(quote(c) for c in columns)
        with self._registered("_incoming_rows", rows):
            if self.is_lake and not conflict:
                self._check_keys(table, set(columns), self.keys.get(table, ()))
            try:
                self.conn.execute(
                    f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM _incoming_rows "  # noqa: S608
                    + conflict
                )
            except duckdb.ConstraintException as error:
                if "duplicate key" not in str(error).lower():
                    raise
                raise DuplicateKeyError(f"table {table!r}: {error}") from error

    def _check_keys(
        self, table: str, columns: set[str], keys: Iterable[TableKey], *, stored: bool = True
    ) -> None:
        """Refuse `_incoming_rows` whose key repeats within them or (when `stored`) matches a
        row already in `table`: what a PRIMARY KEY or UNIQUE constraint refuses on the file,
        for the lake, which has none. NULLs are no key (a primary key's columns are NOT NULL,
        which DuckLake does enforce)."""
        for key in keys:
            if not set(key.columns) <= columns:
                continue  # a unique column left out is NULL: never a duplicate
            names = ", ".join(quote(c) for c in key.columns)
            present = " AND ".join(f"{quote(c)} IS NOT NULL" for c in key.columns)
            found = self.conn.execute(
                f"SELECT {names} FROM _incoming_rows WHERE {present} "  # noqa: S608
                f"GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
            ).fetchall()
            if not found and stored:
                found = self.conn.execute(
                    f"SELECT {names} FROM _incoming_rows WHERE {present} "  # noqa: S608
                    f"INTERSECT SELECT {names} FROM {quote(table)} LIMIT 1"
                ).fetchall()
            if found:
                shown = ", ".join(f"{c}={v!r}" for c, v in zip(key.columns, found[0], strict=True))
                raise DuplicateKeyError(
                    f"table {table!r}: duplicate key ({shown}) violates its "
                    f"{'primary key' if key.primary else 'unique key'}"
                )

    def _upsert(self, upsert: Upsert) -> None:
        """Insert new keys and update existing ones, keeping the `keep` columns."""
        rows = [as_row(r) for r in upsert.rows]
        for row in rows:  # every row names its key, even as NULL
            for key in upsert.key_columns:
                row.setdefault(key, None)
        _refuse_repeated_keys(upsert.table, upsert.key_columns, rows)
        if not rows:
            return
        columns = sorted({c for row in rows for c in row})
        types = self.catalog.check(upsert.table, columns)
        for start in range(0, len(rows), INSERT_CHUNK_ROWS):
            chunk = rows[start : start + INSERT_CHUNK_ROWS]
            arrow = _to_arrow(
                upsert.table, [{c: row.get(c) for c in columns} for row in chunk], types
            )
            self.upsert_arrow(upsert.table, upsert.key_columns, upsert.keep, arrow)

    def upsert_arrow(
        self, table: str, key_columns: Sequence[str], keep: Sequence[str], rows: pa.Table
    ) -> None:
        """Insert new keys and update existing ones except the `keep` columns, from an Arrow
        table, in the caller's transaction: ON CONFLICT on the file; on the lake (which has
        none) MERGE by key, which DuckLake writes as a delete and an insert."""
        if rows.num_rows == 0:
            return
        columns = rows.column_names
        missing = [key for key in key_columns if key not in columns]
        if missing:
            raise RecordError(f"rows for {table!r} lack key column(s) {missing}")
        self.catalog.check(table, columns)
        updates = sorted(set(columns) - set(key_columns) - set(keep))
        cols = ", ".join(quote(c) for c in columns)
        if self.is_lake:
            values = ", ".join(f"i.{quote(c)}" for c in columns)
            on = " AND ".join(f"t.{quote(c)} = i.{quote(c)}" for c in key_columns)
            assignments = ", ".join(f"{quote(c)} = i.{quote(c)}" for c in updates)
            matched = f"WHEN MATCHED THEN UPDATE SET {assignments}" if updates else ""
            statement = (
                f"MERGE INTO {quote(table)} AS t USING _incoming_rows AS i ON {on} {matched} "  # noqa: S608
                f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})"
            )
        else:
            keys = ", ".join(quote(c) for c in key_columns)
            action = (
                "DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updates)
                if updates
                else "DO NOTHING"
            )
            statement = (
                f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM _incoming_rows "  # noqa: S608
                f"ON CONFLICT ({keys}) {action}"
            )
        key = TableKey(table, tuple(key_columns), primary=True)
        with self._registered("_incoming_rows", rows):
            # a key twice in one upsert is refused on both backends (ON CONFLICT would keep
            # one of the rows silently, MERGE both)
            self._check_keys(table, set(columns), [key], stored=False)
            self.conn.execute(statement)

    def index_batch(self, touched: Iterable[str]) -> None:
        """Replace the walk index rows of the sources registered as `_batch_sources`, whose
        rows are in the `touched` tables (in the caller's transaction), then those of the
        sources whose edges join a touched table's rows (`Registry.cross_source_edges`)."""
        touched = set(touched)
        self.conn.execute(_INDEX_DELETE)
        self._insert_index(touched, _INDEX_KEYS)
        self._reindex_dependents(touched)

    def _insert_index(self, tables: set[str], where: str) -> None:
        """Index rows of the sources `where` selects, from only the fragments of `lineage_edges`
        reading their `tables`, each filtered before its joins and the union (the whole view
        costs a scan of every table)."""
        if self.edge_fragments is None:
            self.conn.execute(
                f"INSERT INTO lineage_edge_index SELECT {', '.join(INDEX_COLUMNS)} "  # noqa: S608
                f"FROM lineage_edges WHERE {where}"
            )
            return
        edges = edges_reading(self.edge_fragments, tables, where=where, columns=INDEX_COLUMNS)
        if edges is not None:
            self.conn.execute(f"INSERT INTO lineage_edge_index {edges}")

    def _reindex_dependents(self, changed: set[str]) -> None:
        """Index rows again, whole, of every source owning rows whose edges join a `changed`
        table's rows (a monitoring schedule reads its endpoint's capture destination)."""
        owners = sorted({owner for owner, joined in self.cross_source_edges if joined in changed})
        if not owners:
            return
        owned = " UNION ".join(f"SELECT source_key FROM {quote(table)}" for table in owners)  # noqa: S608
        dependents = self.conn.execute(
            f"SELECT source_key, tables FROM sources WHERE source_key IN ({owned})"  # noqa: S608
        ).fetchall()
        if not dependents:
            return
        keys = pa.table({SOURCE_KEY: pa.array([key for key, _ in dependents], pa.string())})
        with self._registered("_dependent_sources", keys):
            keyed = "source_key IN (SELECT source_key FROM _dependent_sources)"
            self.conn.execute(f"DELETE FROM lineage_edge_index WHERE {keyed}")  # noqa: S608
            self._insert_index({t for _, tables in dependents for t in tables or ()}, keyed)

    def mark_batch_ok(self) -> None:
        """The `sources` rows of the sources registered as `_batch_sources`: status ok, their
        counts, tables and run (in the caller's transaction)."""
        for statement in _MARK_OK_LAKE if self.is_lake else (_MARK_OK,):
            self.conn.execute(statement)

    def upsert(self, *upserts: Upsert) -> None:
        """Upsert keyed history or user-owned rows (e.g. classification overrides) atomically."""

        def write(_: duckdb.DuckDBPyConnection) -> None:
            for upsert in upserts:
                self._upsert(upsert)

        self.atomic(write)

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
        """Keep a failed source's last good rows, mark it stale, and log the error.

        A source that never succeeded gets status `failed` (it has no rows to keep).
        """
        now, message = utcnow(), storable_text(message)
        location = None if location is None else storable_text(location)

        def write(conn: duckdb.DuckDBPyConnection) -> None:
            mark = _MARK_FAILED_LAKE if self.is_lake else _MARK_FAILED
            conn.execute(mark, [source_key, source_kind, source_key, run_id, now, message])
            conn.execute(
                _LOG_ERROR, [run_id, source_key, source_kind, now, error_type, message, location]
            )
            self.touch_run(run_id)

        self.atomic(write)

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
        """Log an error about one part of a source that still landed (an execution, a report
        file), without changing the source's status."""
        location = None if location is None else storable_text(location)
        self._execute(
            _LOG_ERROR,
            [run_id, source_key, source_kind, utcnow(), error_type, storable_text(message),
             location],
        )  # fmt: skip

    def remove_source(self, source_key: str) -> None:
        """Delete a source that no longer exists (a deleted file or pipeline) and its rows."""

        def write(conn: duckdb.DuckDBPyConnection) -> None:
            row = conn.execute(
                "SELECT tables FROM sources WHERE source_key = ?", [source_key]
            ).fetchone()
            for table in sorted(set(row[0] or []) & set(self.catalog.source_tables)) if row else []:
                conn.execute(f"DELETE FROM {quote(table)} WHERE source_key = ?", [source_key])  # noqa: S608
            conn.execute("DELETE FROM lineage_edge_index WHERE source_key = ?", [source_key])
            conn.execute("DELETE FROM sources WHERE source_key = ?", [source_key])
            self._reindex_dependents(set(row[0] or []) if row else set())

        self.atomic(write)

    # -- reads and publishing ---------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Row count of every table, for the health summary."""
        return {
            table: self.conn.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()[0][0]  # noqa: S608
            for table in sorted(self.catalog.columns)
        }

    def refresh_edge_index(self) -> None:
        """Rebuild the whole walk index from `lineage_edges` (writes keep it current, and
        opening the store rebuilds it when the view changes)."""
        self.atomic(lambda conn: conn.execute(REBUILD_EDGE_INDEX))

    def publish(self) -> Path | None:
        """Checkpoint and atomically replace the read-only copy.

        The copy is the checkpointed file's bytes, taken through the descriptor held since
        open and copied by the kernel into a temp file, fsynced and renamed into place. Readers
        that already have the old copy open keep reading it; new readers see the new one.
        """
        if self.published_path is None or self.path is None or self._fd is None:
            return None  # the lake: every commit is a snapshot readers attach directly
        self.conn.execute("CHECKPOINT")
        target = self.published_path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
        try:
            if self._wal_is_empty():
                copy_durably(self._fd, temporary)
            else:  # never expected after CHECKPOINT; DuckDB's own copy is always correct
                self._copy_database(temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
            temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
        return target

    def _wal_is_empty(self) -> bool:
        """Whether every change is in the main file (so its bytes are the whole database)."""
        assert self.path is not None
        wal = self.path.with_name(self.path.name + ".wal")
        return not wal.exists() or wal.stat().st_size == 0

    def _copy_database(self, destination: Path) -> None:
        """Copy through DuckDB (ATTACH + COPY FROM DATABASE): slower, needs no checkpoint."""
        alias = "publish_" + uuid.uuid4().hex[:8]
        (current,) = self.conn.execute("SELECT current_database()").fetchall()[0]
        # ATTACH takes no parameters; the path is ours, quoted as a string literal.
        self.conn.execute(f"ATTACH {literal(str(destination))} AS {quote(alias)}")
        try:
            self.conn.execute(f"COPY FROM DATABASE {quote(current)} TO {quote(alias)}")
        finally:
            self.conn.execute(f"DETACH {quote(alias)}")
