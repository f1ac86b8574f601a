"""The DuckDB lineage store: write throughput, one-source replace on a big store, graph walks,
and publishing the read copy, each as a ratio against plain DuckDB work done in the same run.

1. store.write       replace_sources in batches vs one plain INSERT … SELECT from Arrow per
                     table (no delete, no bookkeeping), same rows; then the nightly re-replace.
2. store.replace_one one replace_source on the store of 1. plus ~1M column edges, vs one
                     `SELECT count(*) FROM column_edges`.
3. store.walks       downstream/upstream(node, 10) over ~200k table edges, vs one
                     `SELECT count(*) FROM lineage_edges`; results checked against a Python BFS.
4. store.publish     publish() of the store of 2. vs shutil.copyfile of the closed file.

Statement breakdowns come from a stand-in for the store's connection that times each
`execute` (a few microseconds of overhead per statement).
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

import duckdb
import pyarrow as pa

from benchmarks.harness import (
    Result,
    figure,
    header,
    median_time,
    mib,
    note,
    peak_memory,
    percentile,
    report,
    reset_peak_rss,
    seconds,
    timed,
)
from benchmarks.store_data import (
    Graph,
    big_sql_file_sources,
    graph_sources,
    layered_graph,
    row_count,
    sql_file_sources,
    walk_depths,
)
from lineage_assets.store import LineageStore, SourceRecords, connect_published
from lineage_assets.store.migrate import migrate

WALK_DEPTH = 10
COLUMN_EDGES_SCAN = "SELECT count(*) FROM column_edges"
EDGES_VIEW_SCAN = "SELECT count(*) FROM lineage_edges"
NODE_ID_SCAN = "SELECT max(length(source_node) + length(target_node)) FROM lineage_edges"
OUTSIDE_SQL = "outside execute(): Python, Arrow, files"


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does; `QUICK` is a smoke run."""

    sources: int = 2000
    batch: int = 200
    big_sources: int = 1000
    big_source_edges: int = 1000
    big_batch: int = 50
    replaces: int = 200
    graph_edges: int = 200_000
    graph_source_edges: int = 100
    plain_runs: int = 3
    scans: int = 30
    walks: int = 3
    copies: int = 3


FULL = Sizes()
QUICK = Sizes(
    sources=200,
    batch=50,
    big_sources=50,
    replaces=20,
    graph_edges=20_000,
    plain_runs=1,
    scans=10,
    walks=2,
    copies=2,
)


