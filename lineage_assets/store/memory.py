"""An empty store in memory: the registry's migrations and derived views applied to a fresh
DuckDB database, for work that needs the store's tables without a store file (typing staged
rows, a first staged crawl's incremental state)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from lineage_assets.store import registry
from lineage_assets.store.derived import sync_views
from lineage_assets.store.migrate import migrate


@contextmanager
def empty_store(schemas: registry.Registry | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to an in-memory store migrated with `schemas` (by default the registry's),
    closed when the block ends."""
    schemas = schemas or registry.default()
    conn = duckdb.connect()
    try:
        migrate(conn, schemas.migrations())
        sync_views(conn, schemas.views())
        yield conn
    finally:
        conn.close()
