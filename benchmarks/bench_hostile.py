"""Hostile input: peak memory and store growth of a sync whose one file holds thousands of
statements on one line, and a fuzz run of mutated inputs through every public parser.

The sync runs in a child process (so a runaway sync is killed at a cap instead of taking the
machine) and is compared with a bare `import lineage_assets.sql` child measured in the same run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import git

from benchmarks import hostile_fuzz
from benchmarks.harness import Result, figure, header, median_time, mib, note, report, seconds
from lineage_assets.store import LineageStore, connect_published
from lineage_assets.store.console import run_read_query

ACTOR = git.Actor("Bench", "bench@example.com")
STATEMENT = "SELECT 1 AS c;"
RSS_CAP_BYTES = 3 << 30  # a child above this is killed: the goal is 300 MB, the old code took 20 GB
SYNC_TIMEOUT_S = 900.0
RSS_GOAL_MIB = 300.0
GROWTH_GOAL = 2.0


@dataclass(frozen=True)
class ChildRun:
    """How one child process ended: exit status, peak RSS, wall time, and whether it was killed."""

    returncode: int
    peak_rss_bytes: int
    seconds: float
    killed_reason: str | None
    stderr_tail: str


def _rss_bytes(pid: int) -> int:
    """The current resident set size of a live process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_child(argv: list[str], env: dict[str, str], cap_bytes: int, timeout_s: float) -> ChildRun:
    """Run `argv`, killing it above `cap_bytes` RSS or after `timeout_s`; its own peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    reason: list[str] = []
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(
        target=lambda: stderr_chunks.append(process.stderr.read() if process.stderr else b""),
        daemon=True,
    )
    reader.start()

    def watch() -> None:
        while process.poll() is None:
            if _rss_bytes(process.pid) > cap_bytes:
                reason.append(f"killed above the {mib(cap_bytes)} RSS cap")
            elif time.perf_counter() - start > timeout_s:
                reason.append(f"killed after {timeout_s:.0f} s")
            if reason:
                os.killpg(process.pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    watcher.join()
    reader.join()
    tail = b"".join(stderr_chunks).decode(errors="replace").strip().splitlines()[-3:]
    return ChildRun(
        returncode=process.returncode,
        peak_rss_bytes=usage.ru_maxrss * 1024,
        seconds=time.perf_counter() - start,
        killed_reason=reason[0] if reason else None,
        stderr_tail=" | ".join(tail),
    )


def one_line(statements: int, distinct: bool) -> str:
    """`statements` statements on one line: the issue's `SELECT 1 AS c;` repeated, or each
    different (`SELECT 7 AS c7;`) so that DuckDB's compression cannot fold the stored text."""
    if not distinct:
        return STATEMENT * statements + "\n"
    return "".join(f"SELECT {i} AS c{i};" for i in range(statements)) + "\n"


def one_line_repository(root: Path, statements: int, distinct: bool) -> tuple[Path, int]:
    """A bare repository whose single file holds `statements` statements on one line."""
    work = git.Repo.init(root / "work", initial_branch="main")
    path = Path(work.working_dir, "many.sql")
    path.write_text(one_line(statements, distinct))
    work.index.add([str(path)])
    work.index.commit("many statements on one line", author=ACTOR, committer=ACTOR)
    bare = root / "remote.git"
    git.Repo.init(bare, bare=True, initial_branch="main")
    work.create_remote("origin", str(bare)).push("HEAD:main")
    return bare, path.stat().st_size


def _cli(*args: str) -> list[str]:
    """The command line run as a child with this interpreter."""
    return [sys.executable, "-m", "lineage_assets", *args]


@dataclass(frozen=True)
class SyncMeasure:
    """One sync of a one-line repository: the child's run, the file, the store afterwards."""

    run: ChildRun
    file_size: int
    store_growth: int
    published_growth: int
    statements_stored: int
    text_chars_stored: int


def _stored_statements(published: Path) -> tuple[int, int]:
    """Statements in the published copy and the characters of their stored text."""
    if not published.exists():
        return 0, 0
    conn = connect_published(published)
    try:
        row = conn.execute(
            "SELECT count(*), coalesce(sum(length(sql_text)), 0) FROM sql_statements"
        ).fetchone()
    finally:
        conn.close()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def measure_sync(root: Path, statements: int, distinct: bool = False) -> SyncMeasure:
    """Sync a one-line repository in a child: its run, the file size, store and copy growth."""
    home = root / "home"
    env = {**os.environ, "LINEAGE_HOME": str(home)}
    env.pop("LINEAGE_SQL_REPO", None)
    bare, file_size = one_line_repository(root, statements, distinct)
    init = run_child(_cli("init"), env, RSS_CAP_BYTES, 120.0)
    if init.returncode != 0:
        raise RuntimeError(f"init failed: {init.stderr_tail}")
    store, published = home / "lineage.duckdb", home / "lineage_published.duckdb"
    store_before, published_before = store.stat().st_size, published.stat().st_size
    sync = run_child(
        _cli("sql-sync", "--repo", str(bare), "--dialect", "duckdb"),
        env,
        RSS_CAP_BYTES,
        SYNC_TIMEOUT_S,
    )
    stored, chars = _stored_statements(published)
    return SyncMeasure(
        run=sync,
        file_size=file_size,
        store_growth=store.stat().st_size - store_before,
        published_growth=published.stat().st_size - published_before,
        statements_stored=stored,
        text_chars_stored=chars,
    )


