"""The DuckDB lineage store: migrations, atomic per-source replace, stale marking, hostile
names, graph walks, and readers on the published copy while a writer works (real files,
real processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from lineage_assets.store import (
    LineageStore,
    RecordError,
    SourceRecords,
    StoreLockedError,
    StoreNotPublishedError,
    StoreVersionError,
    Upsert,
    connect_published,
    registry,
)
from lineage_assets.store.migration import Migration
from lineage_assets.store.writer import LineageStore as WriterClass

MIGRATIONS = registry.default().migrations()


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "lineage.duckdb", tmp_path / "published.duckdb"


def sql_file(key: str, edges: list[tuple[str, str]], commit: str = "c1") -> SourceRecords:
    """A SQL-file source with table edges, as the SQL sync would hand it over."""
    records = SourceRecords(key, "sql_file", key)
    records.add("sql_files", [{"path": key, "commit_sha": commit, "statement_count": len(edges)}])
    records.add(
        "table_edges",
        [
            {"source_table": s, "target_table": t, "start_line": i + 1}
            for i, (s, t) in enumerate(edges)
        ],
    )
    return records


def edges_of(store: LineageStore, key: str) -> list[tuple[str, str]]:
    return store.conn.execute(
        "SELECT source_table, target_table FROM table_edges WHERE source_key = ? ORDER BY 1, 2",
        [key],
    ).fetchall()


def run_python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- migrations -----------------------------------------------------------------------------


def test_migrations_run_on_open_and_rerunning_is_a_no_op(paths):
    db, _ = paths
    with LineageStore.open(db) as store:
        versions = store.conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        tables = set(store.catalog.columns)
    assert [v for (v,) in versions] == [m.version for m in MIGRATIONS]
    assert {
        "sources",
        "crawl_runs",
        "table_edges",
        "sagemaker_steps",
        "s3_schema_versions",
    } <= tables
    from lineage_assets.store.migrate import migrate

    con = duckdb.connect(str(db))
    try:
        assert migrate(con) == []
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
            MIGRATIONS
        )
    finally:
        con.close()


def test_an_edited_or_unknown_migration_is_refused(paths):
    db, _ = paths
    with LineageStore.open(db):
        pass
    from lineage_assets.store.migrate import migrate

    con = duckdb.connect(str(db))
    try:
        edited = (Migration(1, "core", "SELECT 1"), *MIGRATIONS[1:])
        with pytest.raises(StoreVersionError, match="migration 1"):
            migrate(con, edited)
        newest = MIGRATIONS[-1].version
        with pytest.raises(StoreVersionError, match=rf"\[{newest}\]"):
            migrate(con, MIGRATIONS[:-1])
    finally:
        con.close()


def test_a_failing_migration_leaves_no_half_applied_schema(paths):
    db, _ = paths
    from lineage_assets.store.migrate import migrate

    broken = (*MIGRATIONS, Migration(99, "broken", "CREATE TABLE half (a INT); SELEC oops"))
    con = duckdb.connect(str(db))
    try:
        with pytest.raises(duckdb.ParserException):
            migrate(con, broken)
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        assert "half" not in tables
        assert 99 not in {
            r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()
        }
    finally:
        con.close()


# -- replace per source key ------------------------------------------------------------------


def test_replace_touches_only_its_own_source_key(backend):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y"), ("y", "z")]))
        store.replace_source(sql_file("b.sql", [("p", "q")]))
        store.replace_source(sql_file("a.sql", [("x", "w")], commit="c2"))
        assert edges_of(store, "a.sql") == [("x", "w")]
        assert edges_of(store, "b.sql") == [("p", "q")]
        assert store.conn.execute(
            "SELECT commit_sha FROM sql_files WHERE source_key = 'a.sql'"
        ).fetchall() == [("c2",)]
        row_count = store.conn.execute(
            "SELECT row_count FROM sources WHERE source_key = 'a.sql'"
        ).fetchone()[0]
        assert row_count == 2  # one sql_files row + one edge


def test_tables_a_source_no_longer_writes_are_cleared(backend):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y")]))
        store.replace_source(
            SourceRecords("a.sql", "sql_file").add("sql_files", [{"path": "a.sql"}])
        )
        assert edges_of(store, "a.sql") == []


def test_an_exception_mid_write_leaves_the_previous_rows_intact(backend, monkeypatch):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y")], commit="good"))
        original_insert = WriterClass._insert
        calls = []

        def failing_insert(self, table, rows):
            calls.append(table)
            original_insert(self, table, rows)  # the first table really is written …
            raise RuntimeError("injected failure mid-write")  # … then the write dies

        monkeypatch.setattr(WriterClass, "_insert", failing_insert)
        with pytest.raises(RuntimeError, match="injected"):
            store.replace_source(sql_file("a.sql", [("x", "broken")], commit="bad"))
        monkeypatch.undo()
        assert calls, "the injected failure never ran"
        assert edges_of(store, "a.sql") == [("x", "y")]
        assert store.conn.execute("SELECT commit_sha FROM sql_files").fetchall() == [("good",)]
        assert store.conn.execute("SELECT status FROM sources").fetchall() == [("ok",)]


def test_a_process_killed_mid_write_leaves_the_previous_rows_intact(paths):
    db, _ = paths
    with LineageStore.open(db) as store:
        store.replace_source(sql_file("a.sql", [("x", "y")], commit="good"))
    child = run_python(
        """
        import os, sys
        from pathlib import Path
        from lineage_assets.store import LineageStore, SourceRecords
        from lineage_assets.store.writer import LineageStore as W
        original = W._insert
        def die(self, table, rows):
            original(self, table, rows)
            os._exit(3)  # the process dies with the transaction open
        W._insert = die
        with LineageStore.open(Path(sys.argv[1])) as store:
            records = SourceRecords("a.sql", "sql_file").add("table_edges",
                [{"source_table": "x", "target_table": "crashed"}])
            records.add("sql_files", [{"path": "a.sql", "commit_sha": "crashed"}])
            store.replace_source(records)
        """,
        str(db),
    )
    _, err = child.communicate(timeout=60)
    assert child.returncode == 3, err
    with LineageStore.open(db) as store:
        assert edges_of(store, "a.sql") == [("x", "y")]
        assert store.conn.execute("SELECT commit_sha FROM sql_files").fetchall() == [("good",)]


def test_records_that_do_not_fit_are_refused_naming_table_and_column(backend):
    with backend.open() as store:
        with pytest.raises(RecordError, match="no_such_table"):
            store.replace_source(SourceRecords("k", "sql_file").add("no_such_table", [{"a": 1}]))
        with pytest.raises(RecordError, match=r"table_edges.*bogus"):
            store.replace_source(
                SourceRecords("k", "sql_file").add(
                    "table_edges", [{"source_table": "a", "target_table": "b", "bogus": 1}]
                )
            )
        with pytest.raises(RecordError, match="not a per-source table"):
            store.replace_source(SourceRecords("k", "x").add("schema_migrations", [{"version": 9}]))
        assert store.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


HOSTILE = [
    "x'; DROP TABLE sources; --",
    'quo"ted.ta;ble',
    "고객_주민번호",
    "emoji 🚀 name",
    "back\\slash\nnewline",
]


def test_hostile_names_are_data_never_sql(backend):
    with backend.open() as store:
        for i, name in enumerate(HOSTILE):
            key = f"{name}#{i}"
            store.replace_source(sql_file(key, [(name, f"{name}_out")]))
            store.mark_failed(key, "sql_file", f"error about {name}")
        stored = store.conn.execute(
            "SELECT source_key, source_table, target_table FROM table_edges ORDER BY source_key"
        ).fetchall()
        assert sorted(stored) == sorted((f"{n}#{i}", n, f"{n}_out") for i, n in enumerate(HOSTILE))
        walked = store.conn.execute(
            "SELECT node FROM downstream(?, 3)", [f"table:{HOSTILE[0]}"]
        ).fetchall()
        assert walked == [(f"table:{HOSTILE[0]}_out",)]
        assert store.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == len(HOSTILE)
        errors = [r[0] for r in store.conn.execute("SELECT message FROM crawl_errors").fetchall()]
        assert sorted(errors) == sorted(f"error about {n}" for n in HOSTILE)


# -- stale marking and runs ------------------------------------------------------------------


def test_a_failed_source_keeps_its_last_good_rows_marked_stale(backend):
    with backend.open() as store:
        run1 = store.begin_run("test")
        store.replace_source(sql_file("a.sql", [("x", "y")]), run1)
        store.replace_source(sql_file("b.sql", [("p", "q")]), run1)
        assert store.finish_run(run1)["status"] == "succeeded"

        run2 = store.begin_run("test")
        store.mark_failed(
            "a.sql", "sql_file", "a.sql:3: parse error", run_id=run2, location="a.sql:3"
        )
        store.replace_source(sql_file("b.sql", [("p", "q2")]), run2)
        store.mark_failed("never.sql", "sql_file", "unreachable", run_id=run2)
        summary = store.finish_run(run2)

        assert summary == {
            "run_id": run2,
            "status": "partial",
            "sources_ok": 1,
            "sources_failed": 2,
        }
        assert edges_of(store, "a.sql") == [("x", "y")]
        statuses = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
        assert statuses == {"a.sql": "stale", "b.sql": "ok", "never.sql": "failed"}
        stale = store.conn.execute(
            "SELECT DISTINCT source_key, is_stale FROM lineage_edges ORDER BY 1"
        ).fetchall()
        assert stale == [("a.sql", True), ("b.sql", False)]
        assert store.conn.execute(
            "SELECT source_key, last_error FROM stale_sources ORDER BY 1"
        ).fetchall() == [("a.sql", "a.sql:3: parse error"), ("never.sql", "unreachable")]
        assert store.conn.execute(
            "SELECT run_id, location FROM crawl_errors WHERE source_key = 'a.sql'"
        ).fetchall() == [(run2, "a.sql:3")]

        store.replace_source(sql_file("a.sql", [("x", "y")]), run2)  # recovers
        assert store.conn.execute(
            "SELECT status, last_error FROM sources WHERE source_key = 'a.sql'"
        ).fetchone() == ("ok", None)


def test_remove_source_deletes_its_rows_only(backend):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y")]))
        store.replace_source(sql_file("b.sql", [("p", "q")]))
        store.remove_source("a.sql")
        assert edges_of(store, "a.sql") == []
        assert edges_of(store, "b.sql") == [("p", "q")]
        assert [r[0] for r in store.conn.execute("SELECT source_key FROM sources").fetchall()] == [
            "b.sql"
        ]


def test_upsert_keeps_first_seen_and_updates_last_seen(backend):
    first, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)

    def version(seen: datetime, objects: list[str]) -> Upsert:
        row = {
            "dataset_uri": "s3://b/p/",
            "version": "abc",
            "schema": {"columns": [{"path": "email", "type": "string"}]},
            "first_seen_at": seen,
            "last_seen_at": seen,
            "sampled_from": objects,
        }
        return Upsert(
            "s3_schema_versions", ("dataset_uri", "version"), [row], keep=("first_seen_at",)
        )

    with backend.open() as store:
        store.upsert(version(first, ["a.parquet"]))
        store.upsert(version(later, ["b.parquet"]))
        row = store.conn.execute(
            "SELECT first_seen_at, last_seen_at, sampled_from, schema->>'$.columns[0].path' "
            "FROM s3_schema_versions"
        ).fetchall()
    assert row == [(first, later, ["b.parquet"], "email")]


# -- graph walks -----------------------------------------------------------------------------


def walk(
    store: LineageStore, macro: str, node: str, depth: int = 10
) -> dict[str, tuple[int, list]]:
    rows = store.conn.execute(
        f"SELECT node, depth, path FROM {macro}(?, ?)",  # noqa: S608 (macro name is ours)
        [node, depth],
    ).fetchall()
    return {n: (d, p) for n, d, p in rows}


def test_walks_follow_chains_and_diamonds_at_shortest_depth(backend):
    with backend.open() as store:
        # a -> b -> c -> d   and a diamond  a -> e -> d
        store.replace_source(
            sql_file("s", [("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"), ("e", "d")])
        )
        down = walk(store, "downstream", "table:a")
        assert {n: d for n, (d, _) in down.items()} == {
            "table:b": 1,
            "table:e": 1,
            "table:c": 2,
            "table:d": 2,
        }
        assert down["table:d"][1] == ["table:a", "table:e", "table:d"]
        up = walk(store, "upstream", "table:d")
        assert {n: d for n, (d, _) in up.items()} == {
            "table:c": 1,
            "table:e": 1,
            "table:b": 2,
            "table:a": 2,
        }
        assert up["table:b"][1] == ["table:d", "table:c", "table:b"]
        assert set(walk(store, "downstream", "table:a", 1)) == {"table:b", "table:e"}
        assert walk(store, "downstream", "table:d") == {}


def test_walks_terminate_on_cycles(backend):
    with backend.open() as store:
        store.replace_source(
            sql_file("s", [("a", "b"), ("b", "c"), ("c", "a"), ("c", "x"), ("x", "x")])
        )
        down = walk(store, "downstream", "table:a", 1000)
        assert {n: d for n, (d, _) in down.items()} == {"table:b": 1, "table:c": 2, "table:x": 3}
        for node, (depth, path) in down.items():
            assert path[0] == "table:a" and path[-1] == node and len(path) == depth + 1
        up = walk(store, "upstream", "table:a", 1000)
        assert set(up) == {"table:c", "table:b"}


def test_walks_cross_sources_through_the_unified_edge_view(backend):
    with backend.open() as store:
        ctas = sql_file("ctas.sql", [("raw", "features")])
        ctas.add(
            "table_locations",
            [
                {
                    "table_name": "features",
                    "location_uri": "s3://lake/features/",
                    "direction": "location",
                }
            ],
        )
        store.replace_source(ctas)
        pipeline = SourceRecords("sagemaker:1/us-east-1/P", "sagemaker_pipeline")
        pipeline.add(
            "sagemaker_step_io",
            [
                {
                    "account_id": "1",
                    "region": "us-east-1",
                    "pipeline_name": "P",
                    "step_name": "Prep",
                    "direction": "input",
                    "uri": "s3://lake/features/",
                    "provenance": "declared",
                },
                {
                    "account_id": "1",
                    "region": "us-east-1",
                    "pipeline_name": "P",
                    "step_name": "Prep",
                    "direction": "output",
                    "uri": "s3://art/train/",
                    "provenance": "declared",
                },
                {
                    "account_id": "1",
                    "region": "us-east-1",
                    "pipeline_name": "P",
                    "step_name": "Train",
                    "direction": "input",
                    "uri": "s3://art/train/",
                    "provenance": "observed",
                    "execution_arn": "arn:x",
                },
            ],
        )
        store.replace_source(pipeline)
        down = walk(store, "downstream", "table:raw")
        assert down["step:1/us-east-1/P/Train"] == (
            5,
            [
                "table:raw",
                "table:features",
                "data:s3://lake/features/",
                "step:1/us-east-1/P/Prep",
                "data:s3://art/train/",
                "step:1/us-east-1/P/Train",
            ],
        )
        kinds = dict(
            store.conn.execute(
                "SELECT target_node, provenance FROM lineage_edges WHERE source_node LIKE 'data:%'"
            ).fetchall()
        )
        assert kinds == {
            "step:1/us-east-1/P/Prep": "declared",
            "step:1/us-east-1/P/Train": "observed",
        }


# -- the published copy and the writer lock --------------------------------------------------


def test_the_walk_index_follows_replaces_and_removals(backend):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y"), ("y", "z")]))
        store.replace_source(sql_file("b.sql", [("z", "w")]))
        assert set(walk(store, "downstream", "table:x")) == {"table:y", "table:z", "table:w"}
        store.replace_source(sql_file("a.sql", [("x", "q")]))
        assert set(walk(store, "downstream", "table:x")) == {"table:q"}
        store.remove_source("b.sql")
        assert walk(store, "upstream", "table:w") == {}
        index = store.conn.execute(
            "SELECT source_node, target_node FROM lineage_edge_index ORDER BY 1"
        ).fetchall()
        view = store.conn.execute(
            "SELECT source_node, target_node FROM lineage_edges ORDER BY 1"
        ).fetchall()
        assert index == view == [("table:x", "table:q")]
        store.refresh_edge_index()
        assert store.conn.execute("SELECT count(*) FROM lineage_edge_index").fetchone()[0] == 1


def test_the_published_copy_walks_a_fresh_edge_index(paths):
    db, published = paths
    with LineageStore.open(db, published) as store:
        store.replace_source(sql_file("a.sql", [("x", "y"), ("y", "z")]))
        store.publish()
        store.replace_source(sql_file("b.sql", [("z", "w")]))
        store.publish()
    con = connect_published(published)
    try:
        nodes = con.execute("SELECT node FROM downstream('table:x', 5) ORDER BY depth").fetchall()
        index = con.execute("SELECT count(*) FROM lineage_edge_index").fetchone()[0]
        view = con.execute("SELECT count(*) FROM lineage_edges").fetchone()[0]
    finally:
        con.close()
    assert nodes == [("table:y",), ("table:z",), ("table:w",)]
    assert index == view == 3


def test_the_duckdb_copy_fallback_gives_the_same_database(paths, tmp_path):
    db, _ = paths
    copy = tmp_path / "fallback.duckdb"
    with LineageStore.open(db) as store:
        store.replace_source(sql_file("a.sql", [("x", "y")]))
        store._copy_database(copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute("SELECT node FROM downstream('table:x', 2)").fetchall() == [("table:y",)]
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
            MIGRATIONS
        )
    finally:
        con.close()


def test_readers_need_a_published_copy(paths):
    db, published = paths
    with pytest.raises(StoreNotPublishedError, match="no published store"):
        connect_published(published)
    with LineageStore.open(db, published) as store:
        store.replace_source(sql_file("a.sql", [("x", "y")]))
        assert store.publish() == published
    con = connect_published(published)
    try:
        assert con.execute("SELECT count(*) FROM table_edges").fetchone()[0] == 1
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM table_edges")  # the copy is read-only
    finally:
        con.close()


WRITER_LOOP = """
    import sys
    from pathlib import Path
    from lineage_assets.store import LineageStore, SourceRecords
    db, published, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    with LineageStore.open(db, published) as store:
        print("locked", flush=True)
        for n in range(1, rounds + 1):
            # round n: n edges under one source, and a marker with the same n
            records = SourceRecords("gen", "test").add("table_edges",
                [{"source_table": f"t{i}", "target_table": f"t{i+1}"} for i in range(n)])
            records.add("sql_files", [{"path": "gen", "statement_count": n}])
            store.replace_source(records)
            store.publish()
        print("done", flush=True)
        sys.stdin.readline()  # hold the write lock until the test says so
