"""Tables read by the Athena/Redshift queries of step inputs, parsed at crawl time."""

from __future__ import annotations

import pytest

from lineage_assets.sagemaker import query_inputs as module
from lineage_assets.sagemaker.query_inputs import QueryInput, query_inputs, tables_read
from lineage_assets.sagemaker.resolver import StepIO


def query_io(step: str, query: str | None, engine: str | None = "athena") -> StepIO:
    return StepIO(step, "input", "dataset", "s3://b/q/", "query_result", None, query, engine)


def test_tables_read_in_the_engine_s_dialect():
    query = "SELECT o.id FROM sales.orders o JOIN sales.customers c ON o.cid = c.id"
    assert sorted(tables_read(query, "athena")) == ["sales.customers", "sales.orders"]
    assert tables_read('SELECT * FROM "Public"."Events"', "redshift") == ["public.events"]


def test_one_entry_per_step_and_table_each_query_parsed_once(monkeypatch):
    calls = []
    parse = module.tables_read
    monkeypatch.setattr(module, "tables_read", lambda q, e: calls.append(q) or parse(q, e))
    query = "SELECT * FROM db.events"
    ios = [
        query_io("Prepare", query),
        query_io("Prepare", query),  # the same input seen in a run
        query_io("Score", query),
        query_io("Prepare", None),
    ]

    found, warnings = query_inputs(ios)

    assert found == [
        QueryInput("Prepare", "query_result", "athena", "db.events"),
        QueryInput("Score", "query_result", "athena", "db.events"),
    ]
    assert calls == [query] and warnings == []


def test_a_query_that_reads_no_table_or_is_not_sql_is_kept_without_a_table():
    found, warnings = query_inputs(
        [query_io("Constant", "SELECT 1"), query_io("Broken", "SELEC FROM WHERE (((")]
    )

    assert found == [
        QueryInput("Constant", "query_result", "athena", None),
        QueryInput("Broken", "query_result", "athena", None),
    ]
    assert warnings == []


@pytest.mark.parametrize("error", [RecursionError("deep"), MemoryError(), ValueError("odd")])
def test_a_parse_that_raises_is_a_warning_and_the_other_queries_still_count(monkeypatch, error):
    parse = module.tables_read

    def failing(query: str, engine: str | None) -> list[str]:
        if "bad" in query:
            raise error
        return parse(query, engine)

    monkeypatch.setattr(module, "tables_read", failing)

    found, warnings = query_inputs(
        [query_io("A", "SELECT * FROM bad.t"), query_io("B", "SELECT * FROM good.t")]
    )

    assert [(q.step, q.table) for q in found] == [("A", None), ("B", "good.t")]
    assert [w.code for w in warnings] == ["query_unparsed"]
    assert "query of step A not parsed" in warnings[0].message
