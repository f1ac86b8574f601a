"""Open the DuckDB file: one writer at a time (waiting politely for the lock), many readers."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from lineage_assets.store.errors import StoreLockedError, StoreNotPublishedError

_LOCK_MESSAGE = "Could not set lock"


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
    """A read-only connection to the published copy; never takes the writer's lock."""
    if not path.exists():
        raise StoreNotPublishedError(
            f"no published store at {path} yet: run a crawl (e.g. materialize the lineage job) "
            "so that the writer publishes one"
        )
    return duckdb.connect(str(path), read_only=True)
