"""The Glue Data Catalog crawl against the moto server, into a real DuckDB store: tables,
declared columns and partition keys, location edges as SQL's LOCATION makes them, view lineage
from Athena's real view encoding, incremental re-crawls and deletions."""

from __future__ import annotations

from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.glue.crawl import crawl_region
from lineage_assets.glue.views import pii_columns, tables
from lineage_assets.graph import views as graph_views
from lineage_assets.sql import extract_lineage
from tests.support.glue_catalog import (
    REGION,
    AccountClients,
    columns,
    parquet_table,
    presto_view,
)

CUSTOMERS = columns(
    ("customer_id", "bigint"),
    ("email", "string"),
    ("full_name", "string"),
    ("kr_rrn", "string"),
    ("ip_address", "string"),
    ("email_sha256", "string"),
)


def _catalog(account: str, bucket: str = "glue-tests") -> AccountClients:
    clients = AccountClients(account)
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "raw"})
    glue.create_database(DatabaseInput={"Name": "mart"})
    glue.create_table(
        DatabaseName="raw",
        TableInput=parquet_table(
            "customers", f"s3://{bucket}/customers/", CUSTOMERS, columns(("dt", "string"))
        ),
    )
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        glue.create_partition(
            DatabaseName="raw",
            TableName="customers",
            PartitionInput={
                "Values": [day],
                "StorageDescriptor": {"Location": f"s3://{bucket}/customers/dt={day}/"},
            },
        )
    glue.create_table(
        DatabaseName="mart",
        TableInput=presto_view(
            "customer_contacts",
            "mart",
            "SELECT c.customer_id, lower(c.email) AS email, c.full_name AS name\n"
            "FROM awsdatacatalog.raw.customers c WHERE c.dt > '2026-01-01'",
            columns(("customer_id", "bigint"), ("email", "string"), ("name", "string")),
        ),
    )
    return clients


def test_tables_columns_partitions_and_location_edges(aws_env, store):
    clients = _catalog("210000000001")
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert not report.errors
    assert len(report.written) == 2
    by_node = {t.node: t for t in tables(store.conn)}
    raw = by_node["table:raw.customers"]
    assert (raw.account_id, raw.region) == ("210000000001", REGION)
    assert raw.table_type == "EXTERNAL_TABLE"
    assert raw.location == "s3://glue-tests/customers/"
    assert raw.partition_keys == ["dt"] and raw.partition_count == 3
    rows = store.conn.execute(
        "SELECT column_name, column_type, position, is_partition_key FROM glue_columns "
        "WHERE node = 'table:raw.customers' ORDER BY position"
    ).fetchall()
    assert rows[0] == ("customer_id", "bigint", 1, False)
    assert rows[-1] == ("dt", "string", 7, True)
    stored = store.conn.execute(
        "SELECT input_format, serde, parameters->>'classification' FROM glue_tables "
        "WHERE table_name = 'customers'"
    ).fetchone()
    assert stored == (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "parquet",
    )
    node_columns = graph_views.node_columns(store.conn)["table:raw.customers"]
    assert {"kr_rrn", "ip_address", "dt"} <= node_columns


def test_the_location_edge_is_the_one_sql_location_makes(aws_env, store):
    clients = _catalog("210000000002")
    crawl_region(store, clients, clients.account, REGION, store.conn)
    sql = (
        "CREATE EXTERNAL TABLE raw.customers (customer_id bigint) "
        "LOCATION 's3://glue-tests/customers/'"
    )
    lineage = extract_lineage(sql, "athena")
    records = file_records("sql:r/t.sql", "r", "t.sql", "b", None, [ParsedUnit(lineage)])
    store.replace_source(records)
    edges = store.conn.execute(
        "SELECT source_node, target_node, edge_kind, provenance FROM lineage_edges "
        "WHERE edge_kind = 'location' ORDER BY provenance"
    ).fetchall()
    assert edges == [
        ("table:raw.customers", "data:s3://glue-tests/customers/", "location", "declared"),
        ("table:raw.customers", "data:s3://glue-tests/customers/", "location", "parsed"),
    ]
    assert {loc.table for loc in graph_views.table_locations(store.conn)} == {"raw.customers"}


def test_presto_view_lineage_reaches_the_base_table(aws_env, store):
    clients = _catalog("210000000003")
    crawl_region(store, clients, clients.account, REGION, store.conn)
    edges = set(
        store.conn.execute(
            "SELECT source_node, target_node, edge_kind FROM lineage_edges "
            "WHERE starts_with(source_key, 'glue_table:210000000003/us-east-1/mart/')"
        ).fetchall()
    )
    assert ("table:raw.customers", "table:mart.customer_contacts", "view") in edges
    view_columns = {(s, t) for s, t, kind in edges if kind == "column"}
    assert ("column:raw.customers.full_name", "column:mart.customer_contacts.name") in view_columns
    assert ("column:raw.customers.email", "column:mart.customer_contacts.email") in view_columns
    view = store.conn.execute(
        "SELECT view_dialect, view_sql, view_error FROM glue_tables WHERE table_name = "
        "'customer_contacts'"
    ).fetchone()
    assert view[0] == "athena" and view[1].startswith("SELECT c.customer_id") and view[2] is None


