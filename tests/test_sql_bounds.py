"""Every statement is bounded on its own: its stored text, its size, its nesting depth, its
analysis time; whatever goes wrong in one statement is an error row naming its line."""

# ruff: noqa: S608 (SQL text is built for the parser, never executed)

from __future__ import annotations

import pytest

from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.sql import extract_lineage, script
from lineage_assets.sql.limits import (
    MAX_CTES,
    MAX_DEPTH,
    MAX_OPEN_JOINS,
    MAX_STATEMENT_CHARS,
    MAX_TEXT_CHARS,
)


def test_statements_sharing_a_line_each_keep_only_their_own_text() -> None:
    sql = "SELECT 1 AS c;" * 5000
    lineage = extract_lineage(sql)
    assert len(lineage.statements) == 5000
    assert {s.sql_text for s in lineage.statements} == {"SELECT 1 AS c"}
    assert {(s.start_line, s.end_line) for s in lineage.statements} == {(1, 1)}
    assert sum(len(s.sql_text) for s in lineage.statements) < len(sql)


def test_stored_statement_text_is_the_statement_not_its_lines() -> None:
    sql = "CREATE TABLE a AS SELECT x FROM s; INSERT INTO b SELECT x FROM a;\nSELECT 2"
    units = [ParsedUnit(extract_lineage(sql))]
    records = file_records("k", "repo", "f.sql", "blob", None, units)
    texts = [row["sql_text"] for row in records.rows["sql_statements"]]
    assert texts == [
        "CREATE TABLE a AS SELECT x FROM s",
        "INSERT INTO b SELECT x FROM a",
        "SELECT 2",
    ]


def test_many_statements_on_one_line_stay_linear() -> None:
    sql = "INSERT INTO t SELECT a FROM s;" * 2_000
    lineage = extract_lineage(sql)
    assert len(lineage.statements) == 2_000
    assert sum(len(s.sql_text) for s in lineage.statements) == len(sql) - 2_000
    assert lineage.targets == ["t"] and lineage.sources == ["s"]


def test_long_statement_text_is_cut_with_a_marker() -> None:
    columns = ", ".join(f"c{i}" for i in range(MAX_TEXT_CHARS // 4))
    sql = f"SELECT {columns} FROM t;\nSELECT 1"
    first, second = extract_lineage(sql).statements
    assert first.error is None and first.text_truncated
    assert len(first.sql_text) < MAX_TEXT_CHARS + 100
    assert first.sql_text.endswith("characters in all]")
    assert (second.sql_text, second.text_truncated) == ("SELECT 1", False)


def test_oversized_statement_is_an_error_row_and_the_next_one_is_analysed() -> None:
    value = "x" * MAX_STATEMENT_CHARS
    sql = f"SELECT 1;\nINSERT INTO t VALUES ('{value}');\nCREATE TABLE u AS SELECT a FROM s"
    first, huge, last = extract_lineage(sql).statements
    assert first.error is None
    assert huge.error and huge.error.startswith("line 2: statement too large")
    assert huge.text_truncated and len(huge.sql_text) <= MAX_TEXT_CHARS + 100
    assert (last.error, last.targets, last.sources) == (None, ["u"], ["s"])


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM t",
        "SELECT " + "CASE WHEN a THEN " * 300 + "1" + " END" * 300 + " FROM t",
        "SELECT x FROM " + "(SELECT x FROM " * 300 + "t" + ") s" * 300,
        "SELECT " + "coalesce(a, " * 400 + "b" + ")" * 400 + " FROM t",
        "SELECT " + "(" * 5000 + "1",  # never closed
    ],
    ids=["parentheses", "case", "subqueries", "calls", "unbalanced"],
)
def test_deep_nesting_is_an_error_row_naming_the_line(statement: str) -> None:
    lineage = extract_lineage(f"SELECT 1;\n{statement};\nINSERT INTO u SELECT a FROM s;")
    first, deep, last = lineage.statements
    assert first.error is None and last.error is None
    assert deep.error and deep.error.startswith("line 2: statement nested deeper than")
    assert lineage.targets == ["u"]


UNDER = MAX_DEPTH - 1


