"""The DuckDB lineage store: versioned schema, atomic per-source writes, a published read copy."""

from lineage_assets.store.connection import connect_published, open_published
from lineage_assets.store.errors import (
    RecordError,
    StoreError,
    StoreLockedError,
    StoreNotPublishedError,
    StoreVersionError,
)
from lineage_assets.store.records import SourceRecords, Upsert
from lineage_assets.store.writer import LineageStore

__all__ = [
    "LineageStore",
    "RecordError",
    "SourceRecords",
    "StoreError",
    "StoreLockedError",
    "StoreNotPublishedError",
    "StoreVersionError",
    "Upsert",
    "connect_published",
    "open_published",
]
