"""The Athena crawl against the emulator and a real store: incremental listing, observed edges
tied to their execution, names qualified as Athena qualifies them, reads, and bounds."""

# ruff: noqa: S608  (query texts seeded into the emulated history; never executed)

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lineage_assets.athena import views
from lineage_assets.athena.crawl import crawl_region
from lineage_assets.athena.ids import execution_key, execution_node
from lineage_assets.athena.settings import AthenaSettings
from lineage_assets.store import LineageStore
from lineage_dev.emulator import athena as athena_ext
from lineage_dev.emulator.seed import SeededAccount
from tests.support.athena import CountingFactory

REGION = "us-east-1"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Seeder:
    """Records executions in one account's emulated Athena, one minute apart."""

    def __init__(self, account: str, start: datetime = NOW - timedelta(days=2)) -> None:
        self.account = account
        self.backend = athena_ext.backend_for(account, REGION)
        self.clock = start

    def run(self, query: str, workgroup: str = "etl", **options: Any) -> str:
        self.clock += timedelta(minutes=1)
        options.setdefault("database", "sales")
        options.setdefault("completed", self.clock + timedelta(seconds=5))
        return athena_ext.record_query_execution(
            self.backend,
            query=query,
            workgroup=workgroup,
            submitted=self.clock,
            output_location=f"s3://athena-results-{self.account}/{workgroup}/",
            **options,
        )


def crawl(store: LineageStore, factory: CountingFactory, account: str, **settings: Any) -> Any:
    return crawl_region(
        store, factory.client, account, REGION, store.conn, AthenaSettings(**settings), now=NOW
    )


def edges(store: LineageStore, account: str) -> set[tuple[str, str, str, str, str]]:
    rows = store.conn.execute(
        "SELECT source_node, target_node, edge_kind, provenance, execution_arn "
        "FROM lineage_edges WHERE starts_with(source_key, ?)",
        [f"athena_query:{account}/"],
    ).fetchall()
    return set(rows)


def test_second_crawl_lists_only_new_executions(aws_env: SeededAccount, store: LineageStore):
    account = "320000000001"
    seeder = Seeder(account)
    for i in range(120):
        seeder.run(f"INSERT INTO daily_{i % 7} SELECT id FROM orders")
    seeder.run("SELECT 1", workgroup="adhoc")
    first = CountingFactory(account)
    report = crawl(store, first, account)
    assert report.written == 121 and report.errors == []
    assert first.calls == {
        "ListWorkGroups": 1,
        "ListQueryExecutions": 3 + 1 + 1,  # etl: 3 pages; adhoc and primary: 1 each
        "BatchGetQueryExecution": 3 + 1,
    }
    new = [seeder.run("INSERT INTO daily_0 SELECT id FROM returns") for _ in range(3)]
    second = CountingFactory(account)
    report = crawl(store, second, account)
    assert report.written == 3
    assert second.calls == {
        "ListWorkGroups": 1,
        "ListQueryExecutions": 3,
        "BatchGetQueryExecution": 1,
    }
    stored = views.stored_ids(store.conn, account, REGION, "etl")
    assert set(new) <= stored and len(stored) == 123
    unchanged = CountingFactory(account)
    report = crawl(store, unchanged, account)
    assert report.written == 0
    assert unchanged.calls == {"ListWorkGroups": 1, "ListQueryExecutions": 3}


