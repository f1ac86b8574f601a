"""Fan out, fan in: 1,000 emulated pipelines in four regions with 50 ms added to every AWS
call, crawled by four parallel staged runs (one process per region, no database, Parquet
batches in a staging folder) plus the one ingest that applies them, against one run crawling
all four regions straight into the store (today's path), in the same run.

Each "run" is a fresh process, as a Dagster run worker is; both paths publish the read-only
copy at the end and crawl with the same threads per region (LINEAGE_AWS_WORKERS). Each region
is served by an emulator process of its own, as each AWS region is an endpoint of its own (one
emulator process would make its own CPU the bottleneck of both paths). The latency is added
on the client side (every HTTP request botocore sends, retries included) in the crawling
processes only, so seeding is not slowed. The emulator (moto, its seeding) is imported by the
emulator processes alone: a crawl run imports what a crawl imports, not 0.35 s of emulator
that the four staged runs would each load at once on the same CPUs.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from benchmarks.harness import Result, figure, header, note, report, seconds
from lineage_dev.emulator import EMULATOR_ENV

ACCOUNT = "123456789012"  # the emulator's default account
REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2")
LATENCY_S = 0.050
START = datetime(2026, 11, 1, 2, tzinfo=UTC)


def _seed(endpoint_url: str, region: str, names: list[str]) -> None:
    """Pipelines in one region, each with one succeeded execution whose one step ran a job,
    so the crawl makes its full call sequence per pipeline."""
    from benchmarks.emulated import seed_pipeline_run, seeder

    sagemaker = seeder("sagemaker", region, endpoint_url)
    for index, name in enumerate(names):
        seed_pipeline_run(sagemaker, region, name, f"prepare-{index:06d}", START)


def _inject_latency(delay_s: float) -> None:
    """Every HTTP request botocore sends in this process waits `delay_s` first."""
    from botocore.endpoint import Endpoint

    send = Endpoint._send

    def slow_send(self: Endpoint, request: Any) -> Any:
        time.sleep(delay_s)
        return send(self, request)

    Endpoint._send = slow_send  # type: ignore[method-assign]


class RegionalClients:
    """A client factory like `lineage_assets.aws.client` (same configuration) whose clients of
    a region call that region's emulator process."""

    def __init__(self, endpoints: dict[str, str]) -> None:
        self.endpoints = endpoints

    def __call__(self, service: str, region: str | None = None) -> Any:
        from lineage_assets import aws

        region = region or REGIONS[0]
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=self.endpoints[region],
            config=aws.client_config(),
        )  # fmt: skip


def _serve(region: str, names: list[str], ready: Any, stop: Any) -> None:
    """One region's emulator process: seed its pipelines, say where it listens, serve."""
    from lineage_dev.emulator.server import EmulatorServer

    os.environ.update(EMULATOR_ENV)
    with EmulatorServer(seed=False) as server:
        _seed(server.endpoint_url, region, names)
        ready.put((region, server.endpoint_url))
        stop.wait()


def _crawl_direct(home: str, endpoints: dict[str, str], delay_s: float) -> tuple[float, float]:
    """Today's path, in its own process: crawl every region into the store, then publish."""
    from lineage_assets.sagemaker.crawl import crawl_regions
    from lineage_assets.store import LineageStore

    _inject_latency(delay_s)
    started, cpu = time.perf_counter(), time.process_time()
    folder = Path(home)
    with LineageStore.open(folder / "lineage.duckdb", folder / "published.duckdb") as store:
        crawl_regions(store, RegionalClients(endpoints), ACCOUNT, list(REGIONS), reads=store.conn)
        store.publish()
    return time.perf_counter() - started, time.process_time() - cpu


def _crawl_staged(
    home: str, staging: str, region: str, endpoints: dict[str, str], delay_s: float
) -> tuple[float, float]:
    """One staged crawl run, in its own process: one region into Parquet batches, no store."""
    from lineage_assets.staging.crawls import stage_sagemaker, state_reader
    from lineage_assets.staging.location import StagingLocation

    _inject_latency(delay_s)
    started, cpu = time.perf_counter(), time.process_time()
    with state_reader(Path(home) / "published.duckdb") as reads:
        stage_sagemaker(
            StagingLocation.from_url(staging), RegionalClients(endpoints), ACCOUNT, region,
            reads=reads, producer_run_id=f"bench-{region}",
        )  # fmt: skip
    return time.perf_counter() - started, time.process_time() - cpu


