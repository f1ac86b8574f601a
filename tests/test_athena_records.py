"""Athena names, bounds and settings: the default catalog is not written, another catalog is;
the settings refuse what Athena cannot have."""

from __future__ import annotations

import pytest

from lineage_assets.athena import settings
from lineage_assets.athena.fetch import clean, parse_execution
from lineage_assets.athena.ids import default_database, relation
from lineage_assets.athena.lineage import LineageCache
from lineage_assets.athena.records import bounded_query
from lineage_assets.config import ConfigError


def test_relation_names_meet_git_sql_and_glue() -> None:
    assert relation("awsdatacatalog.raw.customers") == "raw.customers"
    assert relation("raw.customers", "AwsDataCatalog") == "raw.customers"
    assert relation("raw.customers", "mysql_prod") == "mysql_prod.raw.customers"
    assert relation("mysql_prod.raw.customers", "mysql_prod") == "mysql_prod.raw.customers"
    assert relation("s3://b/x/", "mysql_prod") == "s3://b/x/"
    assert default_database("AwsDataCatalog", "raw") == "raw"
    assert default_database(None, "raw") == "raw"
    assert default_database("mysql_prod", "raw") == "mysql_prod.raw"
    assert default_database("AwsDataCatalog", None) is None


def test_federated_catalog_context_qualifies_with_its_catalog() -> None:
    parsed = LineageCache(1 << 18).lineage("SELECT * FROM orders", "mysql_prod", "shop")
    assert parsed.lineage is not None
    assert parsed.lineage.statements[0].sources == ["mysql_prod.shop.orders"]


def test_repeated_texts_are_parsed_once() -> None:
    cache = LineageCache(1 << 18)
    for _ in range(3):
        cache.lineage("INSERT INTO a SELECT x FROM b", None, "db")
    cache.lineage("INSERT INTO a SELECT x FROM b", None, "other")
    assert cache.parsed == 2


def test_untrusted_answer_fields_are_checked() -> None:
    assert parse_execution({"QueryExecutionId": 5}, "wg") is None
    execution = parse_execution(
        {
            "QueryExecutionId": "x" * 500,
            "Query": ["not", "text"],
            "Status": "SUCCEEDED",
            "QueryExecutionContext": {"Database": "d" * 10_000},
            "Statistics": {"DataScannedInBytes": "12"},
        },
        "wg",
    )
    assert execution is not None
    assert len(execution.execution_id) == 128 and execution.query == ""
    assert execution.state is None and execution.scanned_bytes is None
    assert execution.database is not None and len(execution.database) == 256
    assert clean("a\udcffb?") == "a\ufffdb?"


def test_stored_text_is_cut_with_a_marker() -> None:
    text, cut = bounded_query("x" * 70_000)
    assert cut and text.endswith("[statement text truncated: 70000 characters in all]")
    assert bounded_query("SELECT 1") == ("SELECT 1", False)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_ATHENA_DAYS", "7")
    monkeypatch.setenv("LINEAGE_ATHENA_MAX_EXECUTIONS", "100")
    assert settings.from_env() == settings.AthenaSettings(days=7, max_executions=100)
    monkeypatch.setenv("LINEAGE_ATHENA_DAYS", "90")
    with pytest.raises(ConfigError, match="days"):
        settings.from_env()
    monkeypatch.setenv("LINEAGE_ATHENA_DAYS", "soon")
    with pytest.raises(ConfigError, match="LINEAGE_ATHENA_DAYS"):
        settings.from_env()


class _HalfListedAthena:
    """Lists two ids of which AWS can describe only one yet (a just-started execution)."""

    def list_work_groups(self, **_: object) -> dict:
        return {"WorkGroups": [{"Name": "etl"}]}

    def list_query_executions(self, **_: object) -> dict:
        return {"QueryExecutionIds": ["new", "described"]}

    def batch_get_query_execution(self, QueryExecutionIds: list[str]) -> dict:
        known = [i for i in QueryExecutionIds if i == "described"]
        return {
            "QueryExecutions": [{"QueryExecutionId": i, "Query": "SELECT 1"} for i in known],
            "UnprocessedQueryExecutionIds": [
                {"QueryExecutionId": i, "ErrorCode": "INTERNAL_ERROR"}
                for i in QueryExecutionIds
                if i != "described"
            ],
        }


def test_a_listed_id_aws_cannot_describe_yet_is_retried_once() -> None:
    from datetime import UTC, datetime

    from lineage_assets.athena.fetch import list_new

    athena = _HalfListedAthena()
    since = datetime(2026, 1, 1, tzinfo=UTC)
    first = list_new(athena, "etl", known=set(), since=since, seen_until=None, limit=10)
    assert first.retry == ["new"] and first.unprocessed == [("new", "INTERNAL_ERROR")]
    again = list_new(
        athena, "etl", known={"new"}, since=since, seen_until=None, limit=10, pending=["new"]
    )
    assert again.retry == [] and again.unprocessed == [("new", "INTERNAL_ERROR")]


def test_declared_columns_resolve_star_and_join_columns() -> None:
    """With the Glue catalog's columns, `SELECT *` and a join's bare columns get column edges;
    a federated catalog's query is not given the Glue catalog's tables."""
    schema = {
        "raw.customers": {"customer_id": "bigint", "email": "string"},
        "raw.orders": {"order_id": "bigint", "cid": "bigint", "amount": "double"},
        "other.unrelated": {"x": "int"},
    }
    cache = LineageCache(1 << 18, schema=schema)
    assert set(cache.schema_for("SELECT * FROM customers", None)) == {"raw.customers"}
    assert cache.schema_for("SELECT * FROM customers", "mysql_prod") == {}
    ctas = cache.lineage("CREATE TABLE f AS SELECT * FROM customers", "AwsDataCatalog", "raw")
    assert ctas.lineage is not None
    assert {e.target for e in ctas.lineage.statements[0].column_lineage} == {
        "raw.f.customer_id",
        "raw.f.email",
    }
    join = cache.lineage(
        "INSERT INTO t SELECT email, amount FROM customers c JOIN orders o ON customer_id = cid",
        None,
        "raw",
    )
    assert join.lineage is not None
    assert {e.source for e in join.lineage.statements[0].column_lineage} == {
        "raw.customers.email",
        "raw.orders.amount",
    }
