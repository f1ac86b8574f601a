"""S3 schema sampling against the seeded emulator: bytes read per Parquet object (the seeded
46 MB orders object and a 200 MB one made here) against the footer + 64 KiB bound, and datasets
sampled per second against the bare requests any sampler needs (one listing, one HEAD).
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.harness import Result, figure, header, mib, note, report, seconds
from lineage_assets import aws
from lineage_assets.emulator.server import EmulatorServer
from lineage_assets.emulator.storage import split_uri
from lineage_assets.s3_schema import sample_dataset
from lineage_assets.s3_schema.parquet_reader import TAIL_PROBE_BYTES

NAME = "s3"
_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@contextmanager
def emulator_env(large_rows: int) -> Iterator[EmulatorServer]:
    """A seeded emulator with boto3 and pyarrow pointed at it (environment restored after)."""
    saved = dict(os.environ)
    with EmulatorServer(large_parquet_rows=large_rows) as server:
        os.environ.update(_ENV | {"AWS_ENDPOINT_URL": server.endpoint_url})
        try:
            yield server
        finally:
            os.environ.clear()
            os.environ.update(saved)


def big_parquet(size_bytes: int) -> bytes:
    """Incompressible doubles in 8 row groups: a Parquet object of about `size_bytes`."""
    rows = size_bytes // 8 // 4
    table = pa.table({f"c{i}": pc.random(rows, initializer=i) for i in range(4)})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="none", row_group_size=max(1, rows // 8))
    return sink.getvalue()


def footer_length(s3, uri: str) -> int:
    """The footer length from the object's trailer, read with boto3."""
    bucket, key = split_uri(uri)
    tail = s3.get_object(Bucket=bucket, Key=key, Range="bytes=-8")["Body"].read()
    return int.from_bytes(tail[:4], "little")


def parquet_ratio(s3, filesystem, uri: str, size: int, label: str) -> float:
    """Bytes the sampler read for one object ÷ (footer + 64 KiB), with the figures printed."""
    result = sample_dataset(uri, s3, filesystem)
    bound = footer_length(s3, uri) + TAIL_PROBE_BYTES
    figure(f"{label}: object size", mib(size))
    figure(f"{label}: bytes read / footer + 64 KiB", f"{result.bytes_read} / {bound}")
    figure(f"{label}: share of the object read", f"{result.bytes_read / size:.3%}")
    figure(f"{label}: requests (list, HEAD, ranged GET)", str(result.requests_made))
    return result.bytes_read / bound


def datasets_per_second(s3, filesystem, uris: list[str]) -> tuple[float, float]:
    """(sampling seconds per dataset, reference seconds per dataset: one listing + one HEAD)."""
    start = time.perf_counter()
    for uri in uris:
        sample_dataset(uri, s3, filesystem)
    sampled = (time.perf_counter() - start) / len(uris)
    start = time.perf_counter()
    for uri in uris:
        bucket, prefix = split_uri(uri)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
        s3.head_object(Bucket=bucket, Key=listed[0]["Key"])
    reference = (time.perf_counter() - start) / len(uris)
    return sampled, reference


def run(quick: bool = False) -> list[Result]:
    """Both Parquet bounds, then the sampling rate over many small datasets."""
    header(NAME, "bytes read per Parquet object; datasets sampled per second")
    big_size = (20 if quick else 200) * 2**20
    with emulator_env(200_000 if quick else 2_000_000) as server:
        account = server.account
        s3, filesystem = aws.client("s3"), aws.s3_filesystem()
        bucket = f"bench-s3-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        big = big_parquet(big_size)
        s3.put_object(Bucket=bucket, Key="big/part-0.parquet", Body=big)
        seeded_size = account.objects[account.large_parquet_uri]
        seeded = parquet_ratio(
            s3, filesystem, account.large_parquet_uri, seeded_size, "seeded orders"
        )
        made = parquet_ratio(
            s3, filesystem, f"s3://{bucket}/big/part-0.parquet", len(big), "generated"
        )
        count = 10 if quick else 60
        for index in range(count):
            body = io.BytesIO()
            pq.write_table(pa.table({"id": [index], "v": [float(index)]}), body)
            s3.put_object(Bucket=bucket, Key=f"many/d{index}/part-0.parquet", Body=body.getvalue())
            s3.put_object(Bucket=bucket, Key=f"many/c{index}/a.csv", Body=b"id,v\n1,2.5\n")
        uris = [f"s3://{bucket}/many/{kind}{i}/" for i in range(count) for kind in "dc"]
        sampled, reference = datasets_per_second(s3, filesystem, uris)
    figure("datasets sampled per second", f"{1 / sampled:.0f}")
    figure("per dataset: sampling / bare list + HEAD", f"{seconds(sampled)} / {seconds(reference)}")
    note("Parquet reads one 64 KiB tail range; a second range only when the footer is larger")
    return [
        report(
            Result(NAME, f"seeded {mib(seeded_size)}: bytes read ÷ (footer + 64 KiB)", seeded, 1.0)
        ),
        report(Result(NAME, f"{mib(big_size)}: bytes read ÷ (footer + 64 KiB)", made, 1.0)),
        report(Result(NAME, "time per dataset ÷ bare list + HEAD", sampled / reference, 3.0)),
    ]
