"""The code-location image builds and passes its smoke test (deploy/smoke.sh: build, validate
the definitions inside it, serve them over gRPC) wherever Docker runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def docker_missing() -> str | None:
    """Why Docker cannot build here (no `docker` command, or no daemon answering), or None."""
    if shutil.which("docker") is None:
        return "docker is not installed"
    answered = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if answered.returncode != 0:
        return "docker is installed but no Docker daemon answers (docker info failed)"
    return None


def test_the_image_builds_validates_and_serves_the_code_location():
    reason = docker_missing()
    if reason is not None:
        pytest.skip(f"{reason}: run deploy/smoke.sh where Docker runs")
    done = subprocess.run(
        ["bash", str(PROJECT / "deploy/smoke.sh"), "lineage-assets:test-smoke"],
        capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "serves the code location" in done.stdout
