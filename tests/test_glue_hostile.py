"""Hostile catalogs: huge column and parameter lists, deep, invalid and multi-statement view
text, names that are not valid Unicode or hold control characters. Each is bounded and
recorded naming the table or view; the rest of the catalog lands."""

from __future__ import annotations

import base64

from lineage_assets.glue.bounds import MAX_COLUMNS, MAX_PARAMETERS_BYTES
from lineage_assets.glue.crawl import crawl_region
from lineage_assets.glue.views import tables
from tests.support.glue_catalog import REGION, AccountClients, columns, parquet_table, presto_view


def _errors(store) -> list[tuple[str, str, str]]:
    return store.conn.execute(
        "SELECT source_key, error_type, message FROM crawl_errors ORDER BY ALL"
    ).fetchall()


def test_huge_column_and_parameter_lists_are_bounded(aws_env, store):
    clients = AccountClients("210000000031")
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "wide"})
    many = columns(*((f"c{i}", "string") for i in range(MAX_COLUMNS + 500)))
    table = parquet_table("t", "s3://glue-hostile/wide/", many)
    table["Parameters"] = {f"p{i}": "x" * 500 for i in range(200)}
    glue.create_table(DatabaseName="wide", TableInput=table)
    crawl_region(store, clients, clients.account, REGION, store.conn)
    count, truncated, parameters = store.conn.execute(
        "SELECT column_count, columns_truncated, parameters FROM glue_tables"
    ).fetchone()
    assert (count, truncated) == (MAX_COLUMNS, True)
    assert len(parameters.encode()) <= MAX_PARAMETERS_BYTES + 64
    assert '"__truncated__"' in parameters
    stored = store.conn.execute("SELECT count(*) FROM glue_columns").fetchone()
    assert stored == (MAX_COLUMNS,)


def test_bad_views_are_error_rows_naming_them_and_their_tables_land(aws_env, store):
    clients = AccountClients("210000000032")
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "v"})
    base = parquet_table("base", "s3://glue-hostile/base/", columns(("a", "string")))
    glue.create_table(DatabaseName="v", TableInput=base)
    cols = columns(("a", "string"))
    deep = "SELECT " + "(" * 5_000 + "a" + ")" * 5_000 + " AS a FROM base"
    glue.create_table(DatabaseName="v", TableInput=presto_view("deep", "v", deep, cols))
    glue.create_table(
        DatabaseName="v",
        TableInput=presto_view("two", "v", "SELECT a FROM base; DROP TABLE base", cols),
    )
    broken = presto_view("garbled", "v", "SELECT a FROM base", cols)
    broken["ViewOriginalText"] = "/* Presto View: !!!not-base64!!! */"
    glue.create_table(DatabaseName="v", TableInput=broken)
    not_json = presto_view("notjson", "v", "SELECT a FROM base", cols)
    payload = base64.b64encode(b"[" * 100_000).decode()
    not_json["ViewOriginalText"] = f"/* Presto View: {payload} */"
    glue.create_table(DatabaseName="v", TableInput=not_json)
    spark = presto_view("spark", "v", "", cols)
    spark["ViewOriginalText"] = "SELECT `a` FROM `v`.`base`"
    spark["Parameters"] = {"spark.sql.create.version": "3.5.0"}
    glue.create_table(DatabaseName="v", TableInput=spark)
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert len(report.written) == 6
    errors = {key.rsplit("/", 1)[1]: (kind, message) for key, kind, message in _errors(store)}
    assert set(errors) == {"deep", "two", "garbled", "notjson"}
    assert all(kind == "ViewParseError" for kind, _ in errors.values())
    assert "view v.deep: line 1: statement nested deeper than 100 levels" in errors["deep"][1]
    assert "view v.two: view text is not one query" in errors["two"][1]
    assert "not base64 JSON" in errors["garbled"][1] and "not base64 JSON" in errors["notjson"][1]
    view_errors = dict(
        store.conn.execute("SELECT table_name, view_error FROM glue_tables").fetchall()
    )
    assert view_errors["spark"] is None and view_errors["base"] is None
    assert not store.conn.execute(
        "SELECT * FROM lineage_edges WHERE target_node = 'table:v.two'"
    ).fetchall()
    spark_edges = store.conn.execute(
        "SELECT source_node FROM lineage_edges WHERE target_node = 'table:v.spark'"
    ).fetchall()
    assert spark_edges == [("table:v.base",)]


def test_names_that_are_not_valid_unicode_or_hold_control_characters(aws_env, store):
    clients = AccountClients("210000000033")
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "names"})
    good = parquet_table("good", "s3://glue-hostile/good/", columns(("a", "string")))
    glue.create_table(DatabaseName="names", TableInput=good)
    surrogate = parquet_table("bad\udc80name", "s3://glue-hostile/bad/", columns(("a", "string")))
    glue.create_table(DatabaseName="names", TableInput=surrogate)
    bad_column = parquet_table(
        "badcolumn", "s3://glue-hostile/badcol/", columns(("ok", "string"), ("x\x00y", "string"))
    )
    glue.create_table(DatabaseName="names", TableInput=bad_column)
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert [t.table_name for t in tables(store.conn)] == ["good"]
    assert len(report.errors) == 2
    errors = _errors(store)
    messages = " | ".join(message for _, _, message in errors)
    assert "table names.bad\\udc80name: table name is not valid Unicode" in messages
    assert "control characters" in messages
    assert {kind for _, kind, _ in errors} == {"BadName"}
    assert ("glue_table:210000000033/us-east-1/names/badcolumn", "failed") in (
        store.conn.execute("SELECT source_key, status FROM sources").fetchall()
    )
