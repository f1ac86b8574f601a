"""The store the settings name: the lake when `LINEAGE_STORE_URL` is set, else the embedded
DuckDB file (and its published copy) under `LINEAGE_HOME`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lineage_assets import config
from lineage_assets.store import lake as lakes
from lineage_assets.store.writer import LineageStore


def describe(home: Path | None = None) -> str:
    """Where the configured store is, safe to print and to put in metadata."""
    lake = lakes.configured()
    return lake.public if lake is not None else str(config.duckdb_path(home))


@contextmanager
def open_store(home: Path | None = None, *, lock_timeout_s: float = 30.0) -> Iterator[LineageStore]:
    """The configured store, open for writing (migrated, views current, always closed)."""
    lake = lakes.configured()
    if lake is not None:
        with LineageStore.open(lake=lake) as store:
            yield store
        return
    with LineageStore.open(
        config.duckdb_path(home), config.published_path(home), lock_timeout_s=lock_timeout_s
    ) as store:
        yield store
