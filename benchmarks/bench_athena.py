"""The Athena history crawl of 10,000 emulated executions: crawl time against a raw replay of
the very same AWS calls (a bare loop on a plain client, same run), then the calls of an
unchanged re-crawl (only the listings) and of a re-crawl after 100 new executions.

The history is what a warehouse account's looks like: 4 workgroups, executions of about 400
distinct statements (scheduled INSERTs and CTAS, dashboard SELECTs, DDL) repeated over ten days,
5 % failed or cancelled. A second, smaller history of all-distinct statements shows what the
SQL engine costs when nothing repeats (for information).
"""

# ruff: noqa: S608  (query texts seeded into the emulated history; never executed)

from __future__ import annotations

import random
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore import xform_name

from benchmarks.emulated import use_emulator
from benchmarks.harness import Result, figure, header, note, report, seconds, timed
from lineage_assets import aws
from lineage_assets.athena.crawl import AthenaReport, crawl_region
from lineage_assets.athena.settings import AthenaSettings
from lineage_assets.store import LineageStore
from lineage_dev.emulator import athena as athena_ext
from lineage_dev.emulator.server import EmulatorServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
WORKGROUPS = ("etl", "dashboards", "adhoc", "ml")
DISTINCT_ACCOUNT = "123456789013"


def _statement(rng: random.Random, index: int) -> tuple[str, str]:
    """One of the account's statements (text, database), chosen by `index`."""
    table = f"t{index % 60:02d}"
    kind = index % 8
    if kind == 0:
        return (
            f"CREATE TABLE curated.{table}_{index} WITH (format = 'PARQUET', "
            f"external_location = 's3://bench-curated/{table}_{index}/') AS "
            f"SELECT id, email, amount * 1.1 AS amount, lower(country) AS country "
            f"FROM raw.{table} WHERE dt >= '2026-11-01'",
            "curated",
        )
    if kind in (1, 2):
        return (
            f"INSERT INTO daily_{table} SELECT d.id, d.amount, c.segment, "
            f"sum(d.amount) OVER (PARTITION BY c.segment) AS segment_total "
            f"FROM raw.{table} d JOIN dim.customers c ON d.customer_id = c.customer_id "
            f"WHERE d.dt = '2026-11-{1 + index % 28:02d}'",
            "mart",
        )
    if kind == 3:
        return (f"CREATE OR REPLACE VIEW v_{table} AS SELECT id, amount FROM {table}", "mart")
    if kind == 7:
        return (
            f"CREATE EXTERNAL TABLE IF NOT EXISTS raw.{table}_{index} (id bigint, email string) "
            f"PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://bench-raw/{table}/'",
            "raw",
        )
    return (
        f"SELECT country, count(*) AS n, avg(amount) FROM {table} "
        f"WHERE dt >= '2026-11-{1 + index % 28:02d}' GROUP BY country ORDER BY n DESC LIMIT 100",
        "raw",
    )


def seed_history(account: str, count: int, distinct: int, start: datetime, seed: int) -> None:
    """`count` executions over the workgroups, one every few seconds from `start`."""
    rng = random.Random(seed)
    backend = athena_ext.backend_for(account, REGION)
    step = timedelta(days=10) / max(count, 1)
    for number in range(count):
        text, database = _statement(rng, rng.randrange(distinct))
        state = "SUCCEEDED" if rng.random() > 0.05 else rng.choice(("FAILED", "CANCELLED"))
        submitted = start + number * step
        athena_ext.record_query_execution(
            backend,
            query=text,
            workgroup=WORKGROUPS[number % len(WORKGROUPS)],
            submitted=submitted,
            completed=submitted + timedelta(seconds=3),
            state=state,
            database=database,
            output_location=f"s3://bench-athena-results/{WORKGROUPS[number % 4]}/",
            scanned_bytes=rng.randrange(1 << 30),
        )


class Recorder:
    """A crawler-side client factory (adaptive retries, as crawls use) counting every call and
    recording its operation and parameters for the raw replay."""

    def __init__(self, account: str = ACCOUNT) -> None:
        self.account = account
        self.calls: Counter[str] = Counter()
        self.recorded: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, service: str, region: str) -> Any:
        client = _client_in(self.account)
        client.meta.events.register(f"before-parameter-build.{service}.*", self._record)
        return client

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] += 1
        self.recorded.append((xform_name(model.name), dict(params)))


def _crawl(
    store: LineageStore, recorder: Recorder, account: str, now: datetime
) -> tuple[float, AthenaReport]:
    settings = AthenaSettings(days=30, max_executions=20_000)
    return timed(
        lambda: crawl_region(store, recorder, account, REGION, store.conn, settings, now=now)
    )


