"""Open the DuckDB file: one writer at a time (waiting politely for the lock), many readers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lineage_assets import config
from lineage_assets.store.errors import StoreLockedError, StoreNotPublishedError

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


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down, bounded connection to the published copy; never takes the
    writer's lock."""
    if not path.exists():
        raise StoreNotPublishedError(
            f"no published store at {path} yet (the data folder is $LINEAGE_HOME): run "
            "`lineage-assets init` or a crawl (e.g. materialize the lineage job) to publish one"
        )
    return duckdb.connect(str(path), read_only=True, config=reader_config())


@contextmanager
def open_published(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect_published` for the length of a `with` block, closed when it ends."""
    conn = connect_published(path)
    try:
        yield conn
    finally:
        conn.close()
