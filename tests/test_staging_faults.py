"""Fan out, fan in under faults, with real processes, files and stores: four crawls staging at
once, a crawl killed mid-batch, an ingest killed mid-apply, a batch applied twice. No row is
lost or duplicated and readers of the published copy see whole sources only. Processes are
synchronised with events and killed at known points, never timed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from datetime import timedelta
from pathlib import Path

import duckdb

from lineage_assets.staging.ingest import ingest
from lineage_assets.staging.location import StagingLocation
from lineage_assets.staging.sink import StagingSink
from lineage_assets.store import LineageStore, open_published
from tests.support.staging_workers import (
    crawl_dies_mid_batch,
    ingest_dies_mid_apply,
    sql_source,
    stage_crawl,
)

SPAWN = multiprocessing.get_context("spawn")
WAIT_S = 120  # a bound on waiting for a child's event, never a timing


def whole_sources(conn: duckdb.DuckDBPyConnection) -> None:
    """Every source's rows are all there or none: per table as many as its `sources` row says."""
    mismatched = conn.execute(
        """
        WITH counted AS (
            SELECT source_key, count(*) AS n FROM (
                SELECT source_key FROM sql_files UNION ALL SELECT source_key FROM table_edges)
            GROUP BY source_key)
        SELECT s.source_key, s.row_count, c.n FROM sources s LEFT JOIN counted c USING (source_key)
        WHERE s.source_kind = 'sql_file' AND coalesce(c.n, 0) <> coalesce(s.row_count, 0)
        """
    ).fetchall()
    assert mismatched == []


def edges_of(conn: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, tuple[int, int]]:
    """Source key → (table edges, the version stamped in them)."""
    rows = conn.execute(
        "SELECT source_key, count(*), max(start_line) FROM table_edges "
        "WHERE starts_with(source_key, ?) GROUP BY source_key",
        [prefix],
    ).fetchall()
    return {key: (n, version) for key, n, version in rows}


def kill(process: multiprocessing.process.BaseProcess) -> None:
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    assert process.exitcode == -signal.SIGKILL


def test_four_crawls_stage_at_once_and_one_ingest_applies_every_row_once(tmp_path: Path):
    root = str(tmp_path / "staging")
    barrier = SPAWN.Barrier(4)
    crawls = [
        SPAWN.Process(target=stage_crawl, args=(root, f"c{n}", 30, 7, barrier)) for n in range(4)
    ]
    for process in crawls:
        process.start()
    for process in crawls:
        process.join()
    assert [p.exitcode for p in crawls] == [0, 0, 0, 0]
    location = StagingLocation.from_url(root)
    assert len(location.list_batches()) == 4 * 5  # 30 sources in batches of 7

    with LineageStore.open(tmp_path / "s.duckdb", tmp_path / "p.duckdb") as store:
        report = ingest(store, location)
        store.publish()
        assert len(report.applied) == 20 and not report.rejected
        assert store.conn.execute("SELECT count(*) FROM staging_batches").fetchone() == (20,)
    assert location.list_batches() == []
    with open_published(tmp_path / "p.duckdb") as reader:
        for n in range(4):
            assert edges_of(reader, f"sql:c{n}/") == {
                f"sql:c{n}/f{i}.sql": (3, 1) for i in range(30)
            }
        assert reader.execute("SELECT count(*) FROM sql_files").fetchone() == (120,)
        assert reader.execute("SELECT count(*) FROM lineage_edge_index").fetchone() == (360,)
        whole_sources(reader)


def test_a_crawl_killed_mid_batch_leaves_its_sources_whole_and_its_files_are_swept(
    tmp_path: Path,
):
    root = str(tmp_path / "staging")
    location = StagingLocation.from_url(root)
    with LineageStore.open(tmp_path / "s.duckdb") as store:  # yesterday's rows, version 1
        store.replace_sources([sql_source("dying", i) for i in range(4)])
    stalled = SPAWN.Event()
    crawl = SPAWN.Process(target=crawl_dies_mid_batch, args=(root, stalled))
    crawl.start()
    assert stalled.wait(WAIT_S)
    kill(crawl)
    listed = {item.batch_id: item.has_manifest for item in location.list_batches()}
    assert sorted(listed.values()) == [False, True]  # one committed, one killed mid-batch

    with LineageStore.open(tmp_path / "s.duckdb") as store:
        report = ingest(store, location)
        assert len(report.applied) == 1 and len(report.waiting) == 1
        edges = edges_of(store.conn, "sql:dying/")
        # the committed batch replaced sources 0-1; 2-3 keep their last good rows, whole
        assert edges == {
            "sql:dying/f0.sql": (3, 2), "sql:dying/f1.sql": (3, 2),
            "sql:dying/f2.sql": (3, 1), "sql:dying/f3.sql": (3, 1),
        }  # fmt: skip
        whole_sources(store.conn)
        again = ingest(store, location)  # still young: waits, nothing applied
        assert again.applied == [] and again.waiting == report.waiting
        swept = ingest(store, location, sweep_after=timedelta(0))
        assert swept.swept == report.waiting and swept.applied == []
        assert edges_of(store.conn, "sql:dying/") == edges
    assert location.list_batches() == []


