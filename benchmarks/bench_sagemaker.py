"""The SageMaker crawl of many emulated pipelines: crawler API calls per second against the
emulator's raw call rate (the very same calls replayed by a bare loop on a plain client, same
run), and the calls an unchanged pipeline costs on the nightly re-crawl.

With the emulator answering each call after 50 ms, as real AWS answers in tens of
milliseconds, 200 pipelines crawled by 8 worker threads against 1, same run: the speed-up, and
the stored rows of both crawls compared (none lost, none duplicated).

Each pipeline has the EU demand definition, one execution and one processing step whose job
exists, so the crawl makes its full call sequence (describe, executions, tags, execution,
definition, parameters, steps, job) and writes one store source per pipeline.

Hostile definitions (nested 200,000 deep; a Join of Joins doubling per step; a 300-step
reference chain written backwards) are resolved against a realistic definition of about the
same size (100 renamed copies of the abalone pipeline, 800 steps), same run.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore import xform_name

from benchmarks.emulated import seed_pipeline_run, seeder, use_emulator
from benchmarks.harness import (
    Result,
    figure,
    header,
    median_time,
    note,
    peak_memory,
    report,
    reset_peak_rss,
    seconds,
    timed,
)
from lineage_assets import aws
from lineage_assets.sagemaker.crawl import crawl_region
from lineage_assets.sagemaker.resolver import resolve_definition
from lineage_assets.store import LineageStore
from lineage_dev.emulator.definitions import (
    ACCOUNT_ID,
    abalone_definition,
)
from lineage_dev.emulator.server import EmulatorServer

REGION = "us-east-1"
LATENCY_REGION = "us-west-2"  # moto's state outlives a server: a region of its own
START = datetime(2026, 11, 1, 2, tzinfo=UTC)


def _seed(sagemaker, count: int, region: str = REGION) -> None:
    """`count` pipelines, each with one succeeded execution whose one step ran a job."""
    for index in range(count):
        name = f"BenchPipeline{index:04d}"
        seed_pipeline_run(sagemaker, region, name, f"preparedemanddata-{index:010d}", START)


def _counting_client(calls: Counter, record: list | None = None, region: str = REGION):
    """A crawler client (adaptive retries) counting its calls by (operation, pipeline name),
    and recording each call's operation and parameters for the raw replay."""
    client = aws.client("sagemaker", region)

    def count(model, params, **_):
        """Count (and record) one call before it is built."""
        calls[(model.name, params.get("PipelineName"))] += 1
        if record is not None:
            record.append((xform_name(model.name), dict(params)))

    client.meta.events.register("before-parameter-build.sagemaker.*", count)
    return client


def _realistic(copies: int) -> str:
    """`copies` abalone pipelines in one definition, every step and reference renamed."""
    text = json.dumps(abalone_definition())
    merged: dict = {"Version": "2020-12-01", "Parameters": [], "Steps": []}
    for index in range(copies):
        copy = json.loads(text.replace("Abalone", f"A{index:03d}balone"))
        merged["Steps"] += copy["Steps"]
        merged["Parameters"] = copy["Parameters"]
    return json.dumps(merged)


def _processing(name: str, output: object) -> dict:
    """A Processing step with one output."""
    outputs = [{"OutputName": "o", "S3Output": {"S3Uri": output}}]
    return {
        "Name": name,
        "Type": "Processing",
        "Arguments": {"ProcessingOutputConfig": {"Outputs": outputs}},
    }


def _reference(step: str) -> dict:
    """A step's output URI as a `Steps.X` reference."""
    return {"Get": f"Steps.{step}.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri"}


def _hostile() -> dict[str, str]:
    """Definitions built to exhaust the resolver."""
    doubling = [_processing("S0", "s3://b/x")]
    doubling += [
        _processing(f"S{i}", {"Std:Join": {"On": "/", "Values": [_reference(f"S{i - 1}")] * 2}})
        for i in range(1, 60)
    ]
    chain = [_processing("S0", "s3://b/x")]
    chain += [_processing(f"S{i}", _reference(f"S{i - 1}")) for i in range(1, 300)]
    return {
        "nested 200,000 deep": '{"Steps": ' + "[" * 200_000 + "]" * 200_000 + "}",
        "Join of Joins, 60 steps": json.dumps({"Steps": doubling}),
        "backward chain, 300 steps": json.dumps({"Steps": chain[::-1]}),
    }


