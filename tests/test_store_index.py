"""The walk index built batch by batch (`LineageStore.index_batch`, as every write refreshes it)
holds exactly what a full rebuild from `lineage_edges` holds, over every kind of source."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pyarrow as pa

from lineage_assets import config
from lineage_assets.glue.crawl import crawl_region
from lineage_assets.store import LineageStore, SourceRecords
from tests.support.demo_crawl import DemoCrawl
from tests.support.glue_catalog import REGION, AccountClients, columns, parquet_table, presto_view

GLUE_ACCOUNT = "210000000716"  # an emulator account of this module's own

INDEX = "SELECT * FROM lineage_edge_index ORDER BY ALL"


def index_in_batches(store: LineageStore, keys: list[str], size: int) -> None:
    """Index the sources `keys` in mixed batches of `size`, each in its own transaction, over
    whatever the index held before."""
    tables = dict(store.conn.execute("SELECT source_key, tables FROM sources").fetchall())
    for start in range(0, len(keys), size):
        batch = keys[start : start + size]
        touched = {table for key in batch for table in tables[key] or []}
        with store.transaction() as conn:
            conn.register("_batch_sources", pa.table({"source_key": batch}))
            try:
                store.index_batch(touched)
            finally:
                conn.unregister("_batch_sources")


def glue_catalog() -> AccountClients:
    """A Glue table and a view over it, in this module's account."""
    clients = AccountClients(GLUE_ACCOUNT)
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "raw"})
    cols = columns(("customer_id", "bigint"), ("email", "string"))
    glue.create_table(
        DatabaseName="raw", TableInput=parquet_table("customers", "s3://index-t/c/", cols, [])
    )
    sql = "SELECT customer_id, lower(email) AS email FROM awsdatacatalog.raw.customers"
    glue.create_table(DatabaseName="raw", TableInput=presto_view("contacts", "raw", sql, cols))
    return clients


def test_batches_index_what_a_full_rebuild_does(
    aws_env: object, demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    db = tmp_path / "lineage.duckdb"
    shutil.copy(config.published_path(demo_crawl.home), db)
    with LineageStore.open(db) as store:
        clients = glue_catalog()
        assert not crawl_region(store, clients, clients.account, REGION, store.conn).errors
        kept = store.conn.execute(INDEX).fetchall()  # as the nightly job and the crawl left it
        kinds = dict(store.conn.execute("SELECT source_key, source_kind FROM sources").fetchall())
        assert len(set(kinds.values())) >= 5, sorted(set(kinds.values()))
        print("source kinds:", sorted(set(kinds.values())))
        store.refresh_edge_index()
        rebuilt = store.conn.execute(INDEX).fetchall()
        assert kept == rebuilt
        assert len({row[4] for row in rebuilt}) > 10  # edges of many sources

        keys = sorted(kinds)
        random.Random(7).shuffle(keys)  # every batch mixes kinds of sources
        store.conn.execute("DELETE FROM lineage_edge_index")
        index_in_batches(store, keys, size=5)
        assert store.conn.execute(INDEX).fetchall() == rebuilt

        # again over the index as it is: each batch's rows replaced, none doubled or lost
        index_in_batches(store, keys[::-1], size=3)
        assert store.conn.execute(INDEX).fetchall() == rebuilt


SERVING_ACCOUNT = "210000000717"
ENDPOINT_KEY = f"serving_endpoint:{SERVING_ACCOUNT}/us-east-1/live"


def live_endpoint(capture: str) -> SourceRecords:
    """An endpoint capturing its requests into `capture`."""
    arn = f"arn:aws:sagemaker:us-east-1:{SERVING_ACCOUNT}:endpoint/live"
    row = {"account_id": SERVING_ACCOUNT, "region": "us-east-1", "endpoint_name": "live",
           "endpoint_arn": arn, "capture_destination": capture}  # fmt: skip
    return SourceRecords(ENDPOINT_KEY, "serving_endpoint").add("serving_endpoints", [row])


def watching_schedule() -> SourceRecords:
    """A monitoring schedule of that endpoint (its own source)."""
    arn = f"arn:aws:sagemaker:us-east-1:{SERVING_ACCOUNT}:monitoring-schedule/watch"
    row = {"account_id": SERVING_ACCOUNT, "region": "us-east-1", "schedule_name": "watch",
           "schedule_arn": arn, "endpoint_name": "live"}  # fmt: skip
    return SourceRecords(
        f"serving_monitoring_schedule:{SERVING_ACCOUNT}/us-east-1/watch", "monitoring_schedule"
    ).add("serving_monitoring_schedules", [row])


def test_an_edge_joining_another_sources_rows_follows_that_source(tmp_path: Path) -> None:
    """A schedule's `monitors` edge starts at its endpoint's capture destination, which the
    endpoint's source owns: written in either order, the index holds what a rebuild holds."""
    with LineageStore.open(tmp_path / "s.duckdb") as store:

        def monitored() -> list[str]:
            indexed = store.conn.execute(INDEX).fetchall()
            store.refresh_edge_index()
            assert indexed == store.conn.execute(INDEX).fetchall()
            return [source for source, target, *_ in indexed if target.startswith("monitoring")]

        store.replace_source(watching_schedule())
        assert monitored() == []
        store.replace_source(live_endpoint("s3://capture/live/"))
        assert monitored() == ["data:s3://capture/live/"]
        store.replace_source(live_endpoint("s3://capture/moved/"))
        assert monitored() == ["data:s3://capture/moved/"]
        store.remove_source(ENDPOINT_KEY)
        assert monitored() == []
