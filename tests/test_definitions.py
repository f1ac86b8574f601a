"""The Dagster shell: definitions load without I/O, validate from the CLI, and the first
assets materialize in-process against a temporary store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.assets.store import crawl_run, lineage_store_health, no_stale_sources
from dagster_project.definitions import defs
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource
from lineage_assets import config
from lineage_assets.store.schema import MIGRATIONS

PROJECT = Path(__file__).resolve().parents[1]


def test_definitions_load_with_the_expected_jobs_schedules_and_pools():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {j.name for j in repo.get_all_jobs()} >= {"lineage_job"}
    schedule = repo.get_schedule_def("nightly_lineage")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "lineage_job"
    job_assets = defs.resolve_job_def("lineage_job").asset_layer.executable_asset_keys
    assert {crawl_run.key, lineage_store_health.key} <= set(job_assets)
    for asset in (crawl_run, lineage_store_health):
        assert asset.op.pool == DUCKDB_POOL, f"{asset.key} writes DuckDB without the pool"


def test_importing_definitions_does_no_io(tmp_path):
    """Loading the code location touches neither the data folder nor AWS."""
    home = tmp_path / "never-created"
    env = {
        **os.environ,
        "LINEAGE_HOME": str(home),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: any call would fail
        "LINEAGE_SCHEDULE_CRON": "30 3 * * *",
        "LINEAGE_SCHEDULE_TIMEZONE": "Asia/Seoul",
    }
    code = (
        "from dagster_project.definitions import defs;"
        "s = defs.get_repository_def().get_schedule_def('nightly_lineage');"
        "print(s.cron_schedule, s.execution_timezone)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["30", "3", "*", "*", "*", "Asia/Seoul"]
    assert not home.exists()


def test_dagster_definitions_validate_passes():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful for code location lineage" in result.stderr + result.stdout


def test_the_first_assets_materialize_against_a_temporary_store(tmp_path):
    resource = LineageStoreResource(lineage_home=str(tmp_path))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [crawl_run, lineage_store_health, no_stale_sources],
            resources={"lineage_store": resource},
            instance=instance,
        )
    assert result.success
    health = result.asset_materializations_for_node("lineage_store_health")[0].metadata
    counts = {r.data["table"]: r.data["rows"] for r in health["row_counts"].value.records}
    assert counts["crawl_runs"] == 1
    assert counts["schema_migrations"] == len(MIGRATIONS)
    assert health["stale_sources"].value == 0
    assert [c.passed for c in result.get_asset_check_evaluations()] == [True]

    published = config.published_path(tmp_path)
    con = duckdb.connect(str(published), read_only=True)
    try:
        run = con.execute("SELECT status, dagster_run_id, trigger FROM crawl_runs").fetchall()
    finally:
        con.close()
    assert run == [("succeeded", result.run_id, "manual")]


def test_the_stale_check_warns_and_lists_failed_sources(tmp_path):
    resource = LineageStoreResource(lineage_home=str(tmp_path))
    with resource.writer() as store:
        store.mark_failed("sql:broken.sql", "sql_file", "broken.sql:3: unexpected token")
        store.publish()
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [lineage_store_health, no_stale_sources],
            resources={"lineage_store": resource},
            instance=instance,
            selection=[no_stale_sources.check_key.asset_key],
        )
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert "broken.sql:3" in check.metadata["details"].value


def test_the_tracked_instance_config_limits_the_duckdb_pool_to_one_writer(tmp_path):
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", tmp_path)
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    finally:
        instance.dispose()
    writers = [a for a in defs.assets if "duckdb" in (a.specs_by_key[a.key].kinds or set())]
    assert len(writers) >= 5
    assert all(asset.op.pool == DUCKDB_POOL for asset in writers), "a DuckDB writer lacks the pool"
