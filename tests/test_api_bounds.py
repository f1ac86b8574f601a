"""The API's time and memory bounds, through the real app: a parse that would hold a worker
for hours is killed, store reads are interrupted, and the next request is served as usual."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from lineage_assets import cli, config, isolated
from lineage_assets.api.app import bounded_app

# ~100 KB of ordinary statements: about 2 s of parsing here, twenty times the bound given below.
LONG_SCRIPT = "".join(
    f"INSERT INTO m.t{i} SELECT a.x{i}, b.y FROM s.a{i} AS a JOIN s.b{i} AS b ON a.id = b.id;\n"  # noqa: S608
    for i in range(1100)
)
GOOD_SQL = "INSERT INTO mart.o SELECT a.id, b.v FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id"
ENDLESS = "SELECT count(*) AS n FROM range(1000000000000)"
RECURSIVE = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r"
)
CROSS = "SELECT count(*) AS n FROM range(100000) a, range(100000) b, range(100000) c"
HUNGRY = "SELECT length(string_agg(repeat('x', 1000000), '')) AS n FROM range(100000)"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    monkeypatch.setenv("LINEAGE_API_TIMEOUT", "0.1")
    assert cli.main(["init"]) == 0
    return tmp_path


def client(home: Path) -> TestClient:
    return TestClient(bounded_app(config.published_path(home)), raise_server_exceptions=False)


def test_a_parse_past_the_time_bound_is_killed_and_the_next_request_is_served(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client(home) as api:
        slow = api.post("/sql/lineage", json={"sql": LONG_SCRIPT})
        assert slow.status_code == 422
        assert slow.json()["detail"] == {
            "type": "ParseBound",
            "message": "SQL parse interrupted after 0.1 s",
        }
    monkeypatch.setenv("LINEAGE_API_TIMEOUT", "30")
    with client(home) as api:
        good = api.post("/sql/lineage", json={"sql": GOOD_SQL, "dialect": "athena"})
        assert good.status_code == 200
        assert good.json()["dst"] == "mart.o" and good.json()["ok"] is True


def test_parallel_slow_parses_do_not_stop_reads(home: Path) -> None:
    """More hostile parses than workers: each ends within its bound; reads never wait on them."""
    from concurrent.futures import ThreadPoolExecutor

    with client(home) as api, ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(api.post, "/sql/lineage", json={"sql": LONG_SCRIPT}) for _ in "abc"]
        assert api.get("/snapshots").status_code == 200
        codes = sorted(future.result().status_code for future in slow)
        assert set(codes) <= {422, 503} and 422 in codes


def test_a_parse_past_the_memory_bound_is_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_QUERY_MEMORY", "16MiB")
    # The memory bound must answer, however slow the machine: a generous time bound never races it.
    monkeypatch.setenv("LINEAGE_API_TIMEOUT", "900")
    wide = "INSERT INTO o SELECT " + ", ".join(
        f"coalesce(a.c{i}, b.c{i}) AS c{i}" for i in range(2500)
    )
    wide += " FROM a JOIN b ON a.id = b.id"
    with client(home) as api:
        answer = api.post("/sql/lineage", json={"sql": wide})
        assert answer.status_code == 422
        assert answer.json()["detail"]["message"].startswith("SQL parse ran out of memory")
        assert api.post("/sql/lineage", json={"sql": GOOD_SQL}).status_code == 200


@pytest.mark.parametrize(
    ("relation", "kind"),
    [(ENDLESS, "Timeout"), (RECURSIVE, "Timeout"), (CROSS, "Timeout"), (HUNGRY, "OutOfMemory")],
)
def test_store_reads_are_bounded_in_time_and_memory(home: Path, relation: str, kind: str) -> None:
    """A published copy whose snapshots table is an endless (or memory-hungry) view: the request
    is answered with one line, the file is unchanged and the next request is served."""
    published = config.published_path(home)
    with duckdb.connect(str(published)) as conn:
        conn.execute("DROP TABLE graph_snapshots")
        conn.execute(
            "CREATE VIEW graph_snapshots AS SELECT 'x' AS snapshot_id, 'global' AS scope,"  # noqa: S608
            " now() AS created_at, 'h' AS content_hash, CAST(n AS INTEGER) AS node_count,"
            f" 1 AS edge_count, 'r' AS run_id, '{{}}'::JSON AS snapshot FROM ({relation})"
        )
    before = digest(published)
    with client(home) as api:
        answer = api.get("/snapshots")
        assert answer.status_code == 503
        detail = answer.json()["detail"]
        assert detail["type"] == kind and len(detail["message"].splitlines()) == 1
        assert api.get("/health").status_code == 200
        assert api.get("/sagemaker/pipelines").status_code == 200
    assert digest(published) == before
    assert sorted(p.name for p in home.iterdir()) == ["lineage.duckdb", "lineage_published.duckdb"]


def test_workers_see_no_credentials_and_report_failures_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINEAGE_GIT_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    pool = isolated.WorkerPool(1, 256 << 20)
    try:
        assert pool.call(os.getenv, "LINEAGE_GIT_TOKEN", timeout_s=60) is None
        assert pool.call(os.getenv, "AWS_SECRET_ACCESS_KEY", timeout_s=60) is None
        with pytest.raises(isolated.IsolationError, match=r"^call failed: ValueError: .*"):
            pool.call(int, "not a number\nsecond line", timeout_s=60)
        with pytest.raises(isolated.CallOutOfMemory):
            pool.call(bytearray, 1 << 30, timeout_s=60)
        with pytest.raises(isolated.CallTimedOut, match=r"^call interrupted after 0.2 s$"):
            pool.call(time.sleep, 30, timeout_s=0.2)
        assert pool.call(len, "four", timeout_s=60) == 4
    finally:
        pool.close()
