"""A slice of the fuzz run (the 10,000-statement run is benchmarks/bench_sql.py): mutated
corpus statements never raise, every failed statement carries an error naming its line, and
statements generated from a small grammar get exactly the verdict and lineage they were built
with (broken ones an error on their line, the others their tables and column edges)."""

# ruff: noqa: S608 (SQL text is built for the parser, never executed)

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from sql_corpus.corpus import load_cases
from sql_corpus.mutate import fuzz_statements, huge_statement

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


# -- generated statements whose verdict is known before parsing ---------------------------------

# (projection template, transform class) for one output column read from source column `{c}`.
FORMS = (
    ("{c}", "identity"),
    ("{c} AS {a}", "rename"),
    ("CAST({c} AS INT) AS {a}", "cast"),
    ("{c} + 1 AS {a}", "expression"),
    ("md5({c}) AS {a}", "masking"),
    ("sum({c}) AS {a}", "aggregate"),
)
BREAKS = ("none", "none", "unclosed", "truncated")


@dataclass(frozen=True)
class Generated:
    """A statement built from a small grammar, with the verdict and lineage it must get."""

    sql: str
    broken: bool
    kind: str
    target: str
    source: str
    edges: frozenset[tuple[str, str, str]]


def generated(rng: random.Random) -> Generated:
    """A CREATE TABLE AS or INSERT … SELECT over one source; a quarter are left with an
    unclosed parenthesis and a quarter cut after FROM, which no dialect accepts."""
    target, source = f"t{rng.randrange(100)}", f"raw.s{rng.randrange(100)}"
    picks = [(rng.randrange(6), rng.choice(FORMS)) for _ in range(rng.randrange(1, 6))]
    outputs = []
    for index, (column, (form, _)) in enumerate(picks):
        outputs.append(form.format(c=f"c{column}", a=f"x{index}"))
    names = [f"c{col}" if form == "{c}" else f"x{i}" for i, (col, (form, _)) in enumerate(picks)]
    insert = rng.random() < 0.5
    written = [f"y{i}" for i in range(len(picks))] if insert else names
    edges = frozenset(
        (
            f"{target}.{name}",
            f"{source}.c{col}",
            "rename" if insert and kind == "identity" else kind,
        )
        for name, (col, (_, kind)) in zip(written, picks, strict=True)
    )
    breaking = rng.choice(BREAKS)
    if breaking == "unclosed":
        outputs[0] = "(" + outputs[0]
    select = f"SELECT {', '.join(outputs)} FROM {'' if breaking == 'truncated' else source}"
    head = f"INSERT INTO {target} ({', '.join(written)})" if insert else f"CREATE TABLE {target} AS"
    kind = "INSERT" if insert else "CREATE TABLE AS"
    return Generated(f"{head} {select}".rstrip(), breaking != "none", kind, target, source, edges)


def test_generated_statements_get_the_verdict_and_lineage_known_in_advance() -> None:
    rng = random.Random(13)
    for _ in range(40):
        cases = [generated(rng) for _ in range(25)]
        lineage = extract_lineage(";\n".join(case.sql for case in cases), "postgres")
        assert len(lineage.statements) == len(cases)
        for line, (case, result) in enumerate(zip(cases, lineage.statements, strict=True), 1):
            assert (result.start_line, result.end_line) == (line, line), case.sql
            if case.broken:
                assert result.error and result.error.startswith(f"line {line}"), case.sql
                assert result.targets == [] and result.column_lineage == [], case.sql
                continue
            assert result.error is None, (case.sql, result.error)
            assert (result.kind, result.targets, result.sources) == (
                case.kind, [case.target], [case.source]
            ), case.sql  # fmt: skip
            found = {(e.target, e.source, e.transform) for e in result.column_lineage}
            assert found == case.edges, case.sql
