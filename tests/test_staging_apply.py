"""The staged path lands exactly what the store's own path lands: the same SourceRecords written
by `replace_sources`/`mark_failed`/… into one store and staged then ingested into another give
equal tables. Staged files are untrusted: a tampered batch is rejected, never half-applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lineage_assets.staging.apply import APPLIED, APPLIED_PER_OPERATION
from lineage_assets.staging.ingest import ingest
from lineage_assets.staging.location import MANIFEST, StagingLocation
from lineage_assets.staging.sink import StagingSink
from lineage_assets.store import LineageStore
from lineage_assets.store.errors import RecordError
from lineage_assets.store.records import SourceRecords, Upsert
from tests.support.staging_workers import sql_source

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
# Columns that hold the time of the write, not of the data.
WRITE_TIMES = {
    "sources": ("last_success_at", "last_attempt_at"),
    "crawl_errors": ("occurred_at",),
}
BOOKKEEPING = {
    "schema_migrations",
    "derived_views",
    "staging_batches",
    "staging_applied_operations",
}


def dataset(uri: str, version: str, seen: datetime, *, evidence: Any = None) -> SourceRecords:
    """An S3 dataset with typed, JSON and list columns, plus history upserts."""
    records = SourceRecords(f"s3:{uri}", "s3_dataset", uri, content_hash=version)
    records.add(
        "s3_datasets",
        [{"dataset_uri": uri, "partition_columns": ["dt"], "objects_sampled": 2,
          "bytes_read": 10, "sampled_at": seen}],
    )  # fmt: skip
    records.add(
        "column_classifications",
        [{"dataset_uri": uri, "column_path": "email", "pii_class": "email", "confidence": 0.9,
          "evidence": evidence or {"hits": 3, "text": "a\ud800b"}, "classified_at": seen}],
    )  # fmt: skip
    records.history = [
        Upsert(
            "s3_schema_versions", ("dataset_uri", "version"),
            [{"dataset_uri": uri, "version": version, "schema": {"cols": ["email"]},
              "first_seen_at": seen, "last_seen_at": seen}],
            keep=("first_seen_at",),
        ),
    ]  # fmt: skip
    return records


def nightly(day: int) -> list[tuple[str, Any]]:
    """Two nights of a crawl: replaces (one with values that fit no column type), a failure,
    an error, a removal, and a replace of a source removed earlier in the same night."""
    seen = T0.replace(day=day)
    odd = sql_source("odd", 0)
    odd.rows["sql_files"] = [{"repo": "odd", "path": "f0.sql", "statement_count": "7"}]
    ops: list[tuple[str, Any]] = [
        ("replace_sources", [sql_source("r", i, version=day) for i in range(4)]),
        ("replace_sources", [dataset(f"s3://b/d{i}/", "v1", seen) for i in range(3)]),
        ("replace_source", dataset("s3://b/d0/", "v2", seen)),
        ("mark_failed", ("sql:r/f1.sql", "sql_file", f"night {day}: AccessDenied")),
        ("log_error", ("sql:r/f2.sql", "sql_file", "one statement skipped")),
        ("replace_source", odd),
    ]
    if day == 2:
        ops += [("remove_source", "sql:r/f3.sql"), ("replace_source", sql_source("r", 3, 9))]
    return ops


def play(sink: Any, ops: list[tuple[str, Any]]) -> None:
    for name, argument in ops:
        if name == "mark_failed":
            sink.mark_failed(*argument, error_type="AccessDenied", location="x")
        elif name == "log_error":
            sink.log_error(*argument)
        else:
            getattr(sink, name)(argument)


def contents(store: LineageStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without write times."""
    tables = {}
    for table in sorted(set(store.catalog.columns) - BOOKKEEPING):
        excluded = WRITE_TIMES.get(table, ())
        select = f"* EXCLUDE ({', '.join(excluded)})" if excluded else "*"
        tables[table] = store.conn.execute(
            f'SELECT {select} FROM "{table}" ORDER BY ALL'  # noqa: S608
        ).fetchall()
    return tables


