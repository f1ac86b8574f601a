"""The shipped Dagster instance (`deploy/dagster.yaml`) on a real PostgreSQL that the tests start
with a password: the daemon dequeues runs that `dagster job launch` queued, run workers execute
them, and runs, events and pool slots live in PostgreSQL. The nightly job crawls the emulated
account end to end this way."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from lineage_assets import aws, config
from lineage_dev.demo_repo import build_demo_remote
from lineage_dev.emulator.seed import SeededAccount
from lineage_dev.emulator.server import EmulatorServer
from tests.conftest import point_at_emulator
from tests.support.deployment import (
    BIN,
    PROJECT,
    Deployment,
    dagster_home,
    deployment_environment,
    instance_variables,
    load_instance,
    running_daemon,
)
from tests.support.postgres import INSTALL_HINT, PostgresServer, running_postgres, server_binaries

PASSWORD = "deploy-test-Pa55"  # the server asks for it over TCP (scram-sha-256)
REGIONS = "us-east-1,eu-west-1"
# Staged crawl partitions: the seeded account in five regions (two hold its pipelines).
FAN_OUT_REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1")


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this module's own that wants a password over TCP."""
    if server_binaries() is None:
        pytest.skip(INSTALL_HINT)
    with running_postgres(password=PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
def deployment(
    pg: PostgresServer,
    emulator: tuple[EmulatorServer, SeededAccount],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """The daemon over `deploy/dagster.yaml` on its own database, crawling the emulator into
    a data folder of its own."""
    server, _ = emulator
    folder = tmp_path_factory.mktemp("deploy")
    home = dagster_home(folder / "dagster_home")
    lineage_home = folder / "lineage"
    remote = build_demo_remote(PROJECT / "sql_repo", lineage_home / "sql_repo.git")
    variables = instance_variables(pg, pg.create_database("dagster"))
    settings = {
        "LINEAGE_HOME": str(lineage_home),
        "LINEAGE_AWS_REGIONS": REGIONS,
        "LINEAGE_SQL_REPO": remote.url,
        "LINEAGE_STAGING_URL": str(folder / "staging"),
    }
    env = deployment_environment(home, variables, server.endpoint_url, settings)
    # The discovery sensor (running by default) would launch crawls of its own beside the
    # runs these tests launch and count.
    with running_daemon(home, env, variables, ("sagemaker_pipeline_discovery",)) as running:
        yield running


@pytest.fixture
def migrated(pg: PostgresServer, tmp_path: Path) -> Iterator[tuple[dg.DagsterInstance, str]]:
    """The shipped instance on a database of its own after `dagster instance migrate`, and
    what the migration printed."""
    home = dagster_home(tmp_path / "dagster_home")
    variables = instance_variables(pg, pg.create_database("dagster"))
    migrate = subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"],
        env={**os.environ, **variables, "DAGSTER_HOME": str(home)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    with load_instance(home, variables) as instance:
        yield instance, migrate.stdout


def test_the_instance_keeps_runs_events_schedules_and_pools_in_postgresql(migrated):
    instance, migrate = migrated
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    queue = instance.get_concurrency_config().run_queue_config
    assert queue is not None and queue.max_concurrent_runs == 8
    per_account = [
        limit for limit in queue.tag_concurrency_limits
        if limit["key"] == "dagster/partition/account"
    ]  # fmt: skip
    assert per_account == [
        {
            "key": "dagster/partition/account",
            "value": {"applyLimitPerUniqueValue": True},
            "limit": 4,
        }
    ]
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    # `dagster instance migrate` left every storage at the newest schema
    state = migrate.split("Storage schema state after migration:")[1].splitlines()
    schema = yaml.safe_load("\n".join(line for line in state if not line.startswith("-")))
    assert {s["current"] == s["latest"] for s in schema["schema"].values()} == {True}


def test_the_password_is_read_from_the_environment(pg, tmp_path, monkeypatch):
    import dagster as dg

    home = dagster_home(tmp_path / "dagster_home")
    variables = instance_variables(pg, "dagster")
    del variables["DAGSTER_PG_PASSWORD"]
    monkeypatch.delenv("DAGSTER_PG_PASSWORD", raising=False)
    with (
        pytest.raises(dg.DagsterInvalidConfigError, match="DAGSTER_PG_PASSWORD"),
        load_instance(home, variables),
    ):
        pass
    assert PASSWORD not in (home / "dagster.yaml").read_text()


def test_the_nightly_job_runs_through_the_queue_on_postgresql(deployment, pg):
    (run,) = deployment.wait([deployment.launch("lineage_job")])
    assert run.status.value == "SUCCESS", deployment.log.read_text()[-4000:]
    # queued by the launch (not executed by it), started by the daemon's coordinator
    lifecycle = [
        event for event in deployment.events(run.run_id)
        if event in {"PIPELINE_ENQUEUED", "PIPELINE_START", "PIPELINE_SUCCESS"}
    ]  # fmt: skip
    assert lifecycle == ["PIPELINE_ENQUEUED", "PIPELINE_START", "PIPELINE_SUCCESS"]
    # the one-writer pool is a row in PostgreSQL (one slot), free again after the run
    database = deployment.env["DAGSTER_PG_DB"]
    slots = pg.psql(
        "SELECT concurrency_key, count(*), count(run_id) FROM concurrency_slots "
        "GROUP BY concurrency_key",
        database,
    )
    assert slots.split() == ["lineage_duckdb|1|0"]
    # and the crawl landed in the store its settings name
    home = Path(deployment.env["LINEAGE_HOME"])
    with duckdb.connect(str(config.published_path(home)), read_only=True) as con:
        pipelines = con.execute("SELECT count(*) FROM sagemaker_pipelines").fetchone()
        crawl = con.execute(
            "SELECT status, sources_failed FROM crawl_runs WHERE dagster_run_id = ?", [run.run_id]
        ).fetchall()
    assert pipelines is not None and pipelines[0] >= 4
    assert crawl == [("succeeded", 0)]


def most_at_once(runs: list[dg.DagsterRun], records: dict[str, dg.RunRecord]) -> int:
    """The most runs that were executing at one instant (from their start and end times)."""
    edges = sorted(
        (time, step)
        for run in runs
        for time, step in ((records[run.run_id].start_time, 1), (records[run.run_id].end_time, -1))
    )
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def test_crawls_fan_out_in_parallel_runs_and_one_ingest_fans_in(deployment, emulator):
    """Five account x region crawl runs queued at once (a backfill of the staged crawl): the
    coordinator runs four of the account's at a time (its per-account tag limit), they stage
    without a writer, then one ingest run applies every batch."""
    _, account = emulator
    instance = deployment.instance
    instance.add_dynamic_partitions("aws_accounts", [account.account_id])
    instance.add_dynamic_partitions("aws_regions", list(FAN_OUT_REGIONS))
    with deployment.queue_held():
        crawls = deployment.backfill(
            "staged_crawl_job", [f"{account.account_id}|{region}" for region in FAN_OUT_REGIONS]
        )
    assert len(crawls) == 5
    runs = deployment.wait(crawls)
    assert [run.status.value for run in runs] == ["SUCCESS"] * 5, deployment.log.read_text()[-4000:]
    records = {
        record.dagster_run.run_id: record
        for record in instance.get_run_records(dg.RunsFilter(run_ids=crawls))
    }
    # four executed together; the fifth waited for a slot of the account
    assert most_at_once(runs, records) == 4
    staged = Path(deployment.env["LINEAGE_STAGING_URL"])
    assert any(staged.rglob("*.parquet"))

    (ingest,) = deployment.wait([deployment.launch("ingest_staged_job")])
    assert ingest.status.value == "SUCCESS", deployment.log.read_text()[-4000:]
    home = Path(deployment.env["LINEAGE_HOME"])
    with duckdb.connect(str(config.published_path(home)), read_only=True) as con:
        (crawl_run,) = con.execute(
            "SELECT run_id FROM crawl_runs WHERE dagster_run_id = ?", [ingest.run_id]
        ).fetchone()
        applied = [
            key
            for (key,) in con.execute(
                "SELECT source_key FROM sources WHERE last_run_id = ?", [crawl_run]
            ).fetchall()
        ]
        pipelines = con.execute(
            "SELECT p.region, p.pipeline_name, s.status FROM sagemaker_pipelines p "
            "JOIN sources s USING (source_key)"
        ).fetchall()
    # every region's staged crawl was applied by this one ingest (a pipeline unchanged since
    # an earlier crawl stages nothing new, its region's listing always does) ...
    assert all(any(region in key for key in applied) for region in FAN_OUT_REGIONS), applied
    # ... and the store holds every seeded pipeline, whole
    assert {(region, name) for region, name, _ in pipelines} == {
        (region, name) for name, region in account.pipelines.items()
    }
    assert {status for _, _, status in pipelines} == {"ok"}
    # applied batches are deleted (LINEAGE_STAGING_KEEP_DAYS is 0)
    assert not any(staged.rglob("*.parquet"))


def test_compute_logs_land_in_the_bucket(pg, emulator, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """With the S3 variant a run's captured output is uploaded to the bucket (here one in an
    emulated account of the test's own, through an assumed role like a task role)."""
    server, _ = emulator
    point_at_emulator(monkeypatch, server.endpoint_url)
    role = "arn:aws:iam::314159265358:role/dagster-run"
    assumed = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="run")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", assumed["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", assumed["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", assumed["SessionToken"])
    s3 = aws.client("s3", "us-east-1")
    s3.create_bucket(Bucket="dagster-compute-logs-test")
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path / "lineage"))
    home = dagster_home(tmp_path / "dagster_home", "dagster-s3-logs.yaml")
    variables = {
        **instance_variables(pg, pg.create_database("dagster_logs")),
        "DAGSTER_COMPUTE_LOG_BUCKET": "dagster-compute-logs-test",
    }
    from dagster_project.definitions import defs

    with load_instance(home, variables) as instance:
        assert type(instance.compute_log_manager).__name__ == "S3ComputeLogManager"
        result = (
            defs()
            .resolve_job_def("parse_inline_sql")
            .execute_in_process(
                instance=instance,
                run_config={
                    "ops": {
                        "parse_inline_sql_op": {
                            "config": {"sql": "SELECT a FROM t", "name": "logs"}
                        }
                    }
                },
            )
        )
        assert result.success
    listed = s3.list_objects_v2(Bucket="dagster-compute-logs-test", Prefix="dagster-compute-logs/")
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert any(result.run_id in key and key.endswith((".err", ".out")) for key in keys), keys
