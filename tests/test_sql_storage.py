"""COPY as a pure plan (what it writes, what it reads, which reads carry a whole-row edge) and
the analysis that plan becomes: loads, unloads of tables and of queries, stages and paths."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from lineage_assets.sql import extract_lineage
from lineage_assets.sql.analysis import Context
from lineage_assets.sql.catalog import Catalog
from lineage_assets.sql.storage import CopyPlan, CopyRead, plan_copy


def planned(sql: str, dialect: str) -> CopyPlan:
    statement = sqlglot.parse_one(sql, read=dialect)
    assert isinstance(statement, exp.Copy)
    sql_dialect = Dialect.get_or_raise(dialect)
    return plan_copy(statement, Context(sql_dialect, Catalog(sql_dialect, None)))


def reads(plan: CopyPlan) -> list[tuple[str | None, bool, bool]]:
    """(name, linked, is a query) per read."""
    return [(r.name, r.linked, r.query is not None) for r in plan.reads]


@pytest.mark.parametrize(
    ("sql", "dialect", "target", "expected"),
    [
        ("COPY raw.users FROM 's3://b/users/'", "postgres", "raw.users",
         [("s3://b/users/", True, False)]),
        ("COPY INTO raw.events FROM @landing/events/", "snowflake", "raw.events",
         [("@landing/events/", True, False)]),
        ("COPY users TO '/tmp/users.csv'", "postgres", "/tmp/users.csv", [("users", True, False)]),
        ("COPY INTO @exports/x FROM users", "snowflake", "@exports/x", [("users", True, False)]),
        ("COPY (SELECT id FROM users) TO 's3://b/out'", "postgres", "s3://b/out",
         [(None, False, True)]),
        ("COPY INTO @exports FROM (SELECT id FROM users)", "snowflake", "@exports",
         [(None, False, True)]),
    ],
)  # fmt: skip
def test_plan_names_the_target_and_each_read(sql, dialect, target, expected) -> None:
    plan = planned(sql, dialect)
    assert plan.target == target
    assert reads(plan) == expected


def test_a_load_from_a_path_links_the_table_to_the_path() -> None:
    assert planned("COPY raw.users FROM 's3://b/u/'", "postgres") == CopyPlan(
        "raw.users", (CopyRead("s3://b/u/", linked=True),)
    )


@pytest.mark.parametrize(
    ("sql", "dialect", "targets", "sources", "edges"),
    [
        ("COPY raw.users FROM 's3://b/users/'", "postgres", ["raw.users"], ["s3://b/users/"],
         {("raw.users.*", "s3://b/users/.*", "identity")}),
        ("COPY users TO '/tmp/users.csv'", "postgres", ["/tmp/users.csv"], ["users"],
         {("/tmp/users.csv.*", "users.*", "identity")}),
        ("COPY INTO @exports FROM (SELECT id, md5(email) AS h FROM users)", "snowflake",
         ["@exports"], ["users"],
         {("@exports.id", "users.id", "identity"), ("@exports.h", "users.email", "masking")}),
    ],
)  # fmt: skip
def test_the_plan_applied_gives_the_statement_lineage(sql, dialect, targets, sources, edges):
    (statement,) = extract_lineage(sql, dialect).statements
    assert statement.error is None and statement.kind == "COPY"
    assert (statement.targets, statement.sources) == (targets, sources)
    assert {(e.target, e.source, e.transform) for e in statement.column_lineage} == edges