"""


def test_readers_read_the_published_copy_while_another_process_writes(paths):
    db, published = paths
    with LineageStore.open(db, published) as store:
        store.replace_source(sql_file("seed", [("a", "b")]))
        store.publish()
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER_LOOP), str(db), str(published), "40"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        seen_rounds = set()
        while writer.poll() is None and len(seen_rounds) < 40:
            con = connect_published(published)  # never waits for the writer's lock
            try:
                marker = con.execute(
                    "SELECT statement_count FROM sql_files WHERE source_key = 'gen'"
                ).fetchall()
                edges = con.execute(
                    "SELECT count(*) FROM table_edges WHERE source_key = 'gen'"
                ).fetchone()[0]
            finally:
                con.close()
            if marker:  # each published copy is one whole write batch, never half of one
                assert edges == marker[0][0]
                seen_rounds.add(edges)
            if len(seen_rounds) >= 3 and writer.stdout.readline().strip() == "done":
                break
        # the live file is locked by the writer: that is why readers use the published copy
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db), read_only=True)
        with (
            pytest.raises(StoreLockedError, match="locked by another process"),
            LineageStore.open(db, lock_timeout_s=0.3),
        ):
            pass
        final = connect_published(published)
        try:
            assert (
                final.execute(
                    "SELECT count(*) FROM table_edges WHERE source_key = 'gen'"
                ).fetchone()[0]
                == 40
            )
        finally:
            final.close()
        assert len(seen_rounds) >= 1
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()


def test_a_second_writer_waits_for_the_lock_then_proceeds(paths):
    db, _ = paths
    with LineageStore.open(db):
        pass
    holder = run_python(
        """
        import sys, time
        from pathlib import Path
        from lineage_assets.store import LineageStore
        with LineageStore.open(Path(sys.argv[1])):
            print("locked", flush=True)
            time.sleep(1.0)
        """,
        str(db),
    )
    assert holder.stdout.readline().strip() == "locked"
    with LineageStore.open(db, lock_timeout_s=60) as store:  # waits about a second, then opens
        store.replace_source(sql_file("a.sql", [("x", "y")]))
    assert holder.wait(timeout=60) == 0


def test_error_history_is_bookkeeping_not_a_source_table(backend):
    with backend.open() as store:
        store.replace_source(sql_file("a.sql", [("x", "y")]))
        store.mark_failed("a.sql", "sql_file", "first failure")
        with pytest.raises(RecordError, match="crawl_errors"):
            store.replace_source(SourceRecords("a.sql", "sql_file").add("crawl_errors", [{}]))
        store.replace_source(sql_file("a.sql", [("x", "y")]))  # recovery keeps the history
        assert store.conn.execute("SELECT message FROM crawl_errors").fetchall() == [
            ("first failure",)
        ]


# -- runs whose process died -----------------------------------------------------------------

OWN_A_RUN = """
import sys
from pathlib import Path
from lineage_assets.store import LineageStore, SourceRecords

