"""A script is tokenized in bounded runs cut after semicolons the tokenizer confirms; the
statements, their spans, lines, columns and errors are the same as from one whole read."""

from __future__ import annotations

import pytest
from sqlglot.dialects.dialect import Dialect

from lineage_assets.sql import extract_lineage, split
from lineage_assets.sql.split import LineIndex, split_statements

SCRIPTS = {
    "one line": "SELECT 1 AS c;" * 400 + "\n",
    "strings and comments": (
        "SELECT 'a;b' AS c; -- not; a cut\nSELECT $$x;y$$ AS d;/* x; y */\r\n"
        "INSERT INTO t SELECT a FROM s; # x;\n" * 60
    ),
    "carriage returns": "SELECT 1\r;SELECT 2;\rSELECT 3;\r\n" * 80,
    "batches": "INSERT INTO t SELECT a FROM s\nGO\nSELECT 1; GO\nEXEC p;\n" * 60,
    "unterminated": "SELECT 1 AS c;" * 200 + "SELECT 'no end;" + " x;" * 50,
}


def pieces(sql: str, dialect: str | None) -> list[tuple]:
    found = split_statements(sql, Dialect.get_or_raise(dialect), LineIndex(sql))
    return [
        (p.start, p.end, p.start_line, p.end_line, p.error, p.depth,
         [(t.token_type, t.text, t.start, t.end, t.line, t.col) for t in p.tokens])
        for p in found
    ]  # fmt: skip


@pytest.mark.parametrize("name", SCRIPTS)
@pytest.mark.parametrize("dialect", [None, "tsql", "postgres", "mysql", "snowflake", "athena"])
def test_runs_read_the_script_as_one_whole_read_does(monkeypatch, name, dialect) -> None:
    sql = SCRIPTS[name]
    whole = pieces(sql, dialect)
    monkeypatch.setattr(split, "CHUNK_CHARS", 64)
    assert pieces(sql, dialect) == whole
    assert extract_lineage(sql, dialect).to_dict() == _whole_lineage(monkeypatch, sql, dialect)


def _whole_lineage(monkeypatch, sql: str, dialect: str | None) -> dict:
    monkeypatch.setattr(split, "CHUNK_CHARS", len(sql) + 1)
    return extract_lineage(sql, dialect).to_dict()


def test_no_run_is_much_longer_than_the_bound(monkeypatch) -> None:
    read: list[int] = []
    real = split._tokenize

    def tokenize(text, dialect):
        read.append(len(text))
        return real(text, dialect)

    monkeypatch.setattr(split, "_tokenize", tokenize)
    monkeypatch.setattr(split, "CHUNK_CHARS", 1000)
    sql = "SELECT 1 AS c;" * 2000
    assert len(pieces(sql, None)) == 2000
    assert max(read) <= 1000 + len("SELECT 1 AS c;") and sum(read) == len(sql)


def test_a_semicolon_in_a_string_is_no_cut(monkeypatch) -> None:
    monkeypatch.setattr(split, "CHUNK_CHARS", 10)
    sql = "SELECT 'a;b;c;d;e;f;g;h;i;j;k' AS c; SELECT 2 AS d"
    assert [p[:4] for p in pieces(sql, None)] == [(0, 35, 1, 1), (37, 50, 1, 1)]


def test_athena_is_read_whole(monkeypatch) -> None:
    """Athena's tokenizer chooses Hive or Trino rules from the whole script."""
    read: list[int] = []
    real = split._tokenize
    monkeypatch.setattr(split, "_tokenize", lambda t, d: read.append(len(t)) or real(t, d))
    monkeypatch.setattr(split, "CHUNK_CHARS", 64)
    sql = "SELECT 1 AS c;" * 100
    pieces(sql, "athena")
    assert read == [len(sql)]