def test_staged_then_ingested_equals_written_by_the_store(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    with (
        LineageStore.open(tmp_path / "direct.duckdb") as direct,
        LineageStore.open(tmp_path / "staged.duckdb") as staged,
    ):
        for day in (1, 2):
            play(direct, nightly(day))
            with StagingSink(location, "nightly", max_batch_operations=5) as sink:
                play(sink, nightly(day))
            report = ingest(staged, location)
            assert {a.status for a in report.applied} == {APPLIED}
            assert contents(staged) == contents(direct)
        landed = contents(staged)
    assert len(landed["s3_schema_versions"]) == 4 and len(landed["table_edges"]) > 10
    assert ("sql:odd/f0.sql", "odd", "f0.sql", None, None, None, None, None, 7, None) in landed[
        "sql_files"
    ]


def test_a_source_the_store_refuses_is_marked_failed_and_the_rest_lands(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    bad = sql_source("bad", 0)
    bad.rows["sql_files"] = [{"repo": "bad", "path": "f0.sql", "statement_count": "many"}]
    with StagingSink(location, "mixed") as sink:
        sink.replace_sources([sql_source("good", 0), bad, sql_source("good", 1)])
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        store.replace_source(sql_source("bad", 0))
        (applied,) = ingest(store, location).applied
        assert applied.status == APPLIED_PER_OPERATION and applied.failed_sources == (
            "sql:bad/f0.sql",
        )
        statuses = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
        assert statuses == {
            "sql:good/f0.sql": "ok",
            "sql:good/f1.sql": "ok",
            "sql:bad/f0.sql": "stale",
        }
        assert store.conn.execute(
            "SELECT count(*) FROM table_edges WHERE source_key = 'sql:bad/f0.sql'"
        ).fetchone() == (3,)  # its last good rows stay


def test_the_sink_refuses_what_the_store_would(tmp_path: Path):
    sink = StagingSink(StagingLocation.from_url(str(tmp_path)), "x")
    with pytest.raises(RecordError, match="no column"):
        sink.replace_source(SourceRecords("k", "sql_file").add("sql_files", [{"nope": 1}]))
    with pytest.raises(RecordError, match="not a per-source table"):
        sink.replace_source(SourceRecords("k", "sql_file").add("schema_migrations", [{}]))
    with pytest.raises(RecordError, match="unique"):
        sink.replace_sources([SourceRecords("k", "a"), SourceRecords("k", "a")])
    assert sink.commit() is None and StagingLocation.from_url(str(tmp_path)).list_batches() == []


def tamper(location: StagingLocation, how: str) -> str:
    with StagingSink(location, "t") as sink:
        sink.replace_sources([sql_source("t", 0), sql_source("t", 1)])
    (batch_id,) = [item.batch_id for item in location.list_batches()]
    folder = Path(location.batch_dir(batch_id))
    manifest = json.loads((folder / MANIFEST).read_text())
    if how == "foreign rows":  # rows owned by no operation of the batch
        table = pq.read_table(folder / "rows.table_edges.parquet")
        seqs = pa.array([99] * table.num_rows, pa.int32())
        pq.write_table(table.set_column(0, "_seq", seqs), folder / "rows.table_edges.parquet")
        for entry in manifest["files"]:
            if entry["name"] == "rows.table_edges.parquet":
                entry["bytes"] = (folder / entry["name"]).stat().st_size
    elif how == "size":
        manifest["files"][1]["bytes"] += 1
    elif how == "path":
        manifest["files"][1]["name"] = "../../../etc/passwd"
    elif how == "table":
        manifest["files"][1]["table"] = "schema_migrations"
        manifest["files"][1]["name"] = "rows.schema_migrations.parquet"
    elif how == "json":
        (folder / MANIFEST).write_text("{" * 100_000)
        return batch_id
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return batch_id


@pytest.mark.parametrize("how", ["foreign rows", "size", "path", "table", "json"])
def test_a_tampered_batch_is_rejected_whole_and_logged(tmp_path: Path, how: str):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    batch_id = tamper(location, how)
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        report = ingest(store, location)
        assert list(report.rejected) == [batch_id] and report.applied == []
        assert store.conn.execute("SELECT count(*) FROM sources").fetchone() == (0,)
        assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (0,)
        assert store.conn.execute("SELECT status FROM staging_batches").fetchall() == [
            ("rejected",)
        ]
        (message,) = store.conn.execute("SELECT message FROM crawl_errors").fetchone()
        assert message.startswith("staged batch rejected")


def test_batches_applied_together_fall_back_one_by_one_when_one_is_refused(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    bad = sql_source("b", 1)
    bad.rows["sql_files"] = [{"repo": "b", "path": "f1.sql", "statement_count": "many"}]
    with StagingSink(location, "three", max_batch_operations=2) as sink:
        sink.replace_sources([sql_source("a", 0), sql_source("a", 1)])
        sink.replace_sources([sql_source("b", 0), bad])
        sink.replace_sources([sql_source("c", 0), sql_source("c", 1)])
    assert len(sink.committed) == 3
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        statuses = [a.status for a in ingest(store, location).applied]
        assert statuses == [APPLIED, APPLIED_PER_OPERATION, APPLIED]
        landed = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
        assert landed == {
            "sql:a/f0.sql": "ok", "sql:a/f1.sql": "ok", "sql:b/f0.sql": "ok",
            "sql:b/f1.sql": "failed", "sql:c/f0.sql": "ok", "sql:c/f1.sql": "ok",
        }  # fmt: skip
        assert store.conn.execute("SELECT count(*) FROM staging_batches").fetchone() == (3,)


def test_a_batch_that_cannot_be_read_waits_then_is_rejected_once_old(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    with StagingSink(location, "io") as sink:
        sink.replace_source(sql_source("io", 0))
    (batch_id,) = [item.batch_id for item in location.list_batches()]
    manifest = Path(location.batch_dir(batch_id)) / MANIFEST
    manifest.unlink()
    manifest.mkdir()  # reading it fails with an I/O error, as a dropped connection would
    (manifest / "x").write_text("x")
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        first = ingest(store, location)
        assert list(first.unreadable) == [batch_id] and not first.rejected
        assert store.conn.execute("SELECT count(*) FROM staging_batches").fetchone() == (0,)
        later = ingest(store, location, sweep_after=timedelta(0))
        assert list(later.rejected) == [batch_id] and "unreadable" in later.rejected[batch_id]
    assert location.list_batches() == []


def test_a_late_batch_of_an_older_run_never_overwrites_a_newer_run(tmp_path: Path):
    location = StagingLocation.from_url(str(tmp_path / "staging"))
    older = StagingSink(location, "nightly", "p")  # started first, commits last
    with StagingSink(location, "nightly", "p") as newer:
        newer.replace_source(sql_source("late", 0, version=2))
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        assert len(ingest(store, location).applied) == 1
        older.replace_source(sql_source("late", 0, version=1))
        older.commit()
        report = ingest(store, location)
        assert report.applied == [] and "superseded" in next(iter(report.rejected.values()))
        assert store.conn.execute("SELECT DISTINCT start_line FROM table_edges").fetchall() == [
            (2,)
        ]
        with StagingSink(location, "nightly", "other") as other:  # another partition: applies
            other.replace_source(sql_source("late", 1, version=1))
        assert len(ingest(store, location).applied) == 1
