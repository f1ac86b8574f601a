"""Open the DuckDB file: one writer at a time (waiting politely for the lock), many readers;
readers of the lake (`LINEAGE_STORE_URL`) attach it read-only, optionally as of a snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lineage_assets import config
from lineage_assets.store import lake as lakes
from lineage_assets.store.errors import StoreError, StoreLockedError, StoreNotPublishedError
from lineage_assets.store.lake import AsOf, LakeLocation
from lineage_assets.store.sqltext import literal, quote

_LOCK_MESSAGE = "Could not set lock"

# Readers of the published copy touch nothing but that file: no other file or URL, no extension
# installed or loaded, no Python object scanned, and no statement may change these settings.
READER_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
    "lock_configuration": True,
}

READER_THREADS = 2
# Settings that freeze a connection: applied last, once a store is attached to it.
LOCKING = ("enable_external_access", "lock_configuration")


def reader_config() -> dict[str, str | bool | int | float | list[str]]:
    """READER_CONFIG plus the bounds every reader runs under: `LINEAGE_QUERY_MEMORY` of memory,
    two threads, and no spilling to disk (DuckDB's default temp folder is beside the file, in
    the data folder), so an oversized query fails with an out-of-memory error instead."""
    bounds: dict[str, str | bool | int] = {
        "memory_limit": f"{config.query_memory_bytes()}B",
        "threads": READER_THREADS,
        "temp_directory": "",
        "max_temp_directory_size": "0KB",
    }
    return {**READER_CONFIG, **bounds}  # in this order: DuckDB refuses temp_directory first


def unlocked_reader_config() -> dict[str, str | bool | int | float | list[str]]:
    """`reader_config()` without the LOCKING settings: for a connection that attaches its store
    first and locks itself after."""
    return {k: v for k, v in reader_config().items() if k not in LOCKING}


def connect(
    path: Path, *, read_only: bool, lock_timeout_s: float = 30.0
) -> duckdb.DuckDBPyConnection:
    """Connect, retrying while another process holds the file's lock, up to `lock_timeout_s`."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if _LOCK_MESSAGE not in str(error):
                raise
            if time.monotonic() + delay > deadline:
                raise StoreLockedError(
                    f"{path} is locked by another process for more than {lock_timeout_s:.0f} s: "
                    f"{error}"
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def connect_published(
    path: Path | None = None, *, as_of: AsOf | None = None, lake: LakeLocation | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down, bounded connection to the published copy; never takes the
    writer's lock. With a lake (given, or configured by `LINEAGE_STORE_URL`) the lake itself,
    attached read-only; `as_of` (a snapshot id or a time) reads a past snapshot of it."""
    lake = lake or lakes.configured()
    if lake is not None:
        return connect_lake_reader(lake, as_of)
    if as_of is not None:
        raise StoreError(
            "as-of reads need the DuckLake backend (LINEAGE_STORE_URL): the embedded file "
            "keeps only its latest state"
        )
    if path is None:
        raise StoreError("connect_published needs the published copy's path or a lake")
    if not path.exists():
        raise StoreNotPublishedError(
            f"no published store at {path} yet (the data folder is $LINEAGE_HOME): run "
            "`lineage-assets init` or a crawl (e.g. materialize the lineage job) to publish one"
        )
    return duckdb.connect(str(path), read_only=True, config=reader_config())


def connect_published_private(path: Path) -> duckdb.DuckDBPyConnection:
    """`connect_published` in a DuckDB instance of its own: the file attached read-only into
    a fresh in-memory instance, then locked down like any reader. DuckDB shares one instance
    per file path within a process, so a long-lived reader (the API) that reconnects after a
    republish would otherwise get the replaced file back for as long as any cursor on it is
    open. With a lake, the lake reader (which has no such cache)."""
    lake = lakes.configured()
    if lake is not None:
        return connect_lake_reader(lake)
    if not path.exists():
        return connect_published(path)  # its error says how to publish one
    conn = duckdb.connect(":memory:", config=unlocked_reader_config())
    try:
        alias = quote(path.stem)
        conn.execute(f"ATTACH {literal(str(path))} AS {alias} (READ_ONLY)")
        conn.execute(f"USE {alias}")
        lakes.apply_settings(conn, {name: READER_CONFIG[name] for name in LOCKING})
    except BaseException:
        conn.close()
        raise
    return conn


def connect_lake_reader(lake: LakeLocation, as_of: AsOf | None = None) -> duckdb.DuckDBPyConnection:
    """The lake attached read-only (at `as_of`, if given), then locked down like a reader of
    the published copy: files only under the lake's data path, no other setting changeable."""
    conn = lakes.connect(lake, read_only=True, as_of=as_of)
    try:
        data_path = lakes.data_path(conn)
        settings = unlocked_reader_config()
        settings.update(
            allowed_directories=[str(data_path)],
            enable_external_access=False,  # after the allowed directory, then locked
            lock_configuration=True,
        )
        lakes.apply_settings(conn, settings)
    except BaseException:
        conn.close()
        raise
    return conn


def reader_cursor(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of a reader connection, on the same store: a cursor starts on DuckDB's
    in-memory catalog, so on the lake (or a privately attached published copy) it is pointed
    at the attached store again."""
    cursor = conn.cursor()
    attached = cursor.execute(
        "SELECT database_name FROM duckdb_databases() WHERE current_database() = 'memory' "
        "AND ((database_name = ? AND type = 'ducklake') "
        "OR (type = 'duckdb' AND NOT internal AND readonly AND path IS NOT NULL)) "
        "ORDER BY database_name <> ? LIMIT 1",
        [lakes.ALIAS, lakes.ALIAS],
    ).fetchall()
    if attached:
        cursor.execute(f"USE {lakes.quote(attached[0][0])}")
    return cursor


@contextmanager
def open_published(
    path: Path | None = None, *, as_of: AsOf | None = None, lake: LakeLocation | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect_published` for the length of a `with` block, closed when it ends."""
    conn = connect_published(path, as_of=as_of, lake=lake)
    try:
        yield conn
    finally:
        conn.close()
