"""The SageMaker crawl runs without the writer: it writes through any `RecordSink` and reads
its incremental state from the connection it is given (here the published read-only copy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lineage_assets import aws
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.sagemaker.inventory import DOMAINS_KIND, PIPELINE_KIND
from lineage_assets.store import SourceRecords, connect_published
from lineage_assets.store.sink import RecordSink
from lineage_dev.emulator.definitions import ACCOUNT_ID

PIPELINE_TABLES = ("sagemaker_pipelines", "sagemaker_steps", "sagemaker_step_io", "sagemaker_jobs")


@dataclass
class RecordingSink:
    """A sink that keeps every call in memory, in order (what a staging sink would stage)."""

    calls: list[tuple[str, Any]] = field(default_factory=list)

    def replace_source(self, records: SourceRecords, run_id: str | None = None) -> int:
        self.calls.append(("replace", records))
        return sum(map(len, records.rows.values()))

    def replace_sources(self, batch: Iterable[SourceRecords], run_id: str | None = None) -> int:
        return sum(self.replace_source(records, run_id) for records in batch)

    def mark_failed(self, source_key: str, source_kind: str, message: str, **_: Any) -> None:
        self.calls.append(("failed", source_key))

    def log_error(self, source_key: str, source_kind: str, message: str, **_: Any) -> None:
        self.calls.append(("error", source_key))

    def remove_source(self, source_key: str) -> None:
        self.calls.append(("remove", source_key))

    def replaced(self, kind: str) -> list[SourceRecords]:
        return [r for call, r in self.calls if call == "replace" and r.source_kind == kind]


def _as_sink(sink: RecordSink) -> RecordSink:
    return sink


def _table_rows(conn, table: str) -> list[tuple]:
    return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608


def test_a_crawl_into_another_sink_stages_what_the_store_would_hold(aws_env, store, tmp_path):
    from lineage_assets.store import LineageStore

    crawl_regions(store, aws.client, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    sink = RecordingSink()
    with LineageStore.open(tmp_path / "other.duckdb") as empty:
        report = crawl_regions(
            _as_sink(sink), aws.client, ACCOUNT_ID, aws_env.regions, reads=empty.conn
        )
        assert report.errors == [] and not any(call == "failed" for call, _ in sink.calls)
        staged = sink.replaced(PIPELINE_KIND)
        assert sorted(r.source_key for r in staged) == sorted(
            key
            for (key,) in store.conn.execute(
                "SELECT source_key FROM sagemaker_pipelines"
            ).fetchall()
        )
        assert empty.conn.execute("SELECT count(*) FROM sources").fetchone() == (0,)
        for call, records in sink.calls:  # what an ingest step would apply later
            if call == "replace":
                empty.replace_source(records)
        for table in PIPELINE_TABLES:
            assert _table_rows(empty.conn, table) == _table_rows(store.conn, table), table


def test_a_staged_crawl_reads_its_incremental_state_from_the_published_copy(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    published = store.publish()
    assert published is not None
    sink = RecordingSink()
    reads = connect_published(published)
    try:
        report = crawl_regions(_as_sink(sink), aws.client, ACCOUNT_ID, aws_env.regions, reads=reads)
    finally:
        reads.close()
    assert report.crawled == [] and len(report.unchanged) == len(aws_env.pipelines)
    assert sink.replaced(PIPELINE_KIND) == []
    assert {r.source_kind for r in sink.replaced(DOMAINS_KIND)} == {DOMAINS_KIND}
    assert [call for call, _ in sink.calls if call != "replace"] == []