def _ingest(home: str, staging: str) -> tuple[float, float]:
    """The one writer, in its own process: apply every staged batch, then publish."""
    from lineage_assets.staging.ingest import ingest
    from lineage_assets.staging.location import StagingLocation
    from lineage_assets.store import LineageStore

    started, cpu = time.perf_counter(), time.process_time()
    folder = Path(home)
    with LineageStore.open(folder / "lineage.duckdb", folder / "published.duckdb") as store:
        ingest(store, StagingLocation.from_url(staging))
        store.publish()
    return time.perf_counter() - started, time.process_time() - cpu


def _pipelines(home: Path) -> int:
    """How many pipelines the published copy holds."""
    import duckdb

    with duckdb.connect(str(home / "published.duckdb"), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM sagemaker_pipelines").fetchone()
    return int(row[0]) if row else 0


def run(quick: bool = False) -> list[Result]:
    """Seed, then one direct run vs four staged runs at once plus the ingest."""
    count = 100 if quick else 1000
    name = "fanout"
    header(name, f"{count} pipelines, {LATENCY_S * 1000:.0f} ms per AWS call: 4 staged runs "
           "+ ingest vs 1 direct run")  # fmt: skip
    spawn = multiprocessing.get_context("spawn")
    os.environ.update(EMULATOR_ENV)
    per_region = count // len(REGIONS)
    ready, stop = spawn.Queue(), spawn.Event()
    servers = [
        spawn.Process(
            target=_serve,
            args=(region, [f"Fan{i}Pipeline{n:04d}" for n in range(per_region)], ready, stop),
        )
        for i, region in enumerate(REGIONS)
    ]
    seeding = time.perf_counter()
    for server in servers:
        server.start()
    try:
        endpoints = dict(ready.get(timeout=1800) for _ in servers)
        seed_time = time.perf_counter() - seeding
        with tempfile.TemporaryDirectory() as folder:
            direct_home, staged_home = Path(folder, "direct"), Path(folder, "staged")
            direct_home.mkdir()
            staged_home.mkdir()
            staging = str(Path(folder, "staging"))
            with spawn.Pool(1) as pool:
                started = time.perf_counter()
                direct_work = pool.apply(_crawl_direct, (str(direct_home), endpoints, LATENCY_S))
                direct_wall = time.perf_counter() - started
            with spawn.Pool(len(REGIONS)) as pool:
                started = time.perf_counter()
                crawls = pool.starmap(
                    _crawl_staged,
                    [(str(staged_home), staging, r, endpoints, LATENCY_S) for r in REGIONS],
                )
                crawled_wall = time.perf_counter() - started
                ingest_work = pool.apply(_ingest, (str(staged_home), staging))
                fan_wall = time.perf_counter() - started
            landed = (_pipelines(direct_home), _pipelines(staged_home))
    finally:
        stop.set()
        for server in servers:
            server.join(60)
    figure("seeding (not measured)", seconds(seed_time))
    figure("pipelines landed: direct, fan-out", f"{landed[0]}, {landed[1]}")
    figure("direct: one run, wall (reference)", seconds(direct_wall))
    figure(
        "direct: the run's own work, CPU", f"{seconds(direct_work[0])}, {seconds(direct_work[1])}"
    )
    figure("fan-out: 4 staged runs at once, wall", seconds(crawled_wall))
    figure("fan-out: slowest staged run's own work", seconds(max(c[0] for c in crawls)))
    figure("fan-out: the 4 staged runs' CPU, summed", seconds(sum(c[1] for c in crawls)))
    figure(
        "fan-out: ingest + publish, CPU", f"{seconds(ingest_work[0])}, {seconds(ingest_work[1])}"
    )
    figure("fan-out: staged runs + ingest, wall", seconds(fan_wall))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    note(f"{os.cpu_count()} CPUs shared by the crawls and four emulator processes; load {load}")
    note("the latency alone would let 4 runs finish in about a quarter of the direct wall; where")
    note("the runs' CPU (plus the emulators') exceeds CPUs times the fan-out wall, CPU bounds it")
    if landed[0] != landed[1] or landed[0] < count - count % len(REGIONS):
        note("the two paths landed different pipelines: the ratio below is not comparable")
    return [
        report(
            Result(
                name,
                "direct wall ÷ (4 staged runs + ingest) wall",
                direct_wall / fan_wall,
                3.0,
                True,
            )
        ),
    ]
