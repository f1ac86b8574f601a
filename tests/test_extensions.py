"""DuckDB extensions load from their pip wheels with downloads switched off."""

from __future__ import annotations

import duckdb
import pytest

from lineage_assets.store import StoreError
from lineage_assets.store.extensions import WHEELS, extension_file, load_extension


@pytest.mark.parametrize("name", sorted(WHEELS))
def test_extension_loads_offline_from_its_wheel(name):
    conn = duckdb.connect()
    try:
        conn.execute("SET autoinstall_known_extensions = false")
        conn.execute("SET autoload_known_extensions = false")
        conn.execute("SET custom_extension_repository = 'http://127.0.0.1:9/none'")
        load_extension(conn, name)
        loaded = conn.execute(
            "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
        ).fetchone()
    finally:
        conn.close()
    assert loaded == (True,)


def test_ducklake_keeps_a_table_across_attaches(tmp_path):
    conn = duckdb.connect()
    try:
        load_extension(conn, "ducklake")
        catalog, data = tmp_path / "catalog.ducklake", tmp_path / "data"
        conn.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{data}')")
        conn.execute("CREATE TABLE lake.edges (source_node VARCHAR, target_node VARCHAR)")
        conn.execute("INSERT INTO lake.edges VALUES ('table:a', 'table:b')")
        conn.execute("DETACH lake")
        conn.execute(f"ATTACH 'ducklake:{catalog}' AS again (DATA_PATH '{data}')")
        assert conn.execute("SELECT * FROM again.edges").fetchall() == [("table:a", "table:b")]
    finally:
        conn.close()


def test_an_unknown_extension_is_a_clear_error():
    with pytest.raises(StoreError, match="no wheel known"):
        extension_file("spatial")
