"""SQL lineage speed and robustness: statements/s with column lineage against `sqlglot.parse`
alone on the same statements (same run, CPU time, interleaved), on the mixed statements of the
corpus and on large analytic queries (many CTEs, joins, windows, CASE); peak memory of a
10,000-statement script and of 5,000 / 100,000 statements on one line; and a 10,000-statement
fuzz (mutated corpus statements plus 1 MB statements).

The ratio goals (>= 0.8 of the parse-only rate on mixed statements, >= 0.5 on large analytic
queries) are printed last.
"""

# ruff: noqa: S608 (SQL text is generated for the parser, never executed)

from __future__ import annotations

import contextlib
import logging
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlglot

from benchmarks.harness import (
    Result,
    figure,
    header,
    note,
    peak_memory,
    report,
    reset_peak_rss,
    seconds,
    timed,
)
from lineage_assets.sql import extract_lineage

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "sql_corpus"
sys.path.insert(0, str(CORPUS))

from corpus import Case, load_cases  # noqa: E402
from mutate import fuzz_statements, huge_statement, mutate  # noqa: E402

STATEMENT_CAP_S = 2.0  # per ordinary fuzz statement
HUGE_CAP_S = 30.0  # per 1 MB statement
LINE = re.compile(r"^line \d+")


def parse_only(cases: list[Case]) -> None:
    """sqlglot.parse alone over every case (errors swallowed, as the engine does)."""
    for case in cases:
        with contextlib.suppress(sqlglot.errors.SqlglotError):
            sqlglot.parse(case.sql, read=case.dialect)


def with_lineage(cases: list[Case]) -> None:
    """The engine with column lineage over every case."""
    for case in cases:
        extract_lineage(case.sql, case.dialect, case.schema)


def cpu_timed(action: Callable[[], object]) -> float:
    """CPU seconds of one run of `action` (less sensitive than wall time to a shared machine)."""
    start = time.process_time()
    action()
    return time.process_time() - start


def interleaved_medians(cases: list[Case], repeat: int) -> tuple[float, float]:
    """Median CPU seconds of parse-only and of lineage, timed alternately so that load from
    other processes falls on both sides alike."""
    parse_only(cases)
    with_lineage(cases)
    parse_times, lineage_times = [], []
    for _ in range(repeat):
        parse_times.append(cpu_timed(lambda: parse_only(cases)))
        lineage_times.append(cpu_timed(lambda: with_lineage(cases)))
    return statistics.median(parse_times), statistics.median(lineage_times)


def analytic_query(index: int, ctes: int = 12, columns: int = 25) -> str:
    """A large analytic CTAS: a chain of CTEs, each joining a dimension, with window
    functions, CASE, casts and arithmetic, ending in an aggregate (about 20 KB)."""
    parts = []
    previous = f"raw.events_{index}"
    for step in range(ctes):
        projections = ", ".join(_analytic_column(k) for k in range(columns))
        star = ", d.*" if step % 4 == 3 else ""
        parts.append(
            f"step{step} AS (SELECT o.k, o.ts, {projections}{star} FROM {previous} o "
            f"LEFT JOIN dim.d{step} d ON d.k = o.k AND d.ts <= o.ts "
            f"WHERE o.c1 IS NOT NULL AND d.active = 1)"
        )
        previous = f"step{step}"
    totals = ", ".join(f"max(c{k}) AS m{k}" for k in range(columns))
    # Generated SQL text for the parser; it is never executed.
    return (
        f"CREATE TABLE mart.report_{index} AS WITH {', '.join(parts)} "
        f"SELECT k, {totals} FROM {previous} GROUP BY k"
    )


def _analytic_column(k: int) -> str:
    """One projection of an analytic CTE: a window in CASE, a cast expression or a column."""
    if k % 3 == 0:
        return (
            f"CASE WHEN o.c{k} > {k} THEN sum(o.c{k}) OVER (PARTITION BY o.k ORDER BY o.ts) "
            f"ELSE coalesce(o.c{k}, 0) END AS c{k}"
        )
    if k % 3 == 1:
        return f"cast(o.c{k} AS DOUBLE) * 2 + d.w AS c{k}"
    return f"o.c{k}"


def analytic_cases(count: int) -> list[Case]:
    """`count` large analytic queries as corpus cases (generic dialect, no schema)."""
    return [Case("analytic", 0, f"analytic {i}", analytic_query(i)) for i in range(count)]


def big_script(cases: list[Case], statements: int) -> str:
    """A generic-dialect script of exactly `statements` single statements from the corpus."""
    singles = [
        c.sql.strip()
        for c in cases
        if c.dialect is None and c.errors == 0 and c.sql.strip().count(";") == 1
    ]
    return "\n".join(singles[i % len(singles)] for i in range(statements))


