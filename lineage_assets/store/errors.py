"""Errors the store raises, each naming the file or table it is about."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's errors."""


class StoreLockedError(StoreError):
    """Another process holds the DuckDB file's write lock for longer than we wait."""


class StoreNotPublishedError(StoreError):
    """Readers asked for the published copy before any write batch published one."""


class StoreVersionError(StoreError):
    """The file was written by a newer schema than this code knows, or a migration changed."""


class RecordError(StoreError):
    """Records do not fit the store's tables (unknown table or column, missing source key)."""


class DuplicateKeyError(RecordError):
    """Rows repeat a table's key, within a batch or against stored rows (on DuckLake, which has
    no constraints, the writer checks the keys itself)."""