def run_hostile(quick: bool) -> list[Result]:
    """Resolve hostile definitions; their time against a realistic definition's."""
    name = "sagemaker_hostile"
    header(name, "hostile definitions vs a realistic one of about the same size")
    realistic = _realistic(100)
    repeat = 3 if quick else 7
    reference = median_time(lambda: resolve_definition(realistic), repeat)
    figure(f"realistic: {len(realistic) / 1e6:.2f} MB, 800 steps (reference)", seconds(reference))
    results = []
    for label, text in _hostile().items():
        reset = reset_peak_rss()
        elapsed = median_time(lambda text=text: resolve_definition(text), repeat)
        warnings = sorted({w.code for w in resolve_definition(text).warnings})
        figure(f"{label}: {len(text) / 1e3:.0f} KB", f"{seconds(elapsed)} {', '.join(warnings)}")
        peak_memory(label, reset)
        results.append(Result(name, f"{label} ÷ realistic", elapsed / reference, 1.0))
    note("bounds: 64 levels (checked on the text), 50,000 steps and 4 MiB built per definition")
    return [report(result) for result in results]


def run(quick: bool = False) -> list[Result]:
    """The hostile definitions, then: seed, measure the raw rate, crawl everything, re-crawl;
    then the crawl by 8 workers against 1 at 50 ms per call."""
    return run_hostile(quick) + run_crawl(quick) + run_latency(quick)


def _stored_rows(store: LineageStore) -> Counter:
    """Every row of every per-source table and every source's state, counted (a multiset:
    a duplicated row counts twice)."""
    rows: Counter = Counter()
    for table in store.catalog.source_tables:
        for row in store.conn.execute(f"SELECT * FROM {table}").fetchall():  # noqa: S608
            rows[(table, repr(row))] += 1
    for row in store.conn.execute(
        "SELECT source_key, source_kind, status, row_count, content_hash FROM sources"
    ).fetchall():
        rows[("sources", repr(row))] += 1
    return rows


def serve_latency(count: int, latency_ms: float, ready: Any, stop: Any) -> None:
    """In a process of its own, as AWS is: an emulator seeded with `count` pipelines (without
    latency), then answering every call after `latency_ms`, until `stop` is set."""
    with EmulatorServer(seed=False) as server:
        _seed(seeder("sagemaker", LATENCY_REGION, server.endpoint_url), count, LATENCY_REGION)
        server.latency_ms = latency_ms
        ready.put(server.endpoint_url)
        stop.wait()


