"""The Glue Data Catalog crawl of 2,000 emulated tables (20 databases, half of them partitioned,
some Athena views): crawl wall time against a raw replay of the very same calls by a bare loop
on a plain client (same run), and the calls an unchanged catalog costs on the re-crawl (one
GetDatabases, one GetTables listing per database, nothing else).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.emulated import seeder, use_emulator
from benchmarks.harness import Result, figure, header, note, report, seconds, timed
from benchmarks.recording import crawl_twice
from lineage_assets.glue.crawl import crawl_region
from lineage_assets.glue.viewsql import ViewText, view_lineage
from lineage_assets.store import LineageStore
from lineage_dev.emulator.seed_glue import presto_view_input
from lineage_dev.emulator.server import EmulatorServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
SERVICES = ("glue",)
DATABASES = 20
COLUMNS = 20
PARQUET = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"


def _table(name: str, partitioned: bool) -> dict[str, Any]:
    columns = [{"Name": f"c{i}", "Type": "string" if i % 3 else "bigint"} for i in range(COLUMNS)]
    columns[1] = {"Name": "email", "Type": "string"}
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "dt", "Type": "string"}] if partitioned else [],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": f"s3://bench-glue/{name}/",
            "InputFormat": PARQUET,
            "SerdeInfo": {"SerializationLibrary": "ParquetHiveSerDe"},
        },
    }


def _seed(glue: Any, count: int) -> None:
    """`count` tables over `DATABASES` databases; every other one partitioned (3 partitions),
    every 40th a view over its neighbour."""
    per = count // DATABASES
    for d in range(DATABASES):
        database = f"bench{d:02d}"
        glue.create_database(DatabaseInput={"Name": database})
        for t in range(per):
            name = f"t{t:04d}"
            if t % 40 == 39:
                sql = f"SELECT c0, email FROM t{t - 1:04d} WHERE c2 = 'x'"  # noqa: S608
                view = presto_view_input(name, database, sql, ["c0", "email"])
                glue.create_table(DatabaseName=database, TableInput=view)
                continue
            glue.create_table(DatabaseName=database, TableInput=_table(name, t % 2 == 0))
            if t % 2 == 0:
                glue.batch_create_partition(
                    DatabaseName=database,
                    TableName=name,
                    PartitionInputList=[
                        {"Values": [f"2026-11-0{day}"], "StorageDescriptor": {}}
                        for day in (1, 2, 3)
                    ],
                )


def run(quick: bool = False) -> list[Result]:
    """Seed, crawl everything, replay the crawl's calls raw, then re-crawl unchanged."""
    count = 200 if quick else 2000
    name = "glue"
    header(name, f"crawl of {count} emulated Glue tables vs a raw replay of the same calls")
    with EmulatorServer(seed=False) as server, tempfile.TemporaryDirectory() as folder:
        use_emulator(server.endpoint_url)
        glue = seeder("glue", REGION, server.endpoint_url)
        seed_time, _ = timed(lambda: _seed(glue, count))
        view_lineage("db", "warm", ViewText("SELECT a FROM t", "athena"))  # imports, not timed
        with LineageStore.open(Path(folder) / "lineage.duckdb") as store:
            crawled = crawl_twice(
                lambda clients: crawl_region(store, clients, ACCOUNT, REGION, store.conn),
                SERVICES,
                REGION,
            )
    figure("seeding (not measured)", seconds(seed_time))
    crawled.print("tables")
    note("crawler and replay use the same client config (adaptive retries), one thread each;")
    note("both clients are made, and the SQL engine imported, before the timing")
    again, crawl_time, replay_time = crawled.again, crawled.crawl_s, crawled.replay_s
    listings = again.calls["GetTables"]
    other = sum(again.calls.values()) - listings - again.calls["GetDatabases"]
    return [
        report(Result(name, "raw replay time ÷ crawl time", replay_time / crawl_time, 0.7, True)),
        report(
            Result(name, "GetTables listings per database on re-crawl", listings / DATABASES, 1.0)
        ),
        report(Result(name, "calls besides the listings on re-crawl", float(other), 0.0)),
    ]