def _client_in(account: str) -> Any:
    """An Athena client (the crawls' config) acting in `account` of the emulator (moto reads
    the account from a header; the default one needs none)."""
    client = aws.client("athena", REGION)
    if account != ACCOUNT:
        client.meta.events.register(
            "before-sign.athena.*",
            lambda request, **_: request.headers.__setitem__("x-moto-account-id", account),
        )
    return client


def _replay(recorded: list[tuple[str, dict[str, Any]]], account: str = ACCOUNT) -> float:
    """The same calls on a plain client, answers discarded."""
    client = _client_in(account)
    elapsed, _ = timed(lambda: [getattr(client, op)(**params) for op, params in recorded])
    return elapsed


def run(quick: bool = False) -> list[Result]:
    """Seed, crawl, replay the crawl's calls, re-crawl unchanged, re-crawl after new ones."""
    count = 1_000 if quick else 10_000
    name = "athena"
    header(name, f"crawl of {count} emulated Athena executions vs a raw replay of its calls")
    now = datetime.now(UTC)
    start = now - timedelta(days=11)
    with EmulatorServer(seed=False) as server, tempfile.TemporaryDirectory() as folder:
        use_emulator(server.endpoint_url)
        seed_time, _ = timed(lambda: seed_history(ACCOUNT, count, 400, start, 18))
        with LineageStore.open(Path(folder) / "lineage.duckdb") as store:
            first = Recorder()
            crawl_time, report_first = _crawl(store, first, ACCOUNT, now)
            raw_time = _replay(first.recorded)
            unchanged = Recorder()
            recrawl_time, report_again = _crawl(store, unchanged, ACCOUNT, now)
            seed_history(ACCOUNT, 100, 400, now - timedelta(minutes=30), 19)
            fresh = Recorder()
            _, report_new = _crawl(store, fresh, ACCOUNT, now)
        distinct_count = count // 10
        with tempfile.TemporaryDirectory() as other:
            seed_distinct(distinct_count, now)
            with LineageStore.open(Path(other) / "lineage.duckdb") as store:
                distinct = Recorder(DISTINCT_ACCOUNT)
                distinct_time, _ = _crawl(store, distinct, DISTINCT_ACCOUNT, now)
                distinct_raw = _replay(distinct.recorded, DISTINCT_ACCOUNT)
    listings = unchanged.calls["ListWorkGroups"] + unchanged.calls["ListQueryExecutions"]
    figure("seeding (not measured)", seconds(seed_time))
    figure("first crawl: executions written", str(report_first.written))
    figure("first crawl: failed/cancelled ignored", str(report_first.ignored))
    figure("first crawl: distinct texts parsed", str(report_first.parsed))
    figure("first crawl: AWS calls", str(sum(first.calls.values())))
    figure("first crawl: wall time", seconds(crawl_time))
    figure("raw replay of the same calls (reference)", seconds(raw_time))
    figure("unchanged re-crawl: calls", str(dict(unchanged.calls)))
    figure("unchanged re-crawl: wall time", seconds(recrawl_time))
    figure("after 100 new: calls", str(dict(fresh.calls)))
    figure("after 100 new: executions written", str(report_new.written))
    figure(f"all-distinct history ({distinct_count}): crawl", seconds(distinct_time))
    figure(f"all-distinct history ({distinct_count}): raw replay", seconds(distinct_raw))
    note("crawler and replay use the same client config (adaptive retries), one thread each")
    note(f"re-crawl wrote {report_again.written} executions")
    return [
        report(Result(name, "raw replay time ÷ crawl time", raw_time / crawl_time, 0.7, True)),
        report(
            Result(
                name,
                "unchanged re-crawl: calls beyond the listings",
                sum(unchanged.calls.values()) - listings,
                0.0,
            )
        ),
        report(
            Result(
                name,
                "all-distinct texts: raw replay ÷ crawl (parse-bound)",
                distinct_raw / distinct_time,
            )
        ),
    ]


def seed_distinct(count: int, now: datetime) -> None:
    """A history where no two statements are alike (every index its own text)."""
    backend = athena_ext.backend_for(DISTINCT_ACCOUNT, REGION)
    rng = random.Random(7)
    for number in range(count):
        text, database = _statement(rng, number)
        text = text.replace(" FROM ", f" /* run {number} */ FROM ", 1)
        submitted = now - timedelta(hours=1) - timedelta(seconds=number)
        athena_ext.record_query_execution(
            backend, query=text, workgroup="etl", submitted=submitted, database=database
        )
