"""Seeds the member account's Glue Data Catalog: a raw table over S3 Parquet holding personal
data whose columns no git SQL reads (kr_rrn, ip_address, address), a masked column
(`email_sha256`), a date partition, and an Athena (Presto) view over it, encoded as Athena
writes views. Other seed modules and tests import the names below.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from typing import Any

import pyarrow as pa

from lineage_dev.emulator import datasets as ds
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, member_client

GLUE_ACCOUNT_ID = MEMBER_ACCOUNT_ID
GLUE_REGION = "us-east-1"
RAW_DATABASE = "raw"
RAW_TABLE = "customers"
RAW_PII_TABLE = f"{RAW_DATABASE}.{RAW_TABLE}"  # the SQL engine's name, the table's node key
RAW_BUCKET_MEMBER = "lineage-member-raw"
RAW_LOCATION = f"s3://{RAW_BUCKET_MEMBER}/customers/"
RAW_PARTITION_DAY = date(2026, 11, 1)
RAW_OBJECT = f"{RAW_LOCATION}dt={RAW_PARTITION_DAY.isoformat()}/part-00000.parquet"
PRESTO_VIEW_NAME = "customers_contact"
PRESTO_VIEW = f"{RAW_DATABASE}.{PRESTO_VIEW_NAME}"
MASKED_COLUMN = "email_sha256"
GLUE_ONLY_PII_COLUMNS = ("kr_rrn", "ip_address", "address")  # no git SQL reads them
RAW_COLUMNS = (
    ("customer_id", "bigint", "customer key"),
    ("email", "string", None),
    ("full_name", "string", None),
    ("phone", "string", None),
    ("kr_rrn", "string", "resident registration number"),
    ("ip_address", "string", "signup IP"),
    ("address", "string", None),
    ("country", "string", None),
    ("signup_date", "date", None),
    (MASKED_COLUMN, "string", "sha256 of the lower-cased email"),
)
PARTITION_KEYS = (("dt", "string"),)
VIEW_SQL = f"SELECT customer_id, full_name, email, phone\nFROM {RAW_TABLE}\nWHERE country = 'KR'"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def raw_customers(count: int = 200) -> pa.Table:
    """The raw table's rows: the demo's customers with their personal data in the clear."""
    rows = ds.customers(count, first_id=10_001, seed=18)
    return pa.table(
        {
            "customer_id": pa.array([r.customer_id for r in rows], pa.int64()),
            "email": [r.email for r in rows],
            "full_name": [r.full_name for r in rows],
            "phone": [r.phone for r in rows],
            "kr_rrn": [r.rrn for r in rows],
            "ip_address": [r.ip_address for r in rows],
            "address": [r.address for r in rows],
            "country": [r.country for r in rows],
            "signup_date": pa.array([r.signup_date for r in rows], pa.date32()),
            MASKED_COLUMN: [hashlib.sha256(r.email.encode()).hexdigest() for r in rows],
        }
    )


def _columns(entries: tuple[tuple[str, str, str | None], ...]) -> list[dict[str, str]]:
    return [
        {"Name": name, "Type": kind, **({"Comment": comment} if comment else {})}
        for name, kind, comment in entries
    ]


def raw_table_input() -> dict[str, Any]:
    """The raw table as a Glue crawler (or Athena's CREATE EXTERNAL TABLE) declares it."""
    return {
        "Name": RAW_TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Owner": "hadoop",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": [{"Name": name, "Type": kind} for name, kind in PARTITION_KEYS],
        "StorageDescriptor": {
            "Columns": _columns(RAW_COLUMNS),
            "Location": RAW_LOCATION,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "SerdeInfo": {
                "SerializationLibrary": PARQUET_SERDE,
                "Parameters": {"serialization.format": "1"},
            },
        },
    }


def presto_view_input(
    name: str, database: str, sql: str, columns: list[str], owner_account: str = GLUE_ACCOUNT_ID
) -> dict[str, Any]:
    """A view as Athena's CREATE VIEW stores it: `/* Presto View: <base64 JSON> */`."""
    document = {
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": [{"name": column, "type": "varchar"} for column in columns],
        "owner": f"arn:aws:iam::{owner_account}:user/analyst",
        "runAsInvoker": False,
        "properties": {},
    }
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    return {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "ViewOriginalText": f"/* Presto View: {encoded} */",
        "ViewExpandedText": "/* Presto View */",
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": column, "Type": "string"} for column in columns],
            "SerdeInfo": {},
        },
    }


def seed_glue(endpoint_url: str) -> None:
    """The member account's bucket, Parquet object, database, raw table, partition and view."""
    s3 = member_client(endpoint_url, "s3", GLUE_REGION)
    glue = member_client(endpoint_url, "glue", GLUE_REGION)
    try:
        s3.create_bucket(Bucket=RAW_BUCKET_MEMBER)
        key = RAW_OBJECT.removeprefix(f"s3://{RAW_BUCKET_MEMBER}/")
        s3.put_object(Bucket=RAW_BUCKET_MEMBER, Key=key, Body=ds.parquet_bytes(raw_customers()))
        glue.create_database(
            DatabaseInput={"Name": RAW_DATABASE, "Description": "raw landing zone"}
        )
        glue.create_table(DatabaseName=RAW_DATABASE, TableInput=raw_table_input())
        glue.create_partition(
            DatabaseName=RAW_DATABASE,
            TableName=RAW_TABLE,
            PartitionInput={
                "Values": [RAW_PARTITION_DAY.isoformat()],
                "StorageDescriptor": {
                    "Location": f"{RAW_LOCATION}dt={RAW_PARTITION_DAY.isoformat()}/"
                },
            },
        )
        glue.create_table(
            DatabaseName=RAW_DATABASE,
            TableInput=presto_view_input(
                PRESTO_VIEW_NAME,
                RAW_DATABASE,
                VIEW_SQL,
                ["customer_id", "full_name", "email", "phone"],
            ),
        )
    finally:
        s3.close()
        glue.close()
