"""Upkeep of the store on DuckLake (flush, compaction, snapshot expiry, file cleanup) and its
Dagster job and schedule, which do nothing on the embedded file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.store.maintenance import lake_maintenance, lake_maintenance_job
from dagster_project.resources import LineageStoreResource
from lineage_assets.store import LineageStore, SourceRecords, StoreError
from lineage_assets.store import lake as lakes
from lineage_assets.store.maintenance import maintain
from tests.support.store_backends import LakeTemplate, StoreBackend


def edges(key: str, count: int) -> SourceRecords:
    return SourceRecords(key, "sql_file", key).add(
        "table_edges", [{"source_table": f"{key}{i}", "target_table": "t"} for i in range(count)]
    )


def parquet_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.parquet"))


def a_lake(template: LakeTemplate, folder: Path) -> StoreBackend:
    data = folder / "lake-data"
    data.mkdir()
    return StoreBackend("lake", folder, template.copy(data))


def test_maintenance_flushes_compacts_expires_and_cleans_up(tmp_path, lake_template):
    lake = a_lake(lake_template, tmp_path)
    data = tmp_path / "lake-data"
    with lake.open() as store:
        store.replace_source(edges("small", 3))  # inlined in the catalog
        for round_ in range(3):  # each past the inlining limit: a Parquet file each
            store.replace_source(edges(f"big{round_}", 1200))
        old_snapshot = lakes.snapshots(store.conn)[-1][0]
        files_before = parquet_files(data)
        kept = maintain(store, keep_days=30)  # nothing is that old yet
        assert kept.rows_flushed > 0 and kept.snapshots_expired == 0
        assert kept.files_merged >= 2 and kept.files_written >= 1
        report = maintain(store, keep_days=0, grace_hours=0)
        assert report.snapshots_expired > 0 and report.snapshots_left == 1
        assert report.files_deleted > 0
        assert parquet_files(data) < files_before + kept.files_written
        assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (3603,)
        walked = store.conn.execute("SELECT count(*) FROM upstream('table:t', 2)").fetchone()
        assert walked == (3603,)
    with pytest.raises(StoreError, match="no snapshot"):
        lake.reader(old_snapshot)
    reader = lake.reader()
    try:
        assert reader.execute("SELECT count(*) FROM lineage_edges").fetchone() == (3603,)
    finally:
        reader.close()


def test_maintenance_refuses_the_embedded_file(tmp_path):
    file = tmp_path / "s.duckdb"
    with LineageStore.open(file) as store, pytest.raises(StoreError, match="DuckLake"):
        maintain(store)


def test_the_job_and_schedule_run_only_on_the_lake(tmp_path, lake_template, monkeypatch):
    monkeypatch.delenv("LINEAGE_STORE_URL", raising=False)
    resource = LineageStoreResource(lineage_home=str(tmp_path))
    context = dg.build_schedule_context(resources={"lineage_store": resource})
    assert isinstance(lake_maintenance(context), dg.SkipReason)
    result = lake_maintenance_job.execute_in_process(resources={"lineage_store": resource})
    assert result.success and result.output_for_node("lake_maintenance_op") is False
    assert not (tmp_path / "lineage.duckdb").exists()  # the file was never opened

    lake = a_lake(lake_template, tmp_path)
    with lake.open() as store:
        store.replace_source(edges("a", 2))
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    context = dg.build_schedule_context(resources={"lineage_store": resource})
    assert isinstance(lake_maintenance(context), dg.RunRequest)
    result = lake_maintenance_job.execute_in_process(
        resources={"lineage_store": resource},
        run_config={"ops": {"lake_maintenance_op": {"config": {"keep_days": 0.0}}}},
    )
    assert result.success and result.output_for_node("lake_maintenance_op") is True
    events = result.get_step_success_events()
    assert events
    with lake.open() as store:
        assert len(lakes.snapshots(store.conn)) <= 2  # expired, then this open's own commits
