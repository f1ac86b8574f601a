"""The documented interface of `extract_lineage`: the JSON shape, statement lines, per-statement
results that keep intermediates, indirect (filter/join/group) edges kept apart."""

from __future__ import annotations

import json

from lineage_assets.sql import ColumnEdge, ScriptLineage, StatementLineage, extract_lineage

SCRIPT = """-- staging step
CREATE TEMP TABLE stage AS
SELECT customer_id, sum(amount) AS total
FROM sales.orders
WHERE status = 'ok'
GROUP BY customer_id;

INSERT INTO mart.totals (customer, total)
SELECT s.customer_id, s.total
FROM stage s JOIN crm.customers c ON c.id = s.customer_id;
DROP TABLE stage;
"""


def test_to_dict_shape_and_json() -> None:
    lineage = extract_lineage(SCRIPT, "postgres")
    assert isinstance(lineage, ScriptLineage)
    result = json.loads(json.dumps(lineage.to_dict()))
    assert list(result) == ["targets", "sources", "column_lineage", "warnings", "statements"]
    assert result["targets"] == ["mart.totals"]
    assert sorted(result["sources"]) == ["crm.customers", "sales.orders"]
    assert sorted(result["column_lineage"]) == [
        ["mart.totals.customer", "sales.orders.customer_id", "rename"],
        ["mart.totals.total", "sales.orders.amount", "aggregate"],
    ]
    first = result["statements"][0]
    assert {
        "kind",
        "targets",
        "sources",
        "column_lineage",
        "start_line",
        "end_line",
        "error",
    } <= set(first)


def test_statements_keep_intermediates_and_their_lines() -> None:
    lineage = extract_lineage(SCRIPT, "postgres")
    create, insert, drop = lineage.statements
    assert all(isinstance(s, StatementLineage) for s in lineage.statements)
    assert (create.kind, create.start_line, create.end_line) == ("CREATE TABLE AS", 2, 6)
    assert (insert.kind, insert.start_line, insert.end_line) == ("INSERT", 8, 10)
    assert (drop.kind, drop.start_line) == ("DROP TABLE", 11)
    assert sorted(insert.sources) == ["crm.customers", "stage"]
    assert ColumnEdge("mart.totals.total", "stage.total", "identity") in insert.column_lineage
    assert (
        ColumnEdge("mart.totals.customer", "stage.customer_id", "rename") in insert.column_lineage
    )


def test_indirect_edges_are_kept_apart() -> None:
    lineage = extract_lineage(SCRIPT, "postgres")
    create, insert, _ = lineage.statements
    assert ColumnEdge("stage.*", "sales.orders.status", "filter") in create.indirect_lineage
    assert ColumnEdge("stage.*", "sales.orders.customer_id", "group") in create.indirect_lineage
    assert ColumnEdge("mart.totals.*", "crm.customers.id", "join") in insert.indirect_lineage
    assert not any(e.source.endswith(".status") for e in lineage.column_lineage)


def test_use_sets_the_default_database_for_later_statements_only() -> None:
    lineage = extract_lineage("SELECT a FROM t;\nUSE sales;\nSELECT a FROM t;", "hive")
    assert [s.sources for s in lineage.statements] == [["t"], [], ["sales.t"]]
    assert lineage.statements[1].kind == "USE"


def test_no_exception_on_garbage_and_empty_input() -> None:
    for text in ("", ";;;", "\x00\x01", "SELECT (((", "'unterminated", "/* open comment"):
        lineage = extract_lineage(text)
        for statement in lineage.statements:
            assert statement.error is None or statement.error.startswith("line ")
