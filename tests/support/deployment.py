"""A Dagster deployment on one machine, shaped as it runs across hosts: the instance of
`deploy/dagster.yaml` on a real PostgreSQL, `dagster-daemon` (run queue, schedules, sensors)
with the code location in a process of its own, runs put in the queue by `dagster job launch`
and executed by the run workers the daemon launches. Nothing shares a disk but the lineage
data folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lineage_dev.emulator import NOT_FOR_EMULATOR, emulator_environment
from tests.support.postgres import PostgresServer

if TYPE_CHECKING:
    import dagster as dg

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A run of the nightly job takes about half a minute here; the queue, the daemon's ticks and
# a loaded 2-core machine can make it many times that.
RUN_DEADLINE_S = 900.0


def instance_variables(server: PostgresServer, database: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables `deploy/dagster.yaml` reads, for this server's database."""
    return {
        "DAGSTER_PG_HOST": server.host,
        "DAGSTER_PG_PORT": str(server.port),
        "DAGSTER_PG_USER": server.user,
        "DAGSTER_PG_PASSWORD": server.password or "",
        "DAGSTER_PG_DB": database,
    }


def dagster_home(folder: Path, variant: str = "dagster.yaml") -> Path:
    """A DAGSTER_HOME holding one of the shipped instance files as its `dagster.yaml`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / "deploy" / variant, folder / "dagster.yaml")
    return folder


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """These variables set in this process for the block (the instance reads them at load)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        yield


@contextmanager
def load_instance(home: Path, variables: Mapping[str, str]) -> Iterator[dg.DagsterInstance]:
    """The instance of `home/dagster.yaml`, loaded as every Dagster process loads it. The
    variables stay set for the block: parts such as the compute log manager load lazily."""
    import dagster as dg

    with environment({**variables, "DAGSTER_HOME": str(home)}):
        instance = dg.DagsterInstance.get()
        try:
            yield instance
        finally:
            instance.dispose()


@dataclass
class Deployment:
    """A running daemon over one instance, and how to put runs in its queue."""

    home: Path
    env: dict[str, str]
    instance: dg.DagsterInstance
    log: Path
    daemon: subprocess.Popen[bytes] | None = None

    def dagster(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the `dagster` command line against this instance, from the project's root."""
        return subprocess.run(
            [str(BIN / "dagster"), *args],
            env=self.env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        )

    def start_daemon(self) -> None:
        """`dagster-daemon run` in a session of its own (its code server and run workers too)."""
        with self.log.open("a") as out:
            self.daemon = subprocess.Popen(
                [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                env=self.env, cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def stop_daemon(self) -> None:
        """Stop the daemon and everything it started (no run may be in progress)."""
        if self.daemon is not None:
            stop_group(self.daemon)
            self.daemon = None

    @contextmanager
    def queue_held(self) -> Iterator[None]:
        """No daemon during the block: runs queued in it wait, and the restarted daemon's first
        pass sees all of them (as a daemon does after a deploy, or a burst of launches)."""
        import dagster as dg
        from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

        in_progress = self.instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS_RUN_STATUSES))
        assert not in_progress, "the daemon is stopped only between runs"
        self.stop_daemon()
        try:
            yield
        finally:
            self.start_daemon()

    def launch(self, job: str, *, tags: Mapping[str, str] | None = None) -> str:
        """Queue a run of `job` the way an operator does (`dagster job launch`); its run id."""
        run_id = str(uuid.uuid4())
        self.dagster(
            "job", "launch", "-w", "workspace.yaml", "-j", job, "--run-id", run_id,
            "--tags", json.dumps(dict(tags or {})),
        )  # fmt: skip
        return run_id

    def backfill(self, job: str, partitions: list[str]) -> list[str]:
        """Queue one run per partition at once (`dagster job backfill`, as from the UI's
        partitions page; runs carry the partition's tags); their run ids."""
        import dagster as dg

        marker = str(uuid.uuid4())
        self.dagster(
            "job", "backfill", "-w", "workspace.yaml", "-j", job, "--noprompt",
            "--partitions", ",".join(partitions), "--tags", json.dumps({"test/batch": marker}),
        )  # fmt: skip
        runs = self.instance.get_runs(dg.RunsFilter(tags={"test/batch": marker}))
        return [run.run_id for run in runs]

    def wait(self, run_ids: list[str]) -> list[dg.DagsterRun]:
        """The runs once every one has finished (the daemon dequeues and launches them)."""
        deadline = time.monotonic() + RUN_DEADLINE_S
        while True:
            runs = [self.instance.get_run_by_id(run_id) for run_id in run_ids]
            if all(run is not None and run.is_finished for run in runs):
                return [run for run in runs if run is not None]
            if time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-4000:]
                raise AssertionError(f"runs unfinished after {RUN_DEADLINE_S:.0f} s:\n{tail}")
            time.sleep(0.5)

    def events(self, run_id: str) -> list[str]:
        """The run's lifecycle event types, in order (from the event log in PostgreSQL)."""
        return [
            entry.dagster_event.event_type_value
            for entry in self.instance.all_logs(run_id)
            if entry.dagster_event is not None
        ]


def deployment_environment(
    home: Path, variables: Mapping[str, str], endpoint_url: str, settings: Mapping[str, str]
) -> dict[str, str]:
    """What every Dagster process of the deployment gets: the instance's variables, the
    emulator's endpoint and credentials, and the lineage settings."""
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENLINEAGE", "DAGSTER_", "LINEAGE_"))
        and name not in NOT_FOR_EMULATOR
    }
    return {
        **emulator_environment(endpoint_url, base),
        **variables,
        **settings,
        "DAGSTER_HOME": str(home),
    }


@contextmanager
def running_daemon(
    home: Path,
    env: dict[str, str],
    variables: Mapping[str, str],
    stopped_sensors: tuple[str, ...] = (),
) -> Iterator[Deployment]:
    """`dagster instance migrate`, the given sensors stopped (`dagster sensor stop`), then
    `dagster-daemon run` until the block ends."""
    with load_instance(home, variables) as instance:
        deployment = Deployment(home, env, instance, home / "daemon.log")
        deployment.dagster("instance", "migrate")
        for sensor in stopped_sensors:
            deployment.dagster("sensor", "stop", "-w", "workspace.yaml", sensor)
        deployment.start_daemon()
        try:
            yield deployment
        finally:
            deployment.stop_daemon()


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in a session of its own, then whatever it started there and
    left behind (a code server outlives its daemon by minutes after a SIGTERM)."""
    with suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