with LineageStore.open(Path(sys.argv[1])) as store:
    run = store.begin_run("cli:test")
    edge = {"source_table": "a", "target_table": "b"}
    store.replace_source(SourceRecords("first.sql", "sql_file").add("table_edges", [edge]), run)
    if sys.argv[2] == "mid-write":  # killed inside an open write transaction
        store.conn.execute("BEGIN TRANSACTION")
        store.conn.execute("DELETE FROM table_edges")
        print(run, flush=True)
        sys.stdin.read()
print(run, flush=True)
sys.stdin.read()  # alive, between writes, the store closed
"""


def owned_run(db: Path, mode: str) -> tuple[subprocess.Popen, str]:
    """A process that began a run in `db` and now waits (holding the store when mid-write)."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(OWN_A_RUN), str(db), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip()


def run_row(store: LineageStore, run_id: str) -> tuple:
    return store.conn.execute(
        "SELECT status, status_reason, finished_at IS NOT NULL FROM crawl_runs WHERE run_id = ?",
        [run_id],
    ).fetchone()


def test_a_run_killed_mid_write_is_failed_by_the_next_run(paths):
    db, _ = paths
    writer, killed = owned_run(db, "mid-write")
    writer.kill()  # SIGKILL: no finally, no finish_run, the transaction open
    writer.wait()
    with LineageStore.open(db) as store:
        assert run_row(store, killed)[0] == "running"  # as the dead process left it
        fresh = store.begin_run("test")
        status, reason, finished = run_row(store, killed)
        assert (status, finished) == ("failed", True)
        assert f"process {writer.pid}" in reason and "ended without finishing" in reason
        assert fresh in reason  # names the run that noticed
        assert run_row(store, fresh)[0] == "running"
        # the committed write stayed, the open transaction did not
        assert edges_of(store, "first.sql") == [("a", "b")]


