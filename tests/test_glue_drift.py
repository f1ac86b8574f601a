"""Glue's declared columns against the schema sampled at the table's location: a real
mismatch (a narrower integer, a string declared over numbers, a column the data lacks, an
undeclared column holding personal data) is found and named."""

from __future__ import annotations

import pyarrow as pa

from lineage_assets.glue.crawl import crawl_region
from lineage_assets.glue.drift import EXTRA, MISSING, TYPE_MISMATCH, Declared, Sampled, compare
from lineage_assets.glue.views import schema_drift
from lineage_assets.s3_schema.crawl import crawl_datasets
from lineage_dev.emulator import datasets as ds
from tests.support.glue_catalog import REGION, AccountClients, columns, parquet_table

ACCOUNT = "210000000021"
BUCKET = "glue-drift-tests"


def test_compare_names_missing_extra_and_mismatched_columns():
    declared = [
        Declared("id", "int", False),
        Declared("amount", "string", False),
        Declared("address", "struct<city:string,zip:string>", False),
        Declared("gone", "string", False),
        Declared("dt", "string", True),
    ]
    sampled = [
        Sampled("ID", "int64", False),
        Sampled("amount", "double", False),
        Sampled("address.city", "string", False),
        Sampled("address.zip", "string", False),
        Sampled("kr_rrn", "string", False),
        Sampled("dt", "date32[day]", True),
    ]
    found = {(d.column, d.kind): d for d in compare(declared, sampled)}
    assert set(found) == {
        ("id", TYPE_MISMATCH),
        ("amount", TYPE_MISMATCH),
        ("gone", MISSING),
        ("kr_rrn", EXTRA),
    }
    assert found[("id", TYPE_MISMATCH)].detail == "id: declared int, data has int64"
    assert found[("kr_rrn", EXTRA)].detail == "kr_rrn: in the data (string), not declared"


def test_a_catalog_table_that_disagrees_with_its_data_is_reported(aws_env, store):
    clients = AccountClients(ACCOUNT)
    s3 = clients("s3", REGION)
    s3.create_bucket(Bucket=BUCKET)
    data = pa.table(
        {
            "order_id": pa.array([1, 2, 3], pa.int64()),
            "amount": pa.array([1.5, 2.5, 3.5], pa.float64()),
            "kr_rrn": ["900101-1234568", "850505-2345678", "770707-1234567"],
        }
    )
    s3.put_object(Bucket=BUCKET, Key="orders/part-0.parquet", Body=ds.parquet_bytes(data))
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "sales"})
    declared = columns(("order_id", "int"), ("amount", "string"), ("channel", "string"))
    glue.create_table(
        DatabaseName="sales", TableInput=parquet_table("orders", f"s3://{BUCKET}/orders", declared)
    )
    crawl_region(store, clients, ACCOUNT, REGION, store.conn)
    crawl_datasets(store, [f"s3://{BUCKET}/orders/"], s3, lambda region: s3)
    (drift,) = schema_drift(store.conn)
    assert drift.node == "table:sales.orders" and drift.breaking
    assert drift.location == f"s3://{BUCKET}/orders"
    assert drift.dataset_uri == f"s3://{BUCKET}/orders/"
    assert sorted(d.detail for d in drift.differences) == [
        "amount: declared string, data has double",
        "channel: declared string, not in the data",
        "kr_rrn: in the data (string), not declared",
        "order_id: declared int, data has int64",
    ]
