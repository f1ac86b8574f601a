"""A time bound for statements on a DuckDB connection: interrupt them from a watcher thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from lineage_assets.store.errors import StoreError

_REPEAT_S = 0.05


class QueryInterrupted(StoreError):
    """A statement ran past its time bound and was interrupted; nothing it read is returned."""


@contextmanager
def interrupted_after(conn: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt what `conn` runs once `seconds` have passed, and every statement it starts
    after that (an interrupt reaches only a running statement), as `QueryInterrupted`."""
    stop = threading.Event()
    fired = threading.Event()

    def watch() -> None:
        if stop.wait(seconds):
            return
        fired.set()
        while True:
            conn.interrupt()
            if stop.wait(_REPEAT_S):
                return

    watcher = threading.Thread(target=watch, name="duckdb-deadline", daemon=True)
    watcher.start()
    try:
        yield
    except duckdb.Error as error:
        if fired.is_set() and isinstance(error, duckdb.InterruptException):
            raise QueryInterrupted(f"query interrupted after {seconds:g} s") from None
        raise
    finally:
        stop.set()
        watcher.join()
