"""Procedural SQL as the dialects run it: routine bodies analysed statement by statement with
lines of the file, T-SQL batches cut where statements begin (and only there), and bounds on
what a routine body may hold."""

from __future__ import annotations

import pytest

from lineage_assets.sql import extract_lineage

SNOWFLAKE = """-- header
CREATE OR REPLACE PROCEDURE db.s.load()
RETURNS VARCHAR
LANGUAGE SQL
AS
$$
BEGIN
  INSERT INTO db.s.t1 SELECT a FROM db.s.t2;
  SELECT FROM WHERE;
  RETURN 'ok';
END;
$$;
INSERT INTO db.s.t3 SELECT a FROM db.s.t1;
"""


def test_routine_body_statements_carry_the_lines_of_the_file() -> None:
    lineage = extract_lineage(SNOWFLAKE, "snowflake")
    spans = [(s.kind, s.start_line, s.error is not None) for s in lineage.statements]
    assert spans == [
        ("CREATE PROCEDURE", 2, False),
        ("INSERT", 8, False),
        ("UNKNOWN", 9, True),
        ("INSERT", 13, False),
    ]
    assert lineage.statements[2].error.startswith("line 9")
    assert lineage.statements[1].sql_text == "INSERT INTO db.s.t1 SELECT a FROM db.s.t2"
    assert lineage.targets == ["db.s.t3"]
    assert lineage.sources == ["db.s.t2"]


def test_unterminated_string_in_a_body_is_an_error_on_its_line() -> None:
    sql = "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  SELECT 'x;\nEND;\n$$;"
    statements = extract_lineage(sql, "postgres").statements
    assert statements[0].kind == "CREATE PROCEDURE"
    assert statements[-1].error and statements[-1].error.startswith("line 2")  # its BEGIN


def test_routines_quoted_inside_routines_stop_at_a_bound() -> None:
    body = "SELECT a FROM t"
    for level in range(12):
        quote = "$q" + str(level) + "$"
        body = f"CREATE PROCEDURE p{level}() LANGUAGE plpgsql AS {quote} BEGIN {body}; END; {quote}"
    lineage = extract_lineage(body, "postgres")
    kinds = [s.kind for s in lineage.statements]
    assert kinds.count("CREATE PROCEDURE") == 5  # the outer one and four nested bodies
    assert "SELECT" not in kinds


@pytest.mark.parametrize(
    ("sql", "kinds"),
    [
        ("INSERT INTO a (x)\nSELECT x FROM b\nUNION ALL\nSELECT x FROM c", ["INSERT"]),
        (
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.v = s.v "
            "WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
            ["MERGE"],
        ),
        ("UPDATE t SET v = 1 FROM u WITH (NOLOCK) WHERE id = 2\nSET @x = 1", ["UPDATE", "SET"]),
        ("CREATE VIEW v AS\nSELECT a FROM t", ["CREATE VIEW"]),
        (
            "SELECT CASE WHEN a = 1 THEN 'x' ELSE 'y' END AS k FROM t\nDELETE FROM t",
            ["SELECT", "DELETE"],
        ),
        (
            "CREATE TABLE c (id INT REFERENCES p (id) ON DELETE CASCADE)\nINSERT INTO c VALUES (1)",
            ["CREATE TABLE", "INSERT"],
        ),
        ("IF OBJECT_ID('x') IS NOT NULL DROP TABLE x\nSELECT 1", ["DROP TABLE", "SELECT"]),
        ("GRANT SELECT, INSERT ON dbo.t TO u\nGRANT EXECUTE ON dbo.p TO u", ["GRANT", "GRANT"]),
        ("INSERT INTO t (a) OUTPUT inserted.a INTO @log SELECT a FROM s", ["INSERT"]),
        ("IF @a = 1 SELECT 1 FROM x ELSE SELECT 2 FROM y", ["SELECT", "SELECT"]),
        (
            "BEGIN TRY\n  INSERT INTO a SELECT 1\nEND TRY\nBEGIN CATCH\n  PRINT 'no'\nEND CATCH",
            ["INSERT", "UNSUPPORTED"],
        ),
    ],
    ids=[
        "union",
        "merge",
        "update-hint",
        "view",
        "case-end",
        "on-delete",
        "if",
        "grant",
        "output-into",
        "if-else",
        "try-catch",
    ],
)
def test_tsql_batches_are_cut_where_statements_begin(sql: str, kinds: list[str]) -> None:
    lineage = extract_lineage(sql, "tsql")
    assert [s.kind for s in lineage.statements] == kinds
    assert not lineage.errors


def test_tsql_statements_without_semicolons_have_their_own_lines_and_text() -> None:
    sql = "INSERT INTO a SELECT x FROM b\n\nUPDATE a SET x = 1\nDELETE FROM a"
    statements = extract_lineage(sql, "tsql").statements
    assert [(s.kind, s.start_line, s.sql_text) for s in statements] == [
        ("INSERT", 1, "INSERT INTO a SELECT x FROM b"),
        ("UPDATE", 3, "UPDATE a SET x = 1"),
        ("DELETE", 4, "DELETE FROM a"),
    ]


def test_bare_commands_are_reported_not_dropped() -> None:
    lineage = extract_lineage("PREPARE q AS SELECT 1;\nMSCK REPAIR TABLE t;", "hive")
    assert [(s.kind, s.start_line) for s in lineage.statements] == [
        ("UNSUPPORTED", 1),
        ("UNSUPPORTED", 2),
    ]
    assert any(w.startswith("line 2: MSCK") for w in lineage.warnings)