@contextmanager
def _latency_emulator(count: int, latency_ms: float) -> Iterator[str]:
    """The endpoint of a seeded emulator with latency in a child process (stopped after)."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    child = context.Process(target=serve_latency, args=(count, latency_ms, ready, stop))
    child.start()
    try:
        yield ready.get(timeout=900)
    finally:
        stop.set()
        child.join(60)
        if child.is_alive():
            child.terminate()


def run_latency(quick: bool = False) -> list[Result]:
    """Seed without latency, then crawl everything with 1 and with 8 workers at 50 ms a call."""
    count, latency_ms, workers = (40 if quick else 200), 50.0, 8
    name = "sagemaker_latency"
    header(name, f"{count} pipelines at {latency_ms:.0f} ms per call: {workers} workers vs 1")
    with (
        _latency_emulator(count, latency_ms) as endpoint,
        tempfile.TemporaryDirectory() as folder,
    ):
        use_emulator(endpoint)
        times, rows, reports = {}, {}, {}
        for threads in (1, workers):
            with LineageStore.open(Path(folder) / f"workers-{threads}.duckdb") as store:
                calls: Counter = Counter()
                cpu = time.process_time()
                times[threads], reports[threads] = timed(
                    lambda store=store, calls=calls, threads=threads: crawl_region(
                        store,
                        _counting_client(calls, region=LATENCY_REGION),
                        ACCOUNT_ID,
                        LATENCY_REGION,
                        reads=store.conn,
                        workers=threads,
                    )
                )
                cpu = time.process_time() - cpu
                rows[threads] = _stored_rows(store)
                pipelines = store.conn.execute(
                    "SELECT count(*), count(DISTINCT source_key) FROM sagemaker_pipelines"
                ).fetchone()
            if len(reports[threads].crawled) != count or pipelines != (count, count):
                raise AssertionError(f"{threads} workers: {pipelines} pipelines, not {count}")
            figure(f"{threads} worker(s): API calls", str(sum(calls.values())))
            figure(f"{threads} worker(s): wall time", seconds(times[threads]))
            figure(f"{threads} worker(s): crawler CPU time", seconds(cpu))
    if rows[1] != rows[workers]:
        lost = sum((rows[1] - rows[workers]).values())
        extra = sum((rows[workers] - rows[1]).values())
        raise AssertionError(f"{workers} workers stored {lost} rows fewer and {extra} more")
    figure("stored rows, identical in both crawls", f"{sum(rows[1].values()):,}")
    note(
        "same client config (adaptive retries, one client shared by the workers); writes in "
        "the calling thread; the emulator answers from a process of its own (its CPU is not ours)"
    )
    speedup = times[1] / times[workers]
    return [report(Result(name, f"{workers} workers ÷ 1 worker, speed", speedup, 5.0, True))]


def run_crawl(quick: bool = False) -> list[Result]:
    """Seed, measure the raw rate, crawl everything, then re-crawl unchanged."""
    count = 100 if quick else 1000
    name = "sagemaker"
    header(name, f"crawl of {count} emulated pipelines vs the emulator's raw call rate")
    with EmulatorServer(seed=False) as server, tempfile.TemporaryDirectory() as folder:
        use_emulator(server.endpoint_url)
        sagemaker = seeder("sagemaker", REGION, server.endpoint_url)
        seed_time, _ = timed(lambda: _seed(sagemaker, count))
        raw_client = aws.client("sagemaker", REGION)
        raw_calls = 2 * count
        raw_time, _ = timed(
            lambda: [
                raw_client.describe_pipeline(PipelineName=f"BenchPipeline{i % count:04d}")
                for i in range(raw_calls)
            ]
        )
        raw_rate = raw_calls / raw_time
        with LineageStore.open(Path(folder) / "lineage.duckdb") as store:
            calls: Counter = Counter()
            crawl_time, first = timed(
                lambda: crawl_region(
                    store, _counting_client(calls), ACCOUNT_ID, REGION, reads=store.conn, workers=1
                )
            )
            crawl_calls = sum(calls.values())
            again: Counter = Counter()
            recrawl_time, second = timed(
                lambda: crawl_region(
                    store, _counting_client(again), ACCOUNT_ID, REGION, reads=store.conn, workers=1
                )
            )
    per_pipeline = sum(n for (_, pipeline), n in again.items() if pipeline) / count
    listing = sum(n for (_, pipeline), n in again.items() if not pipeline)
    figure("seeding (not measured)", seconds(seed_time))
    figure("raw replay of the same calls: calls/s (reference)", f"{raw_rate:.0f}")
    figure("first crawl: pipelines written", str(len(first.crawled)))
    figure("first crawl: API calls", str(crawl_calls))
    figure("first crawl: wall time", seconds(crawl_time))
    figure("first crawl: calls/s incl. store writes", f"{crawl_calls / crawl_time:.0f}")
    figure("re-crawl: unchanged pipelines", str(len(second.unchanged)))
    figure("re-crawl: wall time", seconds(recrawl_time))
    figure("re-crawl: region listing calls (shared)", str(listing))
    note("crawler and replay use the same client config (adaptive retries), one thread each")
    return [
        report(
            Result(
                name, "crawl calls/s ÷ raw calls/s", crawl_calls / crawl_time / raw_rate, 0.7, True
            )
        ),
        report(Result(name, "calls per unchanged pipeline on re-crawl", per_pipeline, 2.0)),
    ]
