"""The DuckDB lineage store: versioned schema, atomic per-source writes, a published read copy."""

from lineage_assets.store.configured import open_store
from lineage_assets.store.connection import (
    connect_published,
    connect_published_private,
    open_published,
    reader_cursor,
)
from lineage_assets.store.errors import (
    DuplicateKeyError,
    RecordError,
    StoreError,
    StoreLockedError,
    StoreNotPublishedError,
    StoreVersionError,
)
from lineage_assets.store.records import SourceRecords, Upsert
from lineage_assets.store.writer import LineageStore

__all__ = [
    "DuplicateKeyError",
    "LineageStore",
    "RecordError",
    "SourceRecords",
    "StoreError",
    "StoreLockedError",
    "StoreNotPublishedError",
    "StoreVersionError",
    "Upsert",
    "connect_published",
    "connect_published_private",
    "open_published",
    "open_store",
    "reader_cursor",
]
