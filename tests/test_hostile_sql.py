"""Red-team attacks on the SQL engine through `lineage-assets sql-sync`, run in a child process
with an address-space limit so that a blow-up fails the test instead of the machine."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.test_hostile_git import make_remote

ROOT = Path(__file__).resolve().parents[1]
MEMORY = 3 << 30  # address space: a sync reserves ~1.8 GB of it at 170 MB RSS


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def sync_in_child(url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LINEAGE_HOME": str(home),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "lineage_assets", "sql-sync", "--repo", url, "--name", "rt"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limited,
    )  # fmt: skip


def statement_errors(home: Path) -> dict[str, str | None]:
    with duckdb.connect(str(home / "lineage.duckdb"), read_only=True) as conn:
        found = conn.execute("SELECT source_key, error FROM sql_statements").fetchall()
    return dict(found)


def test_many_ctes_are_one_statement_error(tmp_path: Path) -> None:
    """8,000 unused CTEs (220 KB) cost the engine ~2 GB (sqlglot copies the CTE map per CTE);
    30,000 aborted the whole sync. They must be one statement's error, the other file landing."""
    count = 8000
    ctes = ",".join(f"c{i} AS (SELECT {i} AS x)" for i in range(count))
    url = make_remote(
        tmp_path,
        {
            "many.sql": f"WITH {ctes} INSERT INTO out SELECT * FROM c{count - 1};\n",  # noqa: S608
            "ok.sql": "INSERT INTO good SELECT a FROM src;\n",
        },
    )
    done = sync_in_child(url, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-2000:]
    errors = statement_errors(tmp_path / "home")
    assert errors["sql:rt/ok.sql"] is None
    assert errors["sql:rt/many.sql"]


API_SCRIPT = """
import json, sys
from pathlib import Path
from fastapi.testclient import TestClient
from lineage_assets.api.app import create_app
client = TestClient(create_app(Path(sys.argv[1])))
names = [f"{chr(97 + i % 26)}{i // 26}" for i in range(20000)]
parts, size = [], 0
for name in names:
    part = f"{name} AS(SELECT 1)"
    if size + len(part) + 40 > 100_000:
        break
    parts.append(part)
    size += len(part) + 1
sql = "WITH " + ",".join(parts) + f" SELECT * FROM {names[len(parts) - 1]}"
answer = client.post("/sql/lineage", json={"sql": sql})
import resource
from lineage_assets import isolated
isolated._close_pools()  # reap the parse workers so their peak is counted below
status = Path("/proc/self/status").read_text()
own = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1])
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"status": answer.status_code, "ok": answer.json().get("ok"),
                  "peak_kib": max(own, workers)}))
"""


def test_api_sql_lineage_of_many_ctes_is_answered_in_bounded_memory(tmp_path: Path) -> None:
    """POST /sql/lineage with a 100 KB body of 5,700 CTEs cost the API ~900 MB peak RSS for one
    request (four at once: ~4 GB); a 100 KB request must stay well under that."""
    home = tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", ""), "LINEAGE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "lineage_assets", "init"], env=env, cwd=ROOT, check=True)
    child = subprocess.Popen(
        [sys.executable, "-c", API_SCRIPT, str(home / "lineage_published.duckdb")],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=limited,
    )  # fmt: skip
    _, status, _ = os.wait4(child.pid, 0)
    assert child.stdout is not None
    answer = json.loads(child.stdout.read().decode().strip().splitlines()[-1])
    child.stdout.close()
    assert status == 0 and answer["status"] == 200
    # VmHWM, not wait4's ru_maxrss: a child forked from a large pytest worker starts with the
    # worker's pages, which ru_maxrss keeps across exec
    assert answer["peak_kib"] < 450 * 1024  # KiB: the API with its imports is ~150 MB


def test_long_table_names_are_not_repeated_per_column_edge(tmp_path: Path) -> None:
    """Two 20,000-character table names and 200 columns (40 KB of SQL) became 8 MB of column
    edges and as much again in the edge index (100,000 chars by 500 columns: 200 MB)."""
    target, source = "t" * 20_000, "s" * 20_000
    columns = ",".join(f"c{i}" for i in range(200))
    text = f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {source};\n"  # noqa: S608
    url = make_remote(tmp_path, {"q.sql": text, "ok.sql": "INSERT INTO good SELECT a FROM src;\n"})
    done = sync_in_child(url, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-2000:]
    with duckdb.connect(str(tmp_path / "home" / "lineage.duckdb"), read_only=True) as conn:
        stored = sum(
            conn.execute(
                f"SELECT coalesce(sum(length(CAST(COLUMNS(*) AS VARCHAR))), 0) FROM {table}"  # noqa: S608
            ).fetchone()[0]
            or 0
            for table in ("column_edges", "lineage_edge_index")
        )
    assert stored <= 20 * len(text)
