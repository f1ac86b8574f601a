"""Typed reads of SQL from git over a real store: the stored state a sync plans against, and
the lineage summary the Dagster asset shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_assets.git_sql import ids, views
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.sql import extract_lineage
from lineage_assets.store import LineageStore, SourceRecords

FILES = {
    "orders.sql": "CREATE TABLE mart.orders AS SELECT id, amount FROM raw.orders;\n"
    "INSERT INTO mart.totals SELECT sum(amount) AS total FROM mart.orders WHERE id > 0;\n",
    "users.sql": "INSERT INTO mart.users SELECT id FROM raw.users;\nSELECT FROM WHERE (;\n",
}


@pytest.fixture
def store(tmp_path: Path):
    with LineageStore.open(tmp_path / "lineage.duckdb") as opened:
        for path, sql in FILES.items():
            units = [ParsedUnit(extract_lineage(sql))]
            key = ids.file_key("shop", path)
            opened.replace_source(file_records(key, "shop", path, f"blob-{path}", None, units))
        opened.replace_source(
            SourceRecords(ids.repository_key("shop"), "git_repository", "r", content_hash="c1")
        )
        yield opened


def test_stored_state_is_the_last_commit_and_each_current_blob(store: LineageStore) -> None:
    state = views.stored_state(store.conn, "shop")
    assert state.commit == "c1"
    assert dict(state.files) == {"orders.sql": "blob-orders.sql", "users.sql": "blob-users.sql"}
    store.mark_failed(ids.file_key("shop", "users.sql"), "sql_file", "boom")
    assert views.stored_state(store.conn, "shop").files["users.sql"] is None  # parsed again
    assert views.stored_state(store.conn, "other") == views.StoredState(None, {})


def test_file_keys_are_the_repository_files_whatever_their_status(store: LineageStore) -> None:
    store.mark_failed(ids.file_key("shop", "users.sql"), "sql_file", "boom")
    assert sorted(views.file_keys(store.conn, "shop")) == [
        "sql:shop/orders.sql",
        "sql:shop/users.sql",
    ]
    assert views.file_keys(store.conn, "sho") == []


def test_sync_summary_counts_ranks_tables_and_lists_errors(store: LineageStore) -> None:
    summary = views.sync_summary(store.conn, top=2)
    assert (summary.table_edges, summary.sql_files, summary.statements) == (3, 2, 4)
    assert summary.column_edges == 4 and summary.indirect_column_edges == 1
    assert summary.top_tables == (
        views.TableUse("mart.orders", 1, 1),
        views.TableUse("mart.totals", 1, 0),
    )
    assert summary.parse_errors == tuple(views.parse_errors(store.conn))
    (error,) = summary.parse_errors
    assert (error.file, error.line) == ("users.sql", 2) and error.error.startswith("line 2")


def test_an_empty_store_has_an_empty_summary(tmp_path: Path) -> None:
    with LineageStore.open(tmp_path / "empty.duckdb") as empty:
        assert views.sync_summary(empty.conn) == views.SyncSummary(0, 0, 0, 0, 0, (), ())
