"""Start-up cost of the code location: `dagster definitions validate` and importing and
loading our definitions (`defs()`), against a bare `python -c "import dagster"` measured in
the same run.

Dagster loads the code location on every run launch, sensor tick and UI reload, so anything
our definitions add at import time is paid over and over (and must never be I/O).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Result, figure, header, report, seconds

PROJECT = Path(__file__).resolve().parents[1]


def run_seconds(command: list[str], repeat: int) -> float:
    """Median wall time of a command started from the project folder."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=PROJECT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False) -> list[Result]:
    """Three commands, each timed as a median of several cold starts."""
    repeat = 2 if quick else 5
    name = "startup"
    header(name, f"cold start of the code location, median of {repeat}")
    python = sys.executable
    bare = run_seconds([python, "-c", "import dagster"], repeat)
    ours = run_seconds(
        [python, "-c", "from dagster_project.definitions import defs; defs()"], repeat
    )
    validate = run_seconds(
        [python, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"], repeat
    )
    figure('python -c "import dagster" (reference)', seconds(bare))
    figure("import and load dagster_project.definitions", seconds(ours))
    figure("dagster definitions validate -w workspace.yaml", seconds(validate))
    return [
        report(Result(name, "load our definitions ÷ import dagster", ours / bare, 1.5)),
        report(Result(name, "definitions validate ÷ import dagster", validate / bare, 3.0)),
    ]
