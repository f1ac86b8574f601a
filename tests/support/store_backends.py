"""The store's two backends behind one test interface: the embedded DuckDB file (with its
published copy) and DuckLake on a real PostgreSQL catalog with data files in a temp folder.

A lake is migrated once per session into a template database; each test gets a copy
(`CREATE DATABASE … TEMPLATE`, milliseconds instead of seconds of migrations) with its own
data folder, then opens it through the same `LineageStore.open` as production code.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lineage_assets.store import LineageStore, connect_published
from lineage_assets.store.lake import AsOf, LakeLocation
from tests.support.postgres import PostgresServer

BACKENDS = ("file", "lake")


@dataclass(frozen=True)
class StoreBackend:
    """One backend for one test: open the writer, open a reader, name it to a subprocess."""

    name: str
    folder: Path
    lake: LakeLocation | None = None

    @property
    def db(self) -> Path:
        return self.folder / "lineage.duckdb"

    @property
    def published(self) -> Path:
        return self.folder / "published.duckdb"

    def open(self, **options: object) -> AbstractContextManager[LineageStore]:
        """The writer, on this backend."""
        return LineageStore.open(self.db, self.published, lake=self.lake, **options)  # type: ignore[arg-type]

    def reader(self, as_of: AsOf | None = None) -> duckdb.DuckDBPyConnection:
        """A reader: the published copy of the file, or the lake attached read-only."""
        return connect_published(self.published, as_of=as_of, lake=self.lake)

    def environment(self) -> dict[str, str]:
        """The settings that select this backend (for a subprocess or a Dagster run)."""
        if self.lake is None:
            return {"LINEAGE_HOME": str(self.folder)}
        return {
            "LINEAGE_HOME": str(self.folder),
            "LINEAGE_STORE_URL": self.lake.url,
            "LINEAGE_STORE_DATA_PATH": self.lake.data_path or "",
        }


class LakeTemplate:
    """A migrated, empty lake catalog that each test's lake is copied from."""

    def __init__(self, server: PostgresServer, folder: Path) -> None:
        self.server = server
        self.name = server.create_database("lake_template")
        with LineageStore.open(lake=LakeLocation(server.conninfo(self.name), str(folder))):
            pass  # migrated; the connection is closed, so the database can be a template

    def copy(self, data_path: Path) -> LakeLocation:
        """A new lake with the template's catalog and its own data folder."""
        name = self.server.create_database("lake", template=self.name)
        folder = str(data_path) + "/"
        self.server.psql(
            f"UPDATE ducklake_metadata SET value = '{folder}' WHERE key = 'data_path'",  # noqa: S608
            name,
        )
        return LakeLocation(self.server.conninfo(name), folder)