def test_an_ingest_killed_mid_apply_applies_exactly_once_when_rerun(tmp_path: Path):
    root = str(tmp_path / "staging")
    location = StagingLocation.from_url(root)
    store_path, published = tmp_path / "s.duckdb", tmp_path / "p.duckdb"
    with LineageStore.open(store_path, published) as store:
        store.replace_sources([sql_source("k", i) for i in range(6)])  # version 1
        store.publish()
    with StagingSink(location, "k", max_batch_operations=3) as sink:
        for index in range(6):
            sink.replace_source(sql_source("k", index, version=2, statements=4))
        sink.mark_failed("sql:k/gone.sql", "sql_file", "AccessDenied")
        sink.log_error("sql:k/f0.sql", "sql_file", "one statement unparsed")

    inside = SPAWN.Event()
    child = SPAWN.Process(target=ingest_dies_mid_apply, args=(str(store_path), root, inside))
    child.start()
    assert inside.wait(WAIT_S)
    kill(child)

    with LineageStore.open(store_path, published) as store:
        # nothing of the killed transaction: every source whole at version 1, no ledger row
        assert edges_of(store.conn, "sql:k/") == {f"sql:k/f{i}.sql": (3, 1) for i in range(6)}
        assert store.conn.execute("SELECT count(*) FROM staging_batches").fetchone() == (0,)
        whole_sources(store.conn)
        report = ingest(store, location)
        assert len(report.applied) == 3  # 3 + 3 replaces, then the two errors
        rerun = ingest(store, location)
        assert rerun.applied == []
        assert edges_of(store.conn, "sql:k/") == {f"sql:k/f{i}.sql": (4, 2) for i in range(6)}
        errors = store.conn.execute(
            "SELECT source_key, message FROM crawl_errors ORDER BY source_key"
        ).fetchall()
        assert errors == [
            ("sql:k/f0.sql", "one statement unparsed"), ("sql:k/gone.sql", "AccessDenied"),
        ]  # fmt: skip
        store.publish()
    with open_published(published) as reader:
        whole_sources(reader)
        assert reader.execute("SELECT count(*) FROM table_edges").fetchone() == (24,)


def test_the_same_batch_applied_twice_changes_nothing(tmp_path: Path):
    root = str(tmp_path / "staging")
    location = StagingLocation.from_url(root)
    with StagingSink(location, "twice") as sink:
        sink.replace_sources([sql_source("twice", i) for i in range(5)])
    (batch_id,) = [item.batch_id for item in location.list_batches()]
    copy = tmp_path / "copy"
    shutil.copytree(location.batch_dir(batch_id), copy)

    with LineageStore.open(tmp_path / "s.duckdb") as store:
        first = ingest(store, location)
        assert [a.batch_id for a in first.applied] == [batch_id] and first.deleted == [batch_id]
        before = store.conn.execute("SELECT * FROM table_edges ORDER BY ALL").fetchall()
        shutil.copytree(copy, location.batch_dir(batch_id))  # the same batch shows up again
        second = ingest(store, location)
        assert second.applied == [] and second.deleted == [batch_id]
        assert store.conn.execute("SELECT * FROM table_edges ORDER BY ALL").fetchall() == before
        assert len(before) == 15


def test_applied_batches_are_kept_for_the_configured_days(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    with StagingSink(location, "kept") as sink:
        sink.replace_source(sql_source("kept", 0))
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        report = ingest(store, location, keep=timedelta(days=3))
        assert len(report.applied) == 1 and report.deleted == [] and len(report.kept) == 1
        again = ingest(store, location, keep=timedelta(days=3))
        assert again.applied == [] and again.kept == report.kept
    assert len(location.list_batches()) == 1
