"""`make demo`: the local AWS emulator, the SQL git remote, `dagster dev` and the lineage API
with its viewer (`lineage-assets serve`), as one unit.

Ctrl-C stops all of them: the terminal sends SIGINT to every process of the group, and this
launcher waits for Dagster, then makes sure the emulator is gone (no orphans).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lineage_assets import config
from lineage_dev.demo_repo import build_demo_remote
from lineage_dev.emulator import EMULATOR_ENV, emulator_environment

PROJECT = Path(__file__).resolve().parents[1]
DEMO_REGIONS = "us-east-1,eu-west-1"


def wait_for_endpoint(endpoint_file: Path, emulator: subprocess.Popen, timeout_s: float) -> str:
    """The emulator's URL, once it has written its endpoint file."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            raise RuntimeError(
                f"the emulator exited with code {emulator.returncode} before serving"
            )
        if endpoint_file.exists():
            return json.loads(endpoint_file.read_text())["endpoint_url"]
        time.sleep(0.2)
    raise TimeoutError(f"the emulator did not write {endpoint_file} within {timeout_s:.0f} s")


def stop(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Ask a child to stop (SIGINT, then SIGTERM, then SIGKILL) and reap it."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            continue


def _ignore(signum: int, frame: object) -> None:
    """Let Ctrl-C pass: the children get it from the terminal and stop on their own."""


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean shutdown as Ctrl-C."""
    raise KeyboardInterrupt


def demo_environment(endpoint_url: str, sql_remote: Path, home: Path) -> dict[str, str]:
    """The environment Dagster runs in: emulator endpoint, demo credentials, data folder."""
    return {
        **emulator_environment(endpoint_url, os.environ),
        "LINEAGE_HOME": str(home),
        "LINEAGE_AWS_REGIONS": os.environ.get("LINEAGE_AWS_REGIONS", DEMO_REGIONS),
        # The seeded organization: its management account and the member account.
        "LINEAGE_AWS_ACCOUNTS": os.environ.get("LINEAGE_AWS_ACCOUNTS", "organization"),
        "LINEAGE_SQL_REPO": str(sql_remote),
        "DAGSTER_HOME": os.environ.get("DAGSTER_HOME", str(PROJECT / ".dagster_home")),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Start everything, wait for Dagster to exit (Ctrl-C), then stop the emulator."""
    parser = argparse.ArgumentParser(prog="python -m lineage_dev demo", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="Dagster UI port (127.0.0.1)")
    parser.add_argument("--emulator-port", type=int, default=0, help="0 = any free port")
    parser.add_argument(
        "--no-dagster", action="store_true", help="only the emulator and the git remote"
    )
    parser.add_argument("--api-port", type=int, default=8300, help="lineage API and viewer port")
    args = parser.parse_args(argv)

    home = config.lineage_home()
    home.mkdir(parents=True, exist_ok=True)
    remote = build_demo_remote(PROJECT / "sql_repo", home / "sql_repo.git")
    print(f"SQL git remote: {remote.url} ({len(remote.commits)} commits)", flush=True)

    endpoint_file = home / "emulator.json"
    endpoint_file.unlink(missing_ok=True)
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lineage_dev.emulator",
            "--endpoint-file",
            str(endpoint_file),
            "--port",
            str(args.emulator_port),
        ],
        cwd=PROJECT,  # the checkout holds lineage_dev
        env={**os.environ, **EMULATOR_ENV},
    )
    dagster: subprocess.Popen | None = None
    api: subprocess.Popen | None = None
    # Ctrl-C reaches every child directly; the launcher only waits and cleans up. A no-op
    # handler, not SIG_IGN: an ignored signal would stay ignored in the children we start.
    previous = signal.signal(signal.SIGINT, _ignore)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill`: stop the children too
    try:
        endpoint_url = wait_for_endpoint(endpoint_file, emulator, timeout_s=300)
        print(f"AWS emulator: {endpoint_url}", flush=True)
        environment = demo_environment(endpoint_url, remote.path, home)
        if args.no_dagster:
            emulator.wait()
            return 0
        dagster = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagster",
                "dev",
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(args.port),
            ],
            cwd=PROJECT,
            env=environment,
        )
        print(f"Dagster UI: http://127.0.0.1:{args.port}", flush=True)
        api = subprocess.Popen(
            [sys.executable, "-m", "lineage_assets", "serve", "--port", str(args.api_port)],
            cwd=PROJECT,
            env=environment,
        )
        print(f"Lineage API and viewer: http://127.0.0.1:{args.api_port}", flush=True)
        return dagster.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if dagster is not None:
            stop(dagster, timeout_s=30)
        if api is not None:
            stop(api)
        stop(emulator)
        signal.signal(signal.SIGINT, previous)
