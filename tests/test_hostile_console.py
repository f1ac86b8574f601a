"""Red-team attacks on `lineage-assets query`: queries that would run for ever or take the
machine's memory must end with one error line, bounded by the console."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_assets import cli

ROOT = Path(__file__).resolve().parents[1]
MEMORY = 3 << 30


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    assert cli.main(["init"]) == 0
    return tmp_path


def files(home: Path) -> dict[str, str]:
    """Every file of the data folder with its digest: a bounded query leaves them as they were."""
    return {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.rglob("*"))
        if path.is_file()
    }


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def query_in_child(home: Path, sql: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        **variables,
        "PATH": os.environ.get("PATH", ""),
        "LINEAGE_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "LINEAGE_QUERY_TIMEOUT": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "lineage_assets", "query", sql],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=30, preexec_fn=limited,
    )  # fmt: skip


def test_reader_settings_bound_memory_threads_and_spill(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB's defaults: 80 % of RAM, every core, spilling into the data folder."""
    sql = (
        "SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t,"
        " current_setting('max_temp_directory_size') AS d"
    )
    assert cli.main(["query", "--format", "json", sql]) == 0
    out = capsys.readouterr().out
    (row,) = json.loads(out)
    memory, unit = row["m"].split()
    assert unit in ("MiB", "KiB") or (unit == "GiB" and float(memory) <= 2)
    assert int(row["t"]) <= 2
    assert row["d"].startswith("0")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM range(10000000000000)",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "SELECT count(*) FROM range(100000) a, range(100000) b, range(100000) c",
    ],
)
def test_endless_query_is_interrupted_with_one_line(home: Path, sql: str) -> None:
    before = files(home)
    done = query_in_child(home, sql)
    assert done.returncode == 2
    assert done.stderr == "error: query interrupted after 1 s\n"
    assert done.stdout == ""
    assert files(home) == before


def test_memory_hungry_query_is_one_line(home: Path) -> None:
    done = query_in_child(
        home, "SELECT length(string_agg(repeat('x', 1000000), '')) FROM range(100000)"
    )
    assert done.returncode == 2
    assert "memory" in done.stderr.lower() and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr


def test_a_sort_past_the_memory_bound_fails_instead_of_spilling_into_the_data_folder(
    home: Path,
) -> None:
    """DuckDB spills an oversized sort into `<file>.tmp` beside the published copy by default."""
    before = files(home)
    done = query_in_child(
        home,
        "SELECT sum(hash(s)) FROM (SELECT repeat('x', 100) || i AS s FROM range(3000000) t(i)"
        " ORDER BY s)",
        LINEAGE_QUERY_MEMORY="64MiB",
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: Out of Memory Error")
    assert len(done.stderr.splitlines()) == 1
    assert files(home) == before
    assert sorted(p.name for p in home.iterdir()) == sorted(before)


def test_a_sql_file_past_the_time_bound_is_one_line(home: Path) -> None:
    """`lineage-assets sql` parses in a worker that is killed at the bound (sqlglot's own loops
    cannot be interrupted); ~100 KB of statements take about 2 s to parse, the bound is 0.1 s."""
    script = home / "long.sql"
    script.write_text(
        "".join(
            f"INSERT INTO m.t{i} SELECT a.x, b.y FROM s.a{i} AS a JOIN s.b AS b ON a.id = b.id;\n"  # noqa: S608
            for i in range(1100)
        )
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LINEAGE_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "LINEAGE_QUERY_TIMEOUT": "0.1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "lineage_assets", "sql", str(script)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=limited,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"error: {script}: SQL parse interrupted after 0.1 s\n"
    assert done.stdout == ""


def test_a_result_too_large_to_buffer_is_one_line_within_the_memory_bound(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """DuckDB's memory_limit leaves out results buffered for fetching: 100,000 rows of 100 KB
    (10 GB) grew the process to the outer cap. The console caps its own address space at twice
    LINEAGE_QUERY_MEMORY, so it stops far below the 3 GiB this test allows."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LINEAGE_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "LINEAGE_QUERY_MEMORY": "256MiB",
        "LINEAGE_QUERY_TIMEOUT": "60",
    }
    before = files(home)
    out, err = (tmp_path_factory.mktemp("streams") / name for name in ("out", "err"))
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "lineage_assets", "query",
             "SELECT repeat('x', 100000) AS s FROM range(100000)"],
            env=env, cwd=ROOT, stdout=stdout, stderr=stderr, preexec_fn=limited,
        )  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    message = err.read_text()
    assert child.returncode == 2, message
    assert message.startswith("error:") and "memory" in message.lower()
    assert len(message.splitlines()) == 1
    assert out.read_text() == ""
    assert usage.ru_maxrss < (1536 << 10)  # KiB: well under the 3 GiB outer cap
    assert files(home) == before