def reference_import(modules: str) -> ChildRun:
    """A child that only imports `modules`: the floor of any sync's memory."""
    return run_child(
        [sys.executable, "-c", f"import {modules}"], dict(os.environ), RSS_CAP_BYTES, 120.0
    )


def _ratios(tag: str, sync: ChildRun, reference: ChildRun, growth: int, size: int) -> list[Result]:
    """The ratios of one sync: RSS against the import and the goal, net growth against the file."""
    name = "hostile"
    unfinished = sync.killed_reason is not None
    return [
        Result(
            name, f"{tag}: peak RSS ÷ import ref", sync.peak_rss_bytes / reference.peak_rss_bytes
        ),
        Result(
            name,
            f"{tag}: peak RSS MiB ÷ {RSS_GOAL_MIB:.0f} MiB",
            sync.peak_rss_bytes / 2**20 / RSS_GOAL_MIB,
            1.0,
        ),
        Result(
            name,
            f"{tag}: net store growth ÷ file size",
            float("inf") if unfinished else growth / size,
            GROWTH_GOAL,
        ),
    ]


def memory_results(quick: bool) -> list[Result]:
    """Peak RSS and store growth of syncs of 5,000 and 100,000 statements on one line.

    Two references measured in the same run: a child that only imports the SQL engine (RSS),
    and the sync of a one-statement file (the store's fixed growth: DuckDB allocates whole
    blocks per table written, which dwarfs a small file). Net growth is growth minus that."""
    sizes = ((5_000, False),) if quick else ((5_000, False), (100_000, False), (100_000, True))
    header("hostile", "sync of one file holding N statements on one line (child process)")
    reference = reference_import("lineage_assets.sql")
    figure("peak RSS of `import lineage_assets.sql` (ref)", mib(reference.peak_rss_bytes))
    floor = reference_import("lineage_assets.cli, lineage_assets.git_sql.sync")
    figure("peak RSS of importing what a sync imports", mib(floor.peak_rss_bytes))
    with tempfile.TemporaryDirectory() as folder:
        fixed_growth = measure_sync(Path(folder), 1).store_growth
    figure("store growth of a 1-statement sync (ref)", f"{fixed_growth:,} bytes")
    results: list[Result] = []
    for count, distinct in sizes:
        with tempfile.TemporaryDirectory() as folder:
            measure = measure_sync(Path(folder), count, distinct)
        sync = measure.run
        label = f"{count:,} {'distinct ' if distinct else ''}statements"
        figure(f"{label}: file size", f"{measure.file_size:,} bytes")
        outcome = sync.killed_reason or f"exit {sync.returncode}"
        figure(f"{label}: sync", f"{sync.seconds:.1f} s, {outcome}")
        figure(f"{label}: peak RSS", mib(sync.peak_rss_bytes))
        figure(
            f"{label}: peak RSS above the import floor",
            mib(sync.peak_rss_bytes - floor.peak_rss_bytes),
        )
        figure(f"{label}: store growth", f"{measure.store_growth:,} bytes")
        figure(f"{label}: published copy growth", f"{measure.published_growth:,} bytes")
        figure(
            f"{label}: stored",
            f"{measure.statements_stored:,} statements, "
            f"{measure.text_chars_stored:,} characters of text",
        )
        if sync.killed_reason:
            note(f"{label}: the sync did not finish, so its store growth is not measured")
        if sync.returncode not in (0, 1) and sync.stderr_tail:
            note(f"{label}: {sync.stderr_tail[:200]}")
        net = max(0, measure.store_growth - fixed_growth)
        tag = f"{count // 1000}k{' distinct' if distinct else ''}"
        results += _ratios(tag, sync, reference, net, measure.file_size)
    for result in results:
        report(result)
    return results


CONSOLE_QUERY = (
    "select node, depth, path from downstream('table:analytics.customers_raw', 10) "
    "order by depth, node"
)


def console_results(quick: bool) -> list[Result]:
    """What vetting costs a console query: the vetted run against the same query run raw."""
    header("hostile", "query console: vetted read query against the same query run directly")
    repeat = 20 if quick else 100
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with LineageStore.open(root / "lineage.duckdb", root / "published.duckdb") as store:
            published = store.publish()
        assert published is not None
        conn = connect_published(published)
        try:
            raw_s = median_time(lambda: conn.execute(CONSOLE_QUERY).fetchall(), repeat)
            vetted_s = median_time(lambda: run_read_query(conn, CONSOLE_QUERY), repeat)
        finally:
            conn.close()
    figure("the query run directly (ref)", seconds(raw_s))
    figure("the query vetted, then run", seconds(vetted_s))
    return [report(Result("hostile", "console: vetted ÷ direct", vetted_s / raw_s, 5.0))]


def run(quick: bool = False) -> list[Result]:
    """The memory benchmark, the console's vetting cost, then the fuzz run."""
    return memory_results(quick) + console_results(quick) + hostile_fuzz.run(quick)
