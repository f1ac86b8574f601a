"""`make demo` end to end: emulator + git remote + `dagster dev` come up, the UI serves the
assets, and one Ctrl-C (SIGINT to the process group, as a terminal sends it) stops all of it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_members(pgid: int) -> list[int]:
    """Live processes in a process group, read from /proc (no psutil needed)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def polls(attempts: int, pause_s: float = 1.0):
    """Up to `attempts` tries, pausing between them: a bounded wait, not a measurement."""
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause_s)
        yield attempt


def wait_for_assets(port: int, attempts: int) -> list[str]:
    """Asset keys the UI's GraphQL endpoint serves, once it answers."""
    for _ in polls(attempts):
        try:
            nodes = graphql(port, "{ assetNodes { assetKey { path } } }")["assetNodes"]
            if nodes:
                return sorted("/".join(n["assetKey"]["path"]) for n in nodes)
        except (OSError, KeyError, TypeError, ValueError):
            pass
    raise TimeoutError("the Dagster UI did not serve its assets in time")


LAUNCH_MUTATION = """
mutation {
  launchRun(executionParams: {
    selector: {repositoryLocationName: "lineage", repositoryName: "__repository__",
               jobName: "lineage_job"},
    runConfigData: {}
  }) { __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } }
}
"""


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def launch_and_wait_for_the_crawl(port: int, home: Path, attempts: int) -> None:
    """Launch the lineage job as the UI does; the demo's daemon runs it with the demo's
    environment, and the crawl of both emulated regions lands in the demo's data folder."""
    launched = graphql(port, LAUNCH_MUTATION)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    published = home / "lineage_published.duckdb"
    for _ in polls(attempts):
        if published.exists():
            con = duckdb.connect(str(published), read_only=True)
            try:
                finished = con.execute(  # our run, not the discovery sensor's
                    "SELECT count(*) FROM crawl_runs WHERE status <> 'running' "
                    "AND dagster_run_id = ?",
                    [run_id],
                ).fetchone()[0]
                regions = con.execute(
                    "SELECT DISTINCT region FROM sagemaker_pipelines ORDER BY 1"
                ).fetchall()
                stale = con.execute("SELECT source_key, last_error FROM stale_sources").fetchall()
            finally:
                con.close()
            if finished:
                assert regions == [("eu-west-1",), ("us-east-1",)], stale
                return
    raise TimeoutError("the demo's lineage job did not publish a crawl in time")


def test_demo_starts_everything_and_one_ctrl_c_stops_it(tmp_path):
    home, dagster_home = tmp_path / "lineage", tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", dagster_home)
    port = free_port()
    env = {**os.environ, "LINEAGE_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    env.pop("AWS_ENDPOINT_URL", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "lineage_dev", "demo", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job
    )
    pgid = demo.pid
    try:
        assets = wait_for_assets(port, attempts=240)
        expected = {
            "crawl_run",
            "sagemaker_crawl",
            "sql_sources",
            "lineage_graph",
            "lineage_store_health",
        }
        assert expected <= set(assets)
        endpoint = json.loads((home / "emulator.json").read_text())["endpoint_url"]
        assert endpoint.startswith("http://127.0.0.1:")
        assert (home / "sql_repo.git" / "HEAD").exists()
        launch_and_wait_for_the_crawl(port, home, attempts=180)
        os.killpg(pgid, signal.SIGINT)  # Ctrl-C
        output, _ = demo.communicate(timeout=90)
    finally:
        if demo.poll() is None:
            os.killpg(pgid, signal.SIGKILL)
            demo.wait()
    assert demo.returncode == 0, output[-3000:]
    for _ in polls(60, pause_s=0.5):
        if not group_members(pgid):
            break
    assert group_members(pgid) == [], "processes left behind after Ctrl-C"
    assert not (home / "emulator.json").exists()
    host, emulator_port = endpoint.removeprefix("http://").split(":")
    with socket.socket() as probe:
        assert probe.connect_ex((host, int(emulator_port))) != 0, "emulator still listening"
