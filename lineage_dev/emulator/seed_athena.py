"""Seeds Athena query history in the member account: a CTAS building
`curated.customers_features` from the raw PII table `raw.customers` (its output written where a
seeded SageMaker pipeline reads it), a daily INSERT into it, a view, an external table's DDL,
SELECT-only queries, a failed and a cancelled one.

Runs in the emulator's own process (executions are recorded on moto's backend through
`lineage_dev.emulator.athena`; the CTAS's output goes through boto3 as Athena would write it).
Times are relative to the seeding moment so the crawl's N-day window always holds them.
"""

# ruff: noqa: S608  (query texts recorded in the emulated history; nothing executes them)

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lineage_dev.emulator import athena as athena_ext
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_REGION, member_client
from lineage_dev.emulator.seed_glue import (
    PARQUET_INPUT,
    PARQUET_OUTPUT,
    PARQUET_SERDE,
    RAW_BUCKET_MEMBER,
    RAW_PII_TABLE,
    presto_view_input,
)
from lineage_dev.emulator.storage import ObjectWriter

WORKGROUP = "analytics"
ADHOC_WORKGROUP = "primary"
RESULTS_LOCATION = "s3://lineage-member-athena-results/analytics/"
CURATED_BUCKET = "lineage-member-curated"
CTAS_TABLE = "curated.customers_features"
CTAS_LOCATION = f"s3://{CURATED_BUCKET}/customers_features/"
CTAS_OBJECT = f"{CTAS_LOCATION}part-00000.parquet"
CTAS_COLUMNS = (
    ("customer_id", "bigint"),
    ("email", "string"),
    ("phone", "string"),
    ("country", "string"),
    ("signup_date", "date"),
    ("tenure_days", "bigint"),
)
VIEW_NAME = "curated.customers_by_country"
CLICKSTREAM_TABLE = "raw.clickstream"
# What the CTAS and the CREATE VIEW registered in the member's Glue catalog.
GLUE_TABLES = (CTAS_TABLE, VIEW_NAME)
_NAMESPACE = uuid.UUID("6d1f0f4e-8f5b-4d8e-9a43-7f1c2b3a4d5e")


def execution_id(name: str) -> str:
    """A stable execution id for a seeded query (Athena's ids are UUIDs)."""
    return str(uuid.uuid5(_NAMESPACE, name))


CTAS_QUERY = f"""CREATE TABLE {CTAS_TABLE}
WITH (
  format = 'PARQUET',
  external_location = '{CTAS_LOCATION}',
  write_compression = 'SNAPPY'
) AS
SELECT customer_id,
       email,
       phone,
       country,
       signup_date,
       date_diff('day', signup_date, current_date) AS tenure_days
FROM {RAW_PII_TABLE}
WHERE dt >= '2026-10-01'"""

INSERT_QUERY = f"""INSERT INTO customers_features
SELECT customer_id, email, phone, country, signup_date,
       date_diff('day', signup_date, current_date) AS tenure_days
FROM {RAW_PII_TABLE}
WHERE dt = '2026-11-30'"""

VIEW_QUERY = f"""CREATE OR REPLACE VIEW {VIEW_NAME} AS
SELECT country, count(*) AS customers, avg(tenure_days) AS mean_tenure_days
FROM {CTAS_TABLE}
GROUP BY country"""

DDL_QUERY = f"""CREATE EXTERNAL TABLE IF NOT EXISTS {CLICKSTREAM_TABLE} (
  customer_id bigint,
  url string,
  ip_address string,
  event_time timestamp
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION 's3://{RAW_BUCKET_MEMBER}/clickstream/'"""


@dataclass(frozen=True)
class SeededQuery:
    """One seeded execution: its name, id, text, state and context."""

    name: str
    query: str
    state: str = "SUCCEEDED"
    database: str | None = "curated"
    workgroup: str = WORKGROUP
    hours_ago: float = 1.0
    reason: str | None = None

    @property
    def execution_id(self) -> str:
        return execution_id(self.name)