def run(quick: bool = False) -> list[Result]:
    """All four store benchmarks in order (2 and 4 reuse the store that 1 writes)."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        workdir = Path(tmp)
        sources = sql_file_sources(sizes.sources, seed=1)
        return [
            *bench_write(workdir, sources, sizes),
            *bench_replace_one(workdir, sources, sizes),
            *bench_walks(workdir, sizes),
            *bench_publish(workdir, sizes),
        ]


def store_paths(workdir: Path) -> tuple[Path, Path]:
    """The live store file and its published copy."""
    return workdir / "lineage.duckdb", workdir / "published" / "lineage.duckdb"


def batches(items: Iterable[SourceRecords], size: int) -> Iterator[list[SourceRecords]]:
    """Consecutive lists of `size` items (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def write_batches(store: LineageStore, sources: Iterable[SourceRecords], size: int) -> int:
    """replace_sources over batches of `size`; the rows written."""
    return sum(store.replace_sources(batch) for batch in batches(sources, size))


# -- timing the store's statements ----------------------------------------------------------


def statement_label(sql: str) -> str:
    """`DELETE column_edges`, `INSERT sources … ON CONFLICT`, `COMMIT`: what a statement does."""
    words = sql.split()
    verb = words[0].upper()
    if verb in {"INSERT", "DELETE"}:
        target = words[2]
    elif verb == "SELECT" and "FROM" in words:
        target = words[words.index("FROM") + 1]
    else:
        return verb
    upsert = " … ON CONFLICT" if "ON CONFLICT" in sql else ""
    return f"{verb} {target.strip(chr(34))}{upsert}"


@dataclass(frozen=True)
class Breakdown:
    """Seconds and calls per kind of statement, over some stretch of store work."""

    seconds: dict[str, float]
    calls: dict[str, int]

    def ranked(self, total: float) -> list[tuple[str, float]]:
        """(label, seconds), costliest first, with the time spent outside execute() as a part."""
        parts = {**self.seconds, OUTSIDE_SQL: max(0.0, total - sum(self.seconds.values()))}
        return sorted(parts.items(), key=lambda item: -item[1])


class StatementTimer:
    """Stands in for the store's connection, adding up the time of each kind of statement."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    def _timed(self, label: str, method: str, *args: Any, **kwargs: Any) -> Any:
        start = perf_counter()
        try:
            return getattr(self.conn, method)(*args, **kwargs)
        finally:
            self.seconds[label] += perf_counter() - start
            self.calls[label] += 1

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        """The connection's execute, timed under the statement's label."""
        return self._timed(statement_label(sql), "execute", sql, *args, **kwargs)

    def register(self, *args: Any) -> Any:
        """register() of an Arrow table, timed."""
        return self._timed("register/unregister Arrow", "register", *args)

    def unregister(self, *args: Any) -> Any:
        """unregister() of an Arrow table, timed."""
        return self._timed("register/unregister Arrow", "unregister", *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def take(self) -> Breakdown:
        """What was timed so far; the timer starts again from zero."""
        taken = Breakdown(dict(self.seconds), dict(self.calls))
        self.seconds.clear()
        self.calls.clear()
        return taken


@contextmanager
def timing_statements(store: LineageStore) -> Iterator[StatementTimer]:
    """Time the store's statements while the block runs; its connection is put back after."""
    timer = StatementTimer(store.conn)
    store.conn = timer  # type: ignore[assignment]
    try:
        yield timer
    finally:
        store.conn = timer.conn


def print_breakdown(breakdown: Breakdown, total: float, title: str, top: int) -> None:
    """The `top` costliest kinds of statement (and the Python around them) of `total` seconds."""
    figure(title, "")
    for label, spent in breakdown.ranked(total)[:top]:
        calls = breakdown.calls.get(label)
        each = f" = {calls:,} x {seconds(spent / calls)}" if calls else ""
        figure(f"  {label}", f"{seconds(spent)}{each} ({spent / total:.0%})")


# -- 1. write throughput --------------------------------------------------------------------


def insert_plain(conn: duckdb.DuckDBPyConnection, sources: list[SourceRecords]) -> None:
    """The reference: the same rows, one INSERT … SELECT from an Arrow table per table."""
    per_table: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for records in sources:
        for table, rows in records.rows.items():
            per_table[table].extend({**row, "source_key": records.source_key} for row in rows)
    for table, rows in per_table.items():
        arrow = pa.Table.from_pylist(rows)
        columns = ", ".join(arrow.column_names)
        conn.register("incoming", arrow)
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")  # noqa: S608
        conn.unregister("incoming")


def plain_insert_seconds(path: Path, sources: list[SourceRecords]) -> float:
    """Time `insert_plain` into a fresh, migrated file (removed afterwards)."""
    conn = duckdb.connect(str(path))
    try:
        migrate(conn)
        elapsed, _ = timed(partial(insert_plain, conn, sources))
    finally:
        conn.close()
        path.unlink()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return elapsed


def list_parameter_seconds(keys: list[str]) -> float:
    """What passing a batch's keys as one `?` list costs DuckDB's Python client by itself."""
    conn = duckdb.connect()
    try:
        return median_time(lambda: conn.execute("SELECT len(?)", [keys]).fetchone(), 5)
    finally:
        conn.close()


def bench_write(workdir: Path, sources: list[SourceRecords], sizes: Sizes) -> list[Result]:
    """1. First write and re-replace of every source, against plain DuckDB inserts."""
    name = "store.write"
    header(name, f"replace_sources of {len(sources):,} SQL files in batches of {sizes.batch}")
    was_reset = reset_peak_rss()
    rows = row_count(sources)
    plain_s = statistics.median(
        plain_insert_seconds(workdir / f"plain-{attempt}.duckdb", sources)
        for attempt in range(sizes.plain_runs)
    )
    db, published = store_paths(workdir)
    with LineageStore.open(db, published) as store, timing_statements(store) as timer:
        first_s, _ = timed(partial(write_batches, store, sources, sizes.batch))
        first = timer.take()
        again_s, _ = timed(partial(write_batches, store, sources, sizes.batch))
        again = timer.take()
    figure("rows (sql_files, statements, table/column edges)", f"{rows:,}")
    figure("plain DuckDB, one INSERT per table (reference)", f"{rows / plain_s:,.0f} rows/s")
    figure("store, first write", f"{rows / first_s:,.0f} rows/s ({seconds(first_s)})")
    figure("store, re-replace of the same sources", f"{rows / again_s:,.0f} rows/s")
    print_breakdown(first, first_s, "where the first write goes", top=6)
    print_breakdown(again, again_s, "where the re-replace goes", top=3)
    keys = [records.source_key for records in sources[: sizes.batch]]
    figure(
        f"diagnostic: bind {len(keys)} keys as one list parameter",
        seconds(list_parameter_seconds(keys)),
    )
    peak_memory("store and sources in memory", was_reset)
    result = Result(name, "store ÷ plain rows/s", (rows / first_s) / (rows / plain_s), 0.5, True)
    if not result.met:
        label, spent = first.ranked(first_s)[0]
        note(
            f"goal missed: {label} takes {spent / first_s:.0%} of the first write; "
            f"without it the store would write {rows / (first_s - spent):,.0f} rows/s"
        )
    return [
        report(Result(name, "re-replace ÷ first write, time", again_s / first_s)),
        report(result),
    ]


# -- 2. one-source replace on a big store ---------------------------------------------------


def bench_replace_one(workdir: Path, sources: list[SourceRecords], sizes: Sizes) -> list[Result]:
    """2. replace_source of one SQL file, many times, against one scan by source_key.

    A replace must at least find the source's rows in each table it owns (a keyed scan); the
    goal allows 20 such scans for the deletes, inserts, walk index and bookkeeping together.
    """
    name = "store.replace_one"
    bulk = sizes.big_sources * sizes.big_source_edges
    header(name, f"replace_source x {sizes.replaces} on the store of 1. plus {bulk:,} column edges")
    was_reset = reset_peak_rss()
    db, published = store_paths(workdir)
    with LineageStore.open(db, published) as store:
        big = big_sql_file_sources(sizes.big_sources, sizes.big_source_edges, seed=2)
        load_s, _ = timed(partial(write_batches, store, big, sizes.big_batch))
        store.conn.execute("CHECKPOINT")
        (edges,) = store.conn.execute(COLUMN_EDGES_SCAN).fetchone()
        scan_s = median_time(lambda: store.conn.execute(COLUMN_EDGES_SCAN).fetchone(), sizes.scans)
        keyed = partial(
            store.conn.execute,
            "SELECT count(*) FROM column_edges WHERE source_key = ?",
            [sources[0].source_key],
        )
        keyed_s = median_time(lambda: keyed().fetchone(), sizes.scans)
        with timing_statements(store) as timer:
            times = [
                timed(partial(store.replace_source, sources[7 * k % len(sources)]))[0]
                for k in range(sizes.replaces)
            ]
            breakdown = timer.take()
    mean_s = statistics.mean(times)
    figure("column_edges rows", f"{edges:,} (bulk loaded in {seconds(load_s)})")
    figure("SELECT count(*) FROM column_edges (reference)", seconds(scan_s))
    figure("… WHERE source_key = ? (a DELETE's scan)", seconds(keyed_s))
    figure(
        "one replace_source, mean",
        f"{seconds(mean_s)} (median {seconds(statistics.median(times))}, "
        f"p95 {seconds(percentile(times, 0.95))}, max {seconds(max(times))})",
    )
    print_breakdown(breakdown, sum(times), "where the replaces go", top=6)
    peak_memory("big store and bulk load", was_reset)
    result = Result(name, "replace mean ÷ scan by source_key", mean_s / keyed_s, 20.0)
    if not result.met:
        explain_slow_replace(breakdown, sum(times), len(times), keyed_s)
    return [report(result)]


def explain_slow_replace(breakdown: Breakdown, total: float, replaces: int, keyed_s: float) -> None:
    """Say what dominates a replace that costs more than the goal allows."""
    ranked = breakdown.ranked(total)
    label, spent = ranked[0]
    deletes = sum(part for kind, part in ranked if kind.startswith("DELETE"))
    executes = sum(n for kind, n in breakdown.calls.items() if not kind.startswith("register"))
    per_execute = sum(breakdown.seconds.values()) / executes
    note(f"goal missed: one replace costs {total / replaces / keyed_s:.0f} keyed scans")
    note(
        f"largest part: {label} ({spent / total:.0%}); every DELETE together {deletes / total:.0%}"
    )
    note(
        f"{executes / replaces:.0f} statements per replace, {seconds(per_execute)} each on "
        f"average; a scan by source_key takes {seconds(keyed_s)}"
    )


# -- 3. graph walks -------------------------------------------------------------------------


def fetch_walk(conn: duckdb.DuckDBPyConnection, macro: str, node: str) -> list[tuple]:
    """Every row of `macro(node, WALK_DEPTH)` (macro is one of ours, never user input)."""
    sql = f"SELECT node, depth, path, edge_kind FROM {macro}(?, ?)"  # noqa: S608
    return conn.execute(sql, [node, WALK_DEPTH]).fetchall()


def walk_problems(rows: list[tuple], graph: Graph, start: str, upstream: bool) -> list[str]:
    """How the walk's rows differ from a breadth-first search of the same edges (none: [])."""
    expected = {
        f"table:{n}": d
        for n, d in walk_depths(graph.edges, start, WALK_DEPTH, upstream=upstream).items()
    }
    found = {node: depth for node, depth, _, _ in rows}
    problems = []
    if len(found) != len(rows):
        problems.append(f"{len(rows) - len(found)} nodes returned more than once")
    if found != expected:
        wrong = sum(1 for n in found.keys() & expected.keys() if found[n] != expected[n])
        problems.append(
            f"{len(expected.keys() - found.keys())} missing, {len(found.keys() - expected.keys())} "
            f"extra, {wrong} at the wrong depth (BFS found {len(expected):,})"
        )
    edges = {(f"table:{s}", f"table:{t}") for s, t in graph.edges}
    for node, depth, path, _ in rows:
        steps = list(itertools.pairwise(path))
        if upstream:
            steps = [(b, a) for a, b in steps]
        if path[0] != f"table:{start}" or path[-1] != node or len(path) != depth + 1:
            problems.append(f"path of {node} does not lead from the start to it: {path}")
        elif not set(steps) <= edges:
            problems.append(f"path of {node} follows an edge that does not exist: {path}")
    return problems[:5]


def time_walk(
    conn: duckdb.DuckDBPyConnection, macro: str, graph: Graph, upstream: bool, repeat: int
) -> float:
    """Median time of one walk from the graph's root (or leaf), printed with its check."""
    start = graph.leaf if upstream else graph.root
    walk = partial(fetch_walk, conn, macro, f"table:{start}")
    elapsed = median_time(walk, repeat)
    rows = walk()
    problems = walk_problems(rows, graph, start, upstream)
    figure(f"{macro}({start}, {WALK_DEPTH})", f"{seconds(elapsed)}, {len(rows):,} nodes")
    figure("  nodes, depths and paths match a Python BFS", "no" if problems else "yes")
    for problem in problems:
        note(problem)
    return elapsed


def bench_walks(workdir: Path, sizes: Sizes) -> list[Result]:
    """3. downstream/upstream walks against one full scan of the lineage_edges view."""
    name = "store.walks"
    graph = layered_graph(sizes.graph_edges, seed=3)
    header(name, f"walks of depth {WALK_DEPTH} over {len(graph.edges):,} table edges")
    was_reset = reset_peak_rss()
    directions = {"downstream": False, "upstream": True}
    with LineageStore.open(workdir / "graph.duckdb") as store:
        sources = graph_sources(graph, sizes.graph_source_edges)
        load_s, _ = timed(partial(write_batches, store, sources, sizes.batch))
        conn = store.conn
        scan_s = median_time(lambda: conn.execute(EDGES_VIEW_SCAN).fetchone(), sizes.scans)
        node_ids_s = median_time(lambda: conn.execute(NODE_ID_SCAN).fetchone(), sizes.scans)
        figure("edges loaded through the store", f"{len(graph.edges):,} in {seconds(load_s)}")
        figure("SELECT count(*) FROM lineage_edges (reference)", seconds(scan_s))
        figure("a scan that builds every node id (one hop)", seconds(node_ids_s))
        walk_s = {
            macro: time_walk(conn, macro, graph, upstream, sizes.walks)
            for macro, upstream in directions.items()
        }
    peak_memory("walk store", was_reset)
    return [
        report(Result(name, f"{macro} ÷ view scan", walk_s[macro] / scan_s, 10.0))
        for macro in directions
    ]


# -- 4. publish -----------------------------------------------------------------------------


def durable_copy(source: Path, target: Path) -> None:
    """shutil.copyfile, then fsync, as a file that survives a crash must be."""
    shutil.copyfile(source, target)
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def published_problems(published: Path, live_counts: dict[str, int]) -> list[str]:
    """How the published copy differs from the live store (rows per table, view, macros)."""
    problems = []
    conn = connect_published(published)
    try:
        for table, count in live_counts.items():
            (copied,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
            if copied != count:
                problems.append(f"{table}: {count:,} rows live, {copied:,} published")
        names = {
            row[0]
            for row in conn.execute(
                "SELECT view_name FROM duckdb_views() UNION ALL "
                "SELECT function_name FROM duckdb_functions() WHERE function_type = 'table_macro'"
            ).fetchall()
        }
        problems += [
            f"{n} missing" for n in ("lineage_edges", "downstream", "upstream") if n not in names
        ]
    finally:
        conn.close()
    return problems


def bench_publish(workdir: Path, sizes: Sizes) -> list[Result]:
    """4. publish() of the big store against copying the closed file."""
    name = "store.publish"
    header(name, "publish() (CHECKPOINT, byte copy, fsync, rename) of the store of 2.")
    was_reset = reset_peak_rss()
    db, published = store_paths(workdir)
    with LineageStore.open(db, published) as store:
        with timing_statements(store) as timer:
            times = [timed(store.publish)[0] for _ in range(sizes.copies)]
            breakdown = timer.take()
        live_counts = store.table_counts()
    copy = workdir / "copy.duckdb"
    copy_s = median_time(partial(shutil.copyfile, db, copy), sizes.copies)
    durable_s = median_time(partial(durable_copy, db, copy), sizes.copies)
    publish_s = statistics.median(times)
    problems = published_problems(published, live_counts)
    figure(
        "live file (closed) / published copy",
        f"{mib(db.stat().st_size)} / {mib(published.stat().st_size)}",
    )
    figure("rows in the store", f"{sum(live_counts.values()):,}")
    figure("shutil.copyfile of the closed file (reference)", seconds(copy_s))
    figure("  the same plus fsync", seconds(durable_s))
    figure("publish()", seconds(publish_s))
    print_breakdown(breakdown, sum(times), "where publish() goes", top=4)
    figure("published copy has every row, view, macro", "no" if problems else "yes")
    for problem in problems:
        note(problem)
    peak_memory("publish", was_reset)
    return [report(Result(name, "publish ÷ copyfile", publish_s / copy_s, 3.0))]
