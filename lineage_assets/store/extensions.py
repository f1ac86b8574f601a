"""DuckDB extensions from pip wheels (`pip install lineage-assets[lake]`), loaded with no download.

DuckDB normally fetches extensions from its repository at INSTALL time; that fails offline and
in locked-down networks. The `duckdb-extension-*` wheels carry the same binaries for the pinned
DuckDB version, so the store loads them straight from site-packages.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

from lineage_assets.store.errors import StoreError
from lineage_assets.store.sqltext import literal

# Extension name -> the module of the wheel that ships it.
WHEELS = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


def extension_file(name: str) -> Path:
    """The `.duckdb_extension` binary for this DuckDB version inside the extension's wheel."""
    module_name = WHEELS.get(name)
    if module_name is None:
        raise StoreError(f"no wheel known for DuckDB extension {name!r}; known: {sorted(WHEELS)}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise StoreError(
            f"DuckDB extension {name!r} needs its wheel: pip install 'lineage-assets[lake]'"
        ) from error
    if module.__file__ is None:
        raise StoreError(f"the wheel of DuckDB extension {name!r} has no files")
    folder = Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    binary = folder / f"{name}.duckdb_extension"
    if not binary.exists():
        raise StoreError(
            f"{binary} is missing: the wheel does not match DuckDB {duckdb.__version__}"
        )
    return binary


def load_extension(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load an extension from its wheel into this connection (no network, no ~/.duckdb write)."""
    conn.execute(f"LOAD {literal(str(extension_file(name)))}")
