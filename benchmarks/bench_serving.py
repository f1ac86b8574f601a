"""The serving crawl of 300 emulated endpoints (each with its model and endpoint config capturing
requests into one bucket): crawl wall time against a raw replay of the very same calls by a
bare loop on plain clients (same run), and the calls an unchanged region costs on the re-crawl
(one listing per kind, no Describe; the capture bucket's posture is read again, 5 calls).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.emulated import seeder, use_emulator
from benchmarks.harness import Result, figure, header, note, report, seconds, timed
from benchmarks.recording import Recording, crawl_twice
from lineage_assets import aws
from lineage_assets.serving.crawl import crawl_serving
from lineage_assets.store import LineageStore
from lineage_dev.emulator.server import EmulatorServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
SERVICES = ("sagemaker", "s3")
CAPTURE = "bench-serving-capture"
PAGE = 100  # SageMaker's largest MaxResults
KINDS = 6  # models, endpoint configs, endpoints, schedules, transform jobs, inference components


def _seed(sm: Any, s3: Any, count: int) -> None:
    """`count` models, configs capturing input, and endpoints."""
    s3.create_bucket(Bucket=CAPTURE)
    for n in range(count):
        name = f"bench-{n:04d}"
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
            PrimaryContainer={"Image": "img", "ModelDataUrl": f"s3://bench-models/{name}.tar.gz"},
        )
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {"VariantName": "v", "ModelName": name, "InstanceType": "ml.m5.large"}
            ],
            DataCaptureConfig={
                "EnableCapture": True,
                "InitialSamplingPercentage": 10,
                "DestinationS3Uri": f"s3://{CAPTURE}/{name}/",
                "CaptureOptions": [{"CaptureMode": "Input"}],
            },
        )
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


def run(quick: bool = False) -> list[Result]:
    """Seed, crawl everything, replay the crawl's calls raw, then re-crawl unchanged."""
    count = 30 if quick else 300
    name = "serving"
    header(name, f"crawl of {count} emulated endpoints vs a raw replay of the same calls")
    with EmulatorServer(seed=False) as server, tempfile.TemporaryDirectory() as folder:
        use_emulator(server.endpoint_url)
        seeders = [seeder(s, REGION, server.endpoint_url) for s in ("sagemaker", "s3")]
        seed_time, _ = timed(lambda: _seed(*seeders, count))
        with LineageStore.open(Path(folder) / "warm.duckdb") as scratch:  # emulator warm-up
            crawl_serving(scratch, Recording(SERVICES, REGION), ACCOUNT, REGION, scratch.conn)
        with LineageStore.open(Path(folder) / "lineage.duckdb") as store:
            crawled = crawl_twice(
                lambda clients: crawl_serving(store, clients, ACCOUNT, REGION, store.conn),
                SERVICES,
                REGION,
                aws.AWS_ERRORS,
            )
    figure("seeding (not measured)", seconds(seed_time))
    crawled.print("resources")
    note("crawler and replay use the same client config (adaptive retries), one thread each;")
    note("a throwaway crawl warms the emulator first (its first Describe calls are slower)")
    note("the re-crawl reads the one capture bucket's posture again (5 S3 calls): it has no")
    note("modification time to skip it by")
    again, crawl_time, replay_time = crawled.again, crawled.crawl_s, crawled.replay_s
    pages = sum(v for k, v in again.calls.items() if k.startswith("List"))
    needed = KINDS - 3 + 3 * -(-count // PAGE)  # models, configs, endpoints: `count` each
    describes = sum(v for k, v in again.calls.items() if k.startswith("Describe"))
    return [
        report(Result(name, "raw replay time ÷ crawl time", replay_time / crawl_time, 0.7, True)),
        report(Result(name, "list pages on re-crawl ÷ pages of 100", pages / needed, 1.0)),
        report(Result(name, "Describe calls on re-crawl", float(describes), 0.0)),
    ]