def test_a_run_whose_process_lives_stays_running_until_it_dies(paths):
    db, _ = paths
    owner, alive = owned_run(db, "between-writes")
    try:
        with LineageStore.open(db) as store:
            store.begin_run("test")
            assert run_row(store, alive) == ("running", None, False)
    finally:
        owner.kill()
        owner.wait()
    with LineageStore.open(db) as store:
        store.begin_run("test")
        assert run_row(store, alive)[0] == "failed"


def test_reused_pids_other_hosts_and_unowned_runs(backend):
    with backend.open() as store:
        current = store.begin_run("test")  # owned by this process: alive
        old = datetime(2020, 1, 1, tzinfo=UTC)
        now = datetime.now(UTC)
        store.conn.executemany(
            "INSERT INTO crawl_runs (run_id, started_at, status, owner_host, owner_pid, "
            "owner_started, last_activity_at) VALUES (?, ?, 'running', ?, ?, ?, ?)",
            [
                ("reused", old, socket.gethostname(), os.getpid(), "1", old),
                ("far-idle", old, "another-host", 1, None, old),
                ("far-busy", old, "another-host", 1, None, now),
                ("unowned", old, None, None, None, None),
            ],
        )
        assert sorted(store.fail_dead_runs()) == ["far-idle", "reused", "unowned"]
        assert run_row(store, "far-busy")[0] == run_row(store, current)[0] == "running"
        assert "wrote nothing" in run_row(store, "far-idle")[1]


def test_an_orchestrator_run_continued_elsewhere_is_revived(backend):
    with backend.open() as store:
        run = store.run_for("dagster-1", "manual")
        store.conn.execute(
            "UPDATE crawl_runs SET owner_pid = -1 WHERE run_id = ?", [run]
        )  # its first step's process exited
        assert store.fail_dead_runs() == [run]
        assert store.run_for("dagster-1", "manual") == run  # a later step continues it
        assert run_row(store, run) == ("running", None, False)
        assert store.finish_run(run)["status"] == "succeeded"