def test_observed_edges_tied_to_their_execution(aws_env: SeededAccount, store: LineageStore):
    account = "320000000002"
    seeder = Seeder(account)
    ctas = seeder.run(
        "CREATE TABLE curated.features WITH (format = 'PARQUET', "
        "external_location = 's3://curated/features/') AS "
        "SELECT customer_id, lower(email) AS email FROM raw.customers",
        database="raw",
    )
    insert = seeder.run("INSERT INTO daily SELECT id, amount FROM awsdatacatalog.sales.orders")
    unload = seeder.run(
        "UNLOAD (SELECT id, email FROM customers) TO 's3://exports/customers/' "
        "WITH (format = 'PARQUET')",
        database="raw",
    )
    view = seeder.run("CREATE OR REPLACE VIEW v_orders AS SELECT id FROM orders")
    report = crawl(store, CountingFactory(account), account)
    assert report.errors == [] and report.written == 4
    node = {i: execution_node(account, REGION, i) for i in (ctas, insert, unload, view)}
    found = edges(store, account)
    expected = {
        ("table:raw.customers", "table:curated.features", "sql", "observed", node[ctas]),
        ("column:raw.customers.email", "column:curated.features.email", "column", "observed",
         node[ctas]),
        ("table:curated.features", "data:s3://curated/features/", "location", "observed",
         node[ctas]),
        ("table:sales.orders", "table:sales.daily", "sql", "observed", node[insert]),
        ("table:raw.customers", "data:s3://exports/customers/", "unload", "observed",
         node[unload]),
        ("table:sales.orders", "table:sales.v_orders", "sql", "observed", node[view]),
        ("column:sales.orders.id", "column:sales.v_orders.id", "column", "observed", node[view]),
    }  # fmt: skip
    assert expected <= found
    flows = store.conn.execute(
        "SELECT transform FROM column_flows WHERE source_key = ? AND target_column = 'email'",
        [execution_key(account, REGION, ctas)],
    ).fetchall()
    assert flows == [("expression",)]
    (stored,) = [e for e in views.executions(store.conn, account, REGION) if e.execution_id == ctas]
    assert stored.workgroup == "etl" and stored.database == "raw"
    assert stored.statement_type == "DDL" and stored.state == "SUCCEEDED"
    assert stored.submitted_at == seeder.clock - timedelta(minutes=3)
    assert stored.query_node == node[ctas]


def test_selects_are_reads_and_failures_are_ignored(aws_env: SeededAccount, store: LineageStore):
    account = "320000000003"
    seeder = Seeder(account)
    select = seeder.run("SELECT c.email, o.amount FROM customers c JOIN raw.orders o USING (id)")
    failed = seeder.run(
        "INSERT INTO nowhere SELECT * FROM missing", state="FAILED", reason="TABLE_NOT_FOUND"
    )
    cancelled = seeder.run("INSERT INTO t2 SELECT * FROM t1", state="CANCELLED")
    report = crawl(store, CountingFactory(account), account)
    assert (report.written, report.ignored) == (1, 2)
    query = execution_node(account, REGION, select)
    assert edges(store, account) == {
        ("table:sales.customers", query, "read", "observed", query),
        ("table:raw.orders", query, "read", "observed", query),
    }
    assert views.stored_ids(store.conn, account, REGION, "etl") == {select}
    assert failed not in views.stored_ids(store.conn, account, REGION, "etl")
    assert cancelled not in views.stored_ids(store.conn, account, REGION, "etl")


def test_running_executions_are_read_again(aws_env: SeededAccount, store: LineageStore):
    account = "320000000004"
    seeder = Seeder(account)
    done = seeder.run("INSERT INTO a SELECT x FROM b")
    running = seeder.run("INSERT INTO c SELECT x FROM d", state="RUNNING", completed=None)
    assert crawl(store, CountingFactory(account), account).pending == 1
    assert views.stored_ids(store.conn, account, REGION, "etl") == {done}
    execution = athena_ext.execution_log(seeder.backend).by_id[running]
    execution["Status"] = {**execution["Status"], "State": "SUCCEEDED"}
    factory = CountingFactory(account)
    report = crawl(store, factory, account)
    assert report.written == 1 and report.pending == 0
    assert views.stored_ids(store.conn, account, REGION, "etl") == {done, running}
    assert factory.calls["BatchGetQueryExecution"] == 1  # the pending one only
    assert crawl(store, CountingFactory(account), account).written == 0


