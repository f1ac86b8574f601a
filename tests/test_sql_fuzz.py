"""A slice of the fuzz run (the 10,000-statement run is benchmarks/bench_sql.py): mutated
corpus statements never raise, and every failed statement carries an error naming its line."""

# ruff: noqa: S608 (SQL text is built for the parser, never executed)

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "sql_corpus"))

from corpus import load_cases
from mutate import fuzz_statements, huge_statement

from lineage_assets.sql import extract_lineage

LINE = re.compile(r"^line \d+")


def test_500_mutated_statements_never_raise_and_errors_name_a_line() -> None:
    cases = load_cases()
    seeds = [c.sql for c in cases if c.sql.strip()]
    failures = 0
    for number, statement in enumerate(fuzz_statements(seeds, 500)):
        lineage = extract_lineage(statement, cases[number % len(cases)].dialect)
        for result in lineage.statements:
            assert result.start_line >= 1 and result.end_line >= result.start_line
            if result.error:
                failures += 1
                assert LINE.match(result.error), result.error
        lineage.to_dict()
    assert failures > 0  # the mutations do break statements


def test_bad_statement_among_good_ones_in_a_long_script() -> None:
    script = "\n".join(
        [
            "CREATE TABLE a AS SELECT x FROM s;",
            "SELECT FROM WHERE (;",
            "INSERT INTO b SELECT x FROM a;",
        ]
    )
    lineage = extract_lineage(script)
    assert [s.error is not None for s in lineage.statements] == [False, True, False]
    assert lineage.statements[1].error.startswith("line 2")
    assert lineage.targets == ["b"]
    assert [(e.target, e.source) for e in lineage.column_lineage] == [("b.x", "s.x")]


def test_quarter_megabyte_statement() -> None:
    statement = huge_statement(250_000)  # the 1 MB statements run in benchmarks/bench_sql.py
    assert len(statement) >= 250_000
    lineage = extract_lineage(statement)
    assert lineage.statements[0].error is None
    assert lineage.targets == ["t"]
    assert ("t.c_0", "a.col_0", "expression") in {
        (e.target, e.source, e.transform) for e in lineage.column_lineage
    }


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM t"
    lineage = extract_lineage(f"CREATE TABLE a AS SELECT x FROM s;\n{deep};\nSELECT 1")
    assert [s.error is not None for s in lineage.statements] == [False, True, False]
    assert lineage.statements[1].error.startswith("line 2: statement nested deeper than")
    assert lineage.targets == ["a"]


def test_unknown_dialect_is_reported() -> None:
    lineage = extract_lineage("SELECT 1", "no-such-dialect")
    assert lineage.statements[0].error and "no-such-dialect" in lineage.statements[0].error
