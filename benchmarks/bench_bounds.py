"""What the time and memory bounds cost: `POST /sql/lineage`'s parse in a killable worker
against calling the parser directly, a killed worker's replacement, and a console query under
its interrupt watcher against the same statement run plainly, each in the same run."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from benchmarks.harness import Result, figure, header, median_time, report, seconds, timed
from lineage_assets import config
from lineage_assets.api.app import create_app
from lineage_assets.api.sql_answer import sql_answer
from lineage_assets.isolated import CallTimedOut, WorkerPool
from lineage_assets.store import LineageStore, connect_published
from lineage_assets.store.console import run_read_query

SMALL = "INSERT INTO mart.o SELECT a.id, b.v FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "sql_corpus" / "07_real_world.sql"
CONSOLE_QUERY = "SELECT table_name, column_name FROM duckdb_columns() ORDER BY 1, 2"


def paired_medians(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median times of two actions run alternately (so a busy machine slows both alike)."""
    first(), second()
    pairs = [(timed(first)[0], timed(second)[0]) for _ in range(repeat)]
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)


def parse_overhead(name: str, pool: WorkerPool, label: str, sql: str, repeat: int) -> Result:
    """Median of a bounded parse against the same parse called directly."""
    bounded, direct = paired_medians(
        lambda: pool.call(sql_answer, sql, None, timeout_s=60),
        lambda: sql_answer(sql, None),
        repeat,
    )
    figure(f"{label}: parse in a worker (median)", seconds(bounded))
    figure(f"{label}: direct extract_lineage (reference)", seconds(direct))
    goal = 1.2 if len(sql) > 1000 else 5.0  # a fixed ~1 ms per call, against a 0.5 ms parse
    return report(Result(name, f"bounded ÷ direct parse, {label}", bounded / direct, goal))


def replacement(name: str, pool: WorkerPool, repeat: int) -> Result:
    """A killed worker's replacement (new interpreter + SQL engine import) against one parse."""
    restarts = []
    for _ in range(repeat):
        with contextlib.suppress(CallTimedOut):
            pool.call(time.sleep, 5, timeout_s=0.01)
        start = time.perf_counter()
        pool.call(sql_answer, SMALL, None, timeout_s=60)
        restarts.append(time.perf_counter() - start)
    restart = sorted(restarts)[len(restarts) // 2]
    direct = median_time(lambda: sql_answer(SMALL, None), 5)
    figure("first parse after a kill (median; the worker restarts)", seconds(restart))
    return report(Result(name, "first parse after a kill ÷ direct parse (small)", restart / direct))


def api_overhead(name: str, published: Path, repeat: int) -> Result:
    """POST /sql/lineage (HTTP + worker) against the parser alone, same statement."""
    client = TestClient(create_app(published))
    client.post("/sql/lineage", json={"sql": SMALL})
    api, direct = paired_medians(
        lambda: client.post("/sql/lineage", json={"sql": SMALL}),
        lambda: sql_answer(SMALL, None),
        repeat,
    )
    figure("POST /sql/lineage, small statement (median)", seconds(api))
    return report(Result(name, "POST /sql/lineage ÷ direct parse (small)", api / direct))


def console_overhead(name: str, published: Path, repeat: int) -> Result:
    """A console query (vetting + interrupt watcher) against the same SQL on a bare cursor."""
    conn = connect_published(published)
    plain = duckdb.connect(str(published), read_only=True, config=dict(conn_config()))
    try:
        bounded, direct = paired_medians(
            lambda: run_read_query(conn, CONSOLE_QUERY),
            lambda: plain.execute(CONSOLE_QUERY).fetchall(),
            repeat,
        )
    finally:
        plain.close()
        conn.close()
    figure("console query under its bounds (median)", seconds(bounded))
    figure("same SQL, plain execute (reference)", seconds(direct))
    return report(Result(name, "console query ÷ plain execute", bounded / direct, 5.0))


def conn_config() -> dict[str, str | bool | int]:
    """The reader configuration (one DuckDB instance per file and configuration)."""
    from lineage_assets.store.connection import reader_config

    return reader_config()


def run(quick: bool = False) -> list[Result]:
    repeat = 5 if quick else 30
    name = "bounds"
    header(name, "cost of the parse worker and of the console's interrupt watcher")
    results = []
    pool = WorkerPool(1, config.query_memory_bytes())
    try:
        pool.call(sql_answer, SMALL, None, timeout_s=60)
        results.append(parse_overhead(name, pool, "one statement", SMALL, repeat))
        script = CORPUS.read_text()
        results.append(
            parse_overhead(name, pool, f"{CORPUS.name} ({len(script):,} chars)", script, repeat)
        )
        results.append(replacement(name, pool, 2 if quick else 5))
    finally:
        pool.close()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
            published = store.publish()
        results.append(api_overhead(name, published, repeat))
        results.append(console_overhead(name, published, repeat))
    return results