def test_window_and_bound(aws_env: SeededAccount, store: LineageStore):
    account = "320000000005"
    old = Seeder(account, start=NOW - timedelta(days=40))
    old.run("INSERT INTO a SELECT x FROM old_source")
    recent = Seeder(account, start=NOW - timedelta(days=1))
    kept = [recent.run(f"INSERT INTO a SELECT x FROM s{i}") for i in range(5)]
    report = crawl(store, CountingFactory(account), account, days=30, max_executions=3)
    assert report.written == 3
    assert views.stored_ids(store.conn, account, REGION, "etl") == set(kept[-3:])
    assert any("listing stopped after 3" in line for line in report.errors)
    newer = recent.run("INSERT INTO a SELECT x FROM s_new")
    factory = CountingFactory(account)
    report = crawl(store, factory, account, days=30)
    assert report.written == 3  # the new one, and the two the bounded crawl left
    assert views.stored_ids(store.conn, account, REGION, "etl") == {*kept, newer}
    assert factory.calls["BatchGetQueryExecution"] == 1  # stored ones are passed over
    unchanged = CountingFactory(account)
    assert crawl(store, unchanged, account, days=30).written == 0
    assert "BatchGetQueryExecution" not in unchanged.calls


def test_hostile_queries_are_bounded_and_recorded(aws_env: SeededAccount, store: LineageStore):
    account = "320000000006"
    seeder = Seeder(account)
    huge = seeder.run("SELECT " + " + ".join(["x"] * 60_000) + " FROM t")
    deep = seeder.run("SELECT " + "(" * 500 + "1" + ")" * 500 + " FROM t")
    garbled = seeder.run("INSERT INTO t SELECT 'caf\udce9' AS name, id FROM s")
    broken = seeder.run("INSERT INTO SELECT FROM WHERE ((")
    good = seeder.run("INSERT INTO out SELECT id FROM src")
    report = crawl(store, CountingFactory(account), account, max_query_bytes=100_000)
    assert report.written == 5
    stored = {e.execution_id: e for e in views.executions(store.conn, account, REGION)}
    assert "over the 100000-byte bound" in (stored[huge].error or "")
    assert stored[deep].error and stored[broken].error
    assert stored[garbled].error is None and stored[garbled].targets == ("sales.t",)
    assert stored[good].targets == ("sales.out",) and stored[good].error is None
    logged = store.conn.execute(
        "SELECT location FROM crawl_errors WHERE starts_with(source_key, ?)",
        [f"athena_query:{account}/"],
    ).fetchall()
    assert {huge, deep, broken} <= {location for (location,) in logged}
    text = store.conn.execute(
        "SELECT query_text FROM athena_executions WHERE execution_id = ?", [garbled]
    ).fetchone()
    assert text is not None and "caf\ufffd" in text[0]


def test_accounts_crawled_concurrently_land_as_one_by_one(aws_env: SeededAccount, tmp_path):
    """Listing several accounts on worker threads writes what crawling them in turn writes."""
    from lineage_assets.athena.crawl import Target, crawl_targets

    accounts = ("320000000011", "320000000012", "320000000013")
    for account in accounts:
        seeder = Seeder(account)
        for i in range(60):
            seeder.run(f"INSERT INTO out_{i % 3} SELECT id FROM src_{i % 5}")
    landed = []
    for workers in (1, 3):
        with LineageStore.open(tmp_path / f"w{workers}.duckdb") as store:
            targets = [Target(a, REGION, CountingFactory(a).client) for a in accounts]
            report = crawl_targets(store, targets, store.conn, workers=workers, now=NOW)
            assert report.written == 180 and report.errors == []
            landed.append(
                store.conn.execute(
                    "SELECT source_node, target_node, execution_arn FROM lineage_edges ORDER BY ALL"
                ).fetchall()
            )
    assert landed[0] == landed[1] and len(landed[0]) > 0