@pytest.mark.parametrize(
    ("statement", "edge"),
    [
        ("SELECT " + "abs(" * UNDER + "x" + ")" * UNDER + " AS y FROM t", "expression"),
        ("SELECT " + "CASE WHEN x THEN " * UNDER + "x" + " END" * UNDER + " AS y FROM t", "case"),
        ("SELECT x AS y FROM " + "(SELECT x FROM " * UNDER + "t" + ") s" * UNDER, "rename"),
    ],
    ids=["calls", "case", "subqueries"],
)
def test_nesting_just_under_the_bound_is_analysed(statement: str, edge: str) -> None:
    (result,) = extract_lineage(f"CREATE TABLE o AS {statement}").statements
    assert result.error is None
    assert [e.as_list() for e in result.column_lineage] == [["o.y", "t.x", edge]]


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (RecursionError, "line 2: statement nested too deeply to analyse"),
        (MemoryError, "line 2: out of memory analysing the statement"),
    ],
)
def test_recursion_and_memory_errors_stay_in_their_statement(
    monkeypatch: pytest.MonkeyPatch, raised: type[BaseException], message: str
) -> None:
    real = script.analyse

    def failing(tree, context):
        if tree.find(script.exp.Table) and tree.find(script.exp.Table).name == "boom":
            raise raised()
        return real(tree, context)

    monkeypatch.setattr(script, "analyse", failing)
    lineage = extract_lineage("SELECT 1;\nSELECT * FROM boom;\nINSERT INTO u SELECT a FROM s;")
    assert [s.error for s in lineage.statements] == [None, message, None]
    assert lineage.targets == ["u"]


def test_analysis_past_its_deadline_is_an_error_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lineage_assets.sql.limits.MAX_SECONDS", -1.0)
    monkeypatch.setattr("lineage_assets.sql.limits.Deadline.__init__.__defaults__", (-1.0,))
    lineage = extract_lineage("SELECT 1;\nINSERT INTO u SELECT a FROM s;")
    errors = [s.error for s in lineage.statements]
    assert errors[1] == "line 2: cannot analyse: analysis took longer than -1 s"


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("BEGIN " * 20_000 + "SELECT 1", "bigquery"),
        ("IF x THEN " * 10_000 + "INSERT INTO t SELECT a FROM s", "snowflake"),
        ("CREATE PROCEDURE p AS " * 10_000 + "INSERT INTO t SELECT a FROM s", "tsql"),
        ("ELSE " * 20_000 + "INSERT INTO t SELECT a FROM s", "tsql"),
        ("CREATE PROCEDURE p() AS $$ " * 3 + "x", "postgres"),
    ],
    ids=["begins", "ifs", "procedure-headers", "elses", "unclosed-bodies"],
)
def test_hostile_block_structure_is_bounded_and_reported(sql: str, dialect: str) -> None:
    lineage = extract_lineage(sql, dialect)
    assert 1 <= len(lineage.statements) <= 20
    for statement in lineage.statements:
        assert statement.error is None or statement.error.startswith("line 1")
        assert len(statement.sql_text) <= MAX_TEXT_CHARS + 100


def test_too_many_ctes_is_the_statements_error_and_the_next_statement_lands() -> None:
    """sqlglot's scopes copy the CTE map per CTE (time and memory grow as its square)."""
    ctes = ",".join(f"c{i} AS (SELECT {i} AS x)" for i in range(MAX_CTES + 1))
    sql = f"WITH {ctes} INSERT INTO out SELECT * FROM c0;\nINSERT INTO good SELECT a FROM src;"
    first, second = extract_lineage(sql).statements
    assert first.error is not None and "CTEs" in first.error
    assert second.error is None and second.targets == ["good"]


def test_joins_waiting_for_their_on_are_bounded_but_joins_with_on_are_not() -> None:
    """sqlglot backtracks exponentially over JOINs without ON (nested join syntax)."""
    bare = "SELECT * FROM t0 " + " ".join(f"JOIN t{i}" for i in range(1, MAX_OPEN_JOINS + 2))
    assert "without ON" in (extract_lineage(bare).statements[0].error or "")
    joined = "SELECT * FROM t0 " + " ".join(
        f"JOIN t{i} ON t{i}.k = t0.k CROSS JOIN u{i}" for i in range(1, 60)
    )
    statement = extract_lineage(joined).statements[0]
    assert statement.error is None and len(statement.sources) == 2 * 59 + 1
