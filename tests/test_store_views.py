"""The store's typed reads of its bookkeeping, on the writer's connection and on the published
copy opened in a `with` block."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lineage_assets.store import LineageStore, SourceRecords, open_published
from lineage_assets.store.views import (
    StaleSource,
    content_hash,
    crawl_run_names,
    crawl_run_time,
    source_keys,
    stale_sources,
)


def source(key: str, kind: str, content: str | None = None) -> SourceRecords:
    return SourceRecords(key, kind, content_hash=content)


def test_reads_of_sources_and_runs_on_the_writer_and_the_published_copy(tmp_path: Path):
    db, published = tmp_path / "s.duckdb", tmp_path / "p.duckdb"
    with LineageStore.open(db, published) as store:
        run_id = store.begin_run("manual", "dagster-1")
        store.replace_sources(
            [
                source("sql:r/a.sql", "sql_file"),
                source("sql:r/b.sql", "sql_file"),
                source("git:r", "git_repository", "c0ffee"),
                source("sagemaker:us-east-1/p", "sagemaker_pipeline"),
            ],
            run_id,
        )
        store.mark_failed("sql:r/b.sql", "sql_file", "parse error", run_id=run_id)
        store.mark_failed("sql:r/new.sql", "sql_file", "unreadable", run_id=run_id)
        store.finish_run(run_id)
        writer_stale = stale_sources(store.conn)
        store.publish()
    expected = [
        StaleSource("sql:r/b.sql", "stale", "parse error"),
        StaleSource("sql:r/new.sql", "failed", "unreadable"),
    ]
    with open_published(published) as conn:
        assert stale_sources(conn) == writer_stale == expected
        assert source_keys(conn, "sql:r/") == ["sql:r/a.sql", "sql:r/b.sql", "sql:r/new.sql"]
        assert source_keys(conn, "sagemaker:", "sql_file") == []
        assert source_keys(conn, "s", "sagemaker_pipeline") == ["sagemaker:us-east-1/p"]
        assert content_hash(conn, "git:r") == "c0ffee"
        assert content_hash(conn, "git:other") is None
        finished = crawl_run_time(conn, run_id)
        assert finished is not None and finished == crawl_run_time(conn, "dagster-1")
        assert crawl_run_time(conn, "nope") is None
        assert crawl_run_names(conn) == sorted([run_id, "dagster-1"])
    with pytest.raises(duckdb.ConnectionException):
        conn.execute("SELECT 1")