def test_pii_by_name_on_declared_columns_skips_masked_ones(aws_env, store):
    clients = _catalog("210000000004")
    crawl_region(store, clients, clients.account, REGION, store.conn)
    found = {(c.node, c.column_name): c.pii_class for c in pii_columns(store.conn)}
    assert found[("table:raw.customers", "kr_rrn")] == "kr_rrn"
    assert found[("table:raw.customers", "ip_address")] == "ip_address"
    assert found[("table:raw.customers", "email")] == "email"
    assert ("table:raw.customers", "email_sha256") not in found
    assert ("column:raw.customers.kr_rrn", "kr_rrn") in graph_views.declared_pii_columns(store.conn)


def test_an_unchanged_recrawl_lists_once_per_database_and_rewrites_nothing(aws_env, store):
    clients = _catalog("210000000005")
    crawl_region(store, clients, clients.account, REGION, store.conn)
    before = store.conn.execute(
        "SELECT source_key, last_success_at FROM sources ORDER BY 1"
    ).fetchall()
    clients.calls.clear()
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert dict(clients.calls) == {"get_databases": 1, "get_tables": 2}
    assert report.written == [] and len(report.unchanged) == 2
    after = store.conn.execute(
        "SELECT source_key, last_success_at FROM sources ORDER BY 1"
    ).fetchall()
    assert after == before


def test_a_changed_table_is_rewritten_and_a_deleted_one_removed(aws_env, store):
    clients = _catalog("210000000006")
    crawl_region(store, clients, clients.account, REGION, store.conn)
    glue = clients.glue()
    glue.update_table(
        DatabaseName="raw",
        TableInput=parquet_table(
            "customers",
            "s3://glue-tests/customers-v2/",
            [*CUSTOMERS, {"Name": "address", "Type": "string"}],
            columns(("dt", "string")),
        ),
    )
    glue.delete_table(DatabaseName="mart", Name="customer_contacts")
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert report.written == ["glue_table:210000000006/us-east-1/raw/customers"]
    assert report.removed == ["glue_table:210000000006/us-east-1/mart/customer_contacts"]
    assert [t.location for t in tables(store.conn)] == ["s3://glue-tests/customers-v2/"]
    assert not store.conn.execute(
        "SELECT * FROM lineage_edges WHERE target_node = 'table:mart.customer_contacts'"
    ).fetchall()
    glue.delete_table(DatabaseName="raw", Name="customers")
    glue.delete_database(Name="raw")
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert "glue_database:210000000006/us-east-1/raw" in report.removed
    assert tables(store.conn) == []


def test_a_resource_link_points_at_its_shared_table(aws_env, store):
    clients = AccountClients("210000000007")
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "shared"})
    glue.create_table(
        DatabaseName="shared",
        TableInput={
            "Name": "customers_link",
            "TargetTable": {
                "CatalogId": "210987654321",
                "DatabaseName": "raw",
                "Name": "customers",
            },
        },
    )
    report = crawl_region(store, clients, clients.account, REGION, store.conn)
    assert not report.errors
    edges = store.conn.execute(
        "SELECT source_node, target_node, edge_kind, provenance FROM lineage_edges "
        "WHERE starts_with(source_key, 'glue_table:210000000007/')"
    ).fetchall()
    assert edges == [
        ("table:raw.customers", "table:shared.customers_link", "resource_link", "declared")
    ]


def test_declared_pii_seeds_the_graph_and_flows_through_a_view(aws_env, store):
    from lineage_assets.graph.build import build_graph

    clients = _catalog("210000000008")
    clients.glue().create_table(
        DatabaseName="mart",
        TableInput=presto_view(
            "residents",
            "mart",
            "SELECT customer_id, kr_rrn AS resident_id FROM raw.customers",
            columns(("customer_id", "bigint"), ("resident_id", "string")),
        ),
    )
    crawl_region(store, clients, clients.account, REGION, store.conn)
    build_graph(store)
    tags = {
        node: (cls, hops)
        for node, cls, hops in store.conn.execute(
            "SELECT column_node, pii_class, hops FROM pii_tags"
        ).fetchall()
    }
    assert tags["column:raw.customers.kr_rrn"] == ("kr_rrn", 0)
    assert tags["column:mart.residents.resident_id"] == ("kr_rrn", 1)
    assert "column:raw.customers.email_sha256" not in tags