def fuzz(cases: list[Case], count: int) -> dict[str, float]:
    """Run `count` mutated statements and three 1 MB ones; counts of what happened."""
    seeds = [c.sql for c in cases if c.sql.strip()]
    dialects = [c.dialect for c in cases]
    rng = random.Random(11)
    huge = huge_statement()
    counts = {"statements": 0, "errors": 0, "errors_without_line": 0, "escaped": 0}
    slowest = slowest_huge = 0.0
    over_cap = 0
    work = [
        (s, dialects[i % len(dialects)], False) for i, s in enumerate(fuzz_statements(seeds, count))
    ]
    work += [
        (huge, None, True),
        (mutate(huge, rng), None, True),
        (huge[: len(huge) // 2], None, True),
    ]
    for statement, dialect, is_huge in work:
        start = time.perf_counter()
        try:
            lineage = extract_lineage(statement, dialect)
        except Exception:
            counts["escaped"] += 1
            continue
        elapsed = time.perf_counter() - start
        if is_huge:
            slowest_huge = max(slowest_huge, elapsed)
            over_cap += elapsed > HUGE_CAP_S
        else:
            slowest = max(slowest, elapsed)
            over_cap += elapsed > STATEMENT_CAP_S
        for result in lineage.statements:
            counts["statements"] += 1
            if result.error:
                counts["errors"] += 1
                counts["errors_without_line"] += not LINE.match(result.error)
    return {**counts, "slowest": slowest, "slowest_huge": slowest_huge, "over_cap": over_cap}


def run(quick: bool = False) -> list[Result]:
    """Rate against parse-only, memory of a 10,000-statement script, then the fuzz counts."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # Command fallbacks are expected
    name = "sql"
    header(name, "SQL lineage with column lineage vs sqlglot.parse alone, memory, fuzz")
    cases = [c for c in load_cases() if c.sql.strip()]
    statements = sum(max(1, c.sql.count(";")) for c in cases)
    parse_s, lineage_s = interleaved_medians(cases, 3 if quick else 9)
    figure(f"corpus: {len(cases)} cases, ~{statements} statements", "")
    figure("sqlglot.parse alone", f"{statements / parse_s:,.0f} statements/s")
    figure("extract_lineage (tables + columns)", f"{statements / lineage_s:,.0f} statements/s")
    analytic = analytic_cases(3 if quick else 8)
    big_parse_s, big_lineage_s = interleaved_medians(analytic, 3 if quick else 7)
    size = sum(len(c.sql) for c in analytic) / len(analytic) / 1024
    figure(f"large analytic queries: {len(analytic)} of ~{size:.0f} KiB", "")
    figure("sqlglot.parse alone", f"{len(analytic) / big_parse_s:,.1f} queries/s")
    figure("extract_lineage (tables + columns)", f"{len(analytic) / big_lineage_s:,.1f} queries/s")

    script = big_script(cases, 10_000)
    was_reset = reset_peak_rss()
    elapsed, lineage = timed(lambda: extract_lineage(script))
    figure(f"10,000-statement script ({len(script) / 2**20:.1f} MiB)", seconds(elapsed))
    figure(
        "statements analysed / with errors", f"{len(lineage.statements)} / {len(lineage.errors)}"
    )
    peak_memory("10,000-statement script", was_reset)
    del lineage
    for count in (5_000, 100_000):
        one_line = "SELECT 1 AS c;" * count
        was_reset = reset_peak_rss()
        elapsed, lineage = timed(lambda text=one_line: extract_lineage(text))
        texts = sum(len(s.sql_text) for s in lineage.statements)
        figure(
            f"{count:,} statements on one line ({len(one_line) / 1024:,.0f} KiB)", seconds(elapsed)
        )
        figure("  statement text kept ÷ file size", f"{texts / len(one_line):.2f}")
        peak_memory(f"{count:,} statements on one line", was_reset)
        del lineage

    fuzzed = fuzz(cases, 1_000 if quick else 10_000)
    figure("fuzz: statements reported", f"{fuzzed['statements']:,}")
    figure("fuzz: statements with an error", f"{fuzzed['errors']:,}")
    figure("fuzz: errors without a line number", f"{fuzzed['errors_without_line']}")
    figure("fuzz: exceptions escaped", f"{fuzzed['escaped']}")
    figure(f"fuzz: slowest statement (cap {STATEMENT_CAP_S:g} s)", seconds(fuzzed["slowest"]))
    figure(f"fuzz: slowest 1 MB statement (cap {HUGE_CAP_S:g} s)", seconds(fuzzed["slowest_huge"]))
    figure("fuzz: statements over their cap", f"{fuzzed['over_cap']}")
    if fuzzed["escaped"] or fuzzed["errors_without_line"] or fuzzed["over_cap"]:
        note("FUZZ FAILED: an exception escaped, an error had no line, or a cap was exceeded")
    return [
        report(
            Result(name, "mixed: lineage rate ÷ parse-only rate", parse_s / lineage_s, 0.8, True)
        ),
        report(
            Result(
                name,
                "large analytic: lineage rate ÷ parse-only rate",
                big_parse_s / big_lineage_s,
                0.5,
                True,
            )
        ),
    ]


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