QUERIES = (
    SeededQuery("clickstream-ddl", DDL_QUERY, database="raw", hours_ago=30),
    SeededQuery("customers-features-ctas", CTAS_QUERY, hours_ago=26),
    SeededQuery("customers-by-country-view", VIEW_QUERY, hours_ago=25.5),
    SeededQuery("customers-features-insert", INSERT_QUERY, hours_ago=4),
    SeededQuery(
        "country-counts",
        f"SELECT country, count(*) AS n FROM {RAW_PII_TABLE} GROUP BY country ORDER BY n DESC",
        database="raw",
        workgroup=ADHOC_WORKGROUP,
        hours_ago=3,
    ),
    SeededQuery(
        "features-preview",
        "SELECT * FROM customers_features LIMIT 10",
        workgroup=ADHOC_WORKGROUP,
        hours_ago=2.5,
    ),
    SeededQuery(
        "typo-failed",
        "SELECT email FROM raw.customer WHERE country = 'KR'",
        state="FAILED",
        database="raw",
        workgroup=ADHOC_WORKGROUP,
        hours_ago=2,
        reason="TABLE_NOT_FOUND: line 1:19: Table 'awsdatacatalog.raw.customer' does not exist",
    ),
    SeededQuery(
        "export-cancelled",
        f"INSERT INTO curated.export_all SELECT * FROM {RAW_PII_TABLE}",
        state="CANCELLED",
        hours_ago=1.5,
        reason="Query cancelled by user",
    ),
)


def ctas_output(rows: int = 24) -> bytes:
    """The Parquet file the CTAS wrote: synthetic customers with personal data."""
    countries = ("KR", "US", "DE", "JP")
    table = pa.table(
        {
            "customer_id": pa.array(range(1, rows + 1), pa.int64()),
            "email": [f"customer{i:03d}@example.com" for i in range(1, rows + 1)],
            "phone": [f"+82-10-{1000 + i:04d}-{5000 + 7 * i:04d}" for i in range(1, rows + 1)],
            "country": [countries[i % len(countries)] for i in range(rows)],
            "signup_date": [datetime(2025, 1 + i % 12, 1 + i % 28).date() for i in range(rows)],
            "tenure_days": pa.array([400 - 9 * i for i in range(rows)], pa.int64()),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def ctas_table_input() -> dict[str, Any]:
    """The table Athena's CTAS registers in the Glue catalog (as Athena writes it)."""
    return {
        "Name": CTAS_TABLE.split(".")[1],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"has_encrypted_data": "false", "parquet.compression": "SNAPPY"},
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": column, "Type": kind} for column, kind in CTAS_COLUMNS],
            "Location": CTAS_LOCATION,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
    }


def register_in_glue(endpoint_url: str) -> None:
    """What the CTAS and CREATE VIEW left in the member's Glue catalog: the curated database,
    the CTAS's table and the view (Athena writes both through Glue)."""
    glue = member_client(endpoint_url, "glue", MEMBER_REGION)
    database = CTAS_TABLE.split(".")[0]
    view_sql = VIEW_QUERY.split(" AS\n", 1)[1]
    try:
        if database not in {d["Name"] for d in glue.get_databases().get("DatabaseList", [])}:
            glue.create_database(DatabaseInput={"Name": database, "Description": "curated"})
        glue.create_table(DatabaseName=database, TableInput=ctas_table_input())
        glue.create_table(
            DatabaseName=database,
            TableInput=presto_view_input(
                VIEW_NAME.split(".")[1],
                database,
                view_sql,
                ["country", "customers", "mean_tenure_days"],
            ),
        )
    finally:
        glue.close()


def seed_athena(endpoint_url: str, *, now: datetime | None = None) -> dict[str, str]:
    """Record the member account's query history, write the CTAS's output and register its
    table and view in Glue; returns the execution id of every seeded query by name."""
    moment = now or datetime.now(UTC)
    register_in_glue(endpoint_url)
    s3 = member_client(endpoint_url, "s3", MEMBER_REGION)
    try:
        existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
        for bucket in (CURATED_BUCKET, RESULTS_LOCATION.removeprefix("s3://").split("/")[0]):
            if bucket not in existing:
                s3.create_bucket(Bucket=bucket)
        ObjectWriter(s3).put(CTAS_OBJECT, ctas_output())
    finally:
        s3.close()
    backend = athena_ext.backend_for(MEMBER_ACCOUNT_ID, MEMBER_REGION)
    ids = {}
    for seeded in QUERIES:
        submitted = moment - timedelta(hours=seeded.hours_ago)
        ids[seeded.name] = athena_ext.record_query_execution(
            backend,
            query=seeded.query,
            workgroup=seeded.workgroup,
            submitted=submitted,
            completed=submitted + timedelta(seconds=14),
            state=seeded.state,
            database=seeded.database,
            output_location=RESULTS_LOCATION,
            execution_id=seeded.execution_id,
            reason=seeded.reason,
            scanned_bytes=48_213_775 if seeded.state == "SUCCEEDED" else 0,
        )
    return ids
