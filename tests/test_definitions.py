"""The Dagster shell: definitions load without I/O, validate from the CLI, and the first
assets materialize in-process against a temporary store."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project import names
from dagster_project.definitions import defs
from dagster_project.defs.store.assets import crawl_run, lineage_store_health
from dagster_project.defs.store.checks import no_stale_sources
from dagster_project.resources import (
    DUCKDB_POOL,
    AwsResource,
    LineageStoreResource,
    SqlRepoResource,
    require,
)
from lineage_assets import config
from lineage_assets.store.registry import default as schema_registry

PROJECT = Path(__file__).resolve().parents[1]


def test_definitions_load_with_the_expected_jobs_schedules_and_pools():
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    repo = loaded.get_repository_def()
    assert {j.name for j in repo.get_all_jobs()} >= {"lineage_job"}
    schedule = repo.get_schedule_def("nightly_lineage")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "lineage_job"
    job_assets = loaded.resolve_job_def("lineage_job").asset_layer.executable_asset_keys
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
        "s = defs().get_repository_def().get_schedule_def('nightly_lineage');"
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
    assert counts["schema_migrations"] == len(schema_registry().migrations())
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
        coordinator = instance.run_coordinator.inst_data
        assert coordinator is not None and coordinator.config_dict["dequeue_use_threads"]
    finally:
        instance.dispose()
    writers = [a for a in defs().assets if "duckdb" in (a.specs_by_key[a.key].kinds or set())]
    assert len(writers) >= 5
    assert all(asset.op.pool == DUCKDB_POOL for asset in writers), "a DuckDB writer lacks the pool"


# -- configuration: read at run time, missing variables named on one line ---------------------

UNSET_LINE = (
    "missing configuration: set LINEAGE_HOME, LINEAGE_AWS_REGIONS, LINEAGE_SQL_REPO "
    "(environment variables; the README's Configuration table describes them)"
)


@pytest.fixture
def unconfigured(monkeypatch, tmp_path):
    """No Dagster variable set, started from an empty folder (where `.lineage` would land)."""
    for name in config.DAGSTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_importing_the_code_location_reads_no_configuration():
    """Importing every module reads no LINEAGE_* or AWS_* variable; loading (`defs()`) reads
    only the schedule's cron and timezone, never the store, regions or remote."""
    code = """
import os, sys
read = []
class Watched(dict):
    def get(self, key, default=None):
        read.append(key)
        return super().get(key, default)
    def __getitem__(self, key):
        read.append(key)
        return super().__getitem__(key)
    def __contains__(self, key):
        read.append(key)
        return super().__contains__(key)
os.environ = Watched(os.environ)
import dagster_project.definitions as module
ours = lambda: sorted({k for k in read if k.startswith(("LINEAGE_", "AWS_"))})
print(ours())
read.clear()
module.defs()
print(ours())
"""
    env = {k: v for k, v in os.environ.items() if k not in config.DAGSTER_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    at_import, at_load = out.stdout.splitlines()
    assert at_import == "[]"
    assert at_load == "['LINEAGE_SCHEDULE_CRON', 'LINEAGE_SCHEDULE_TIMEZONE']"


def test_every_sensor_skips_with_the_one_line_when_variables_are_unset(unconfigured):
    loaded = defs()
    assert loaded.sensors
    with dg.instance_for_test() as instance:
        for sensor in loaded.sensors:
            with dg.build_sensor_context(instance=instance, resources=loaded.resources) as context:
                result = sensor(context)
            assert isinstance(result, dg.SkipReason), sensor.name
            assert result.skip_message == config.missing_message(["LINEAGE_AWS_REGIONS"])
    assert list(unconfigured.iterdir()) == []


def test_a_run_without_variables_fails_with_one_line_naming_each_and_writes_nothing(
    unconfigured,
):
    with dg.instance_for_test() as instance:
        result = (
            defs()
            .resolve_job_def("lineage_job")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_key == "crawl_run"  # the first step: nothing else started
    data = failure.step_failure_data
    assert data.user_failure_data.description == UNSET_LINE
    assert data.error.message.strip().endswith(UNSET_LINE)
    assert "\n" not in data.error.message.strip()
    run_failure = next(
        e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE
    )
    assert run_failure.event_specific_data.error.message.strip().endswith(UNSET_LINE)
    assert list(unconfigured.iterdir()) == []


@pytest.mark.parametrize("missing", config.DAGSTER_VARIABLES)
def test_the_first_step_names_a_variable_a_later_step_needs(unconfigured, missing, monkeypatch):
    values = {
        "LINEAGE_HOME": str(unconfigured / "home"),
        "LINEAGE_AWS_REGIONS": "us-east-1",
        "LINEAGE_SQL_REPO": str(unconfigured / "sql.git"),
    }
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with dg.instance_for_test() as instance:
        result = (
            defs()
            .resolve_job_def("lineage_job")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_key == "crawl_run"
    assert failure.step_failure_data.user_failure_data.description == config.missing_message(
        [missing]
    )
    assert not (unconfigured / "home" / "lineage.duckdb").exists()


@pytest.mark.parametrize("missing", config.DAGSTER_VARIABLES)
def test_one_unset_variable_is_named_alone(unconfigured, missing):
    values = {
        "LINEAGE_HOME": str(unconfigured / "home"),
        "LINEAGE_AWS_REGIONS": "us-east-1",
        "LINEAGE_SQL_REPO": str(unconfigured / "sql.git"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            if name != missing:
                patch.setenv(name, value)
        with pytest.raises(dg.Failure) as raised:
            require(LineageStoreResource(), AwsResource(), SqlRepoResource())
    assert raised.value.description == config.missing_message([missing])
    assert not raised.value.allow_retries


def test_explicit_settings_need_no_variables(unconfigured):
    resource = LineageStoreResource(lineage_home=str(unconfigured / "home"))
    require(resource, AwsResource(regions="eu-west-1"), SqlRepoResource(remote="x.git"))
    assert resource.home == (unconfigured / "home").resolve()
    with pytest.raises(dg.Failure) as raised:
        _ = AwsResource(regions=" , ").region_list
    assert raised.value.description == config.missing_message(["LINEAGE_AWS_REGIONS"])


def test_a_job_is_told_only_the_variables_it_needs(unconfigured):
    """Parsing inline SQL needs the store only: its failure names LINEAGE_HOME alone."""
    with dg.instance_for_test() as instance:
        result = (
            defs()
            .resolve_job_def("parse_inline_sql")
            .execute_in_process(
                run_config={
                    "ops": {"parse_inline_sql_op": {"config": {"sql": "SELECT 1", "name": "x"}}}
                },
                instance=instance,
                raise_on_error=False,
            )
        )
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    description = failure.step_failure_data.user_failure_data.description
    assert description == config.missing_message(["LINEAGE_HOME"])
    assert list(unconfigured.iterdir()) == []


def test_the_first_asset_closes_a_crawl_run_whose_process_died(tmp_path):
    """A crawl killed mid-run (its process gone) is marked failed by the next Dagster run."""
    code = (  # begin a run, then die without closing anything
        "import os, sys; from pathlib import Path; from lineage_assets.store import LineageStore;"
        "opened = LineageStore.open(Path(sys.argv[1])); store = opened.__enter__();"
        "print(store.begin_run('killed'), flush=True); store.conn.execute('CHECKPOINT');"
        "os._exit(0)"
    )
    died = subprocess.run(
        [sys.executable, "-c", code, str(config.duckdb_path(tmp_path))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [crawl_run],
            resources={"lineage_store": LineageStoreResource(lineage_home=str(tmp_path))},
            instance=instance,
        )
    assert result.success
    with LineageStoreResource(lineage_home=str(tmp_path)).writer() as store:
        rows = dict(
            store.conn.execute(
                "SELECT run_id, status || ' ' || status_reason FROM crawl_runs"
            ).fetchall()
        )
    assert rows[died].startswith("failed abandoned: its process")


SENSOR = "sagemaker_pipeline_discovery"


def test_the_dagster_cli_previews_the_sensor_as_a_skip_without_traceback(tmp_path):
    """What `dagster dev` does on every tick, through Dagster's own code server."""
    env = {k: v for k, v in os.environ.items() if k not in config.DAGSTER_VARIABLES}
    env["DAGSTER_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "sensor", "preview", SENSOR, "-w", "workspace.yaml"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert config.missing_message(["LINEAGE_AWS_REGIONS"]) in output
    assert "Traceback" not in output and "Stack Trace" not in output


def test_every_asset_key_group_and_definition_name_is_a_constant():
    """The code location's asset keys, groups, jobs, schedule and sensor are exactly those
    `names` declares: none is added, renamed or left over without `names` changing too."""
    loaded = defs()
    repo = loaded.get_repository_def()
    constants = vars(names)
    keys = {key for assets in loaded.assets for key in assets.keys}
    assert keys == {v for v in constants.values() if isinstance(v, dg.AssetKey)}
    assert set(names.SOURCE_ASSET_KEYS) <= keys
    groups = {assets.group_names_by_key[key] for assets in loaded.assets for key in assets.keys}
    assert groups == {v for k, v in constants.items() if k.endswith("_GROUP")}
    checked = {spec.asset_key for checks in loaded.asset_checks for spec in checks.check_specs}
    assert checked <= keys
    jobs = {job.name for job in repo.get_all_jobs()} - {"__ASSET_JOB"}
    assert jobs == {v for k, v in constants.items() if k.endswith("_JOB")}
    assert {s.name for s in repo.schedule_defs} == {
        names.NIGHTLY_SCHEDULE,
        names.LAKE_MAINTENANCE_SCHEDULE,
    }
    assert {s.name for s in repo.sensor_defs} == {names.PIPELINE_DISCOVERY_SENSOR}


# Keywords of Dagster's decorators and constructors that name an asset, a group or a definition.
NAMING_KEYWORDS = {"key", "deps", "asset", "group_name", "name", "job_name", "selection"}


def string_literals_naming_definitions(path: Path) -> list[str]:
    """`file:line` of every string literal a module gives to a naming keyword of a Dagster
    call, or to `AssetKey(...)` / `AssetSelection.groups(...)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not ast.unparse(node.func).startswith("dg."):
            continue
        callee = ast.unparse(node.func)
        values = [kw.value for kw in node.keywords if kw.arg in NAMING_KEYWORDS]
        if callee.endswith(("AssetKey", "AssetSelection.groups")):
            values += node.args
        for value in values:
            for leaf in ast.walk(value):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    found.append(f"{path.relative_to(PROJECT)}:{leaf.lineno} {leaf.value!r}")
    return found


def test_no_module_but_names_writes_an_asset_key_group_or_definition_name_as_a_string():
    modules = sorted((PROJECT / "dagster_project").rglob("*.py"))
    assert len(modules) > 10
    found = [
        line
        for module in modules
        if module.name != "names.py"
        for line in string_literals_naming_definitions(module)
    ]
    assert found == []
    assert string_literals_naming_definitions(PROJECT / "dagster_project" / "names.py")


def test_no_raw_sql_over_a_store_connection_in_the_dagster_layer():
    """Reads go through the library's typed reads (`views`), never `conn.execute(...)` here."""
    modules = sorted((PROJECT / "dagster_project").rglob("*.py"))
    executed = [
        f"{module.relative_to(PROJECT)}:{node.lineno}"
        for module in modules
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"execute", "executemany", "sql", "query"}
    ]
    assert executed == []
