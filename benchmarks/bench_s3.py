"""S3 schema sampling against the seeded emulator: bytes read per Parquet object (the seeded
46 MB orders object and a 200 MB one made here) against the footer + 64 KiB bound, datasets
sampled per second against the bare requests any sampler needs (one listing, one HEAD), and
the peak memory and time of the worst hostile objects against a clean dataset.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.harness import Result, figure, header, mib, note, report, seconds
from lineage_assets import aws
from lineage_assets.s3_schema.limits import MAX_COLUMNS
from lineage_assets.s3_schema.parquet_reader import TAIL_PROBE_BYTES
from lineage_assets.s3_schema.sampler import sample_dataset
from lineage_assets.s3_schema.thrift_scan import MAX_FOOTER_STRUCTS
from lineage_dev.emulator.server import EmulatorServer
from lineage_dev.emulator.storage import split_uri

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


def parquet_ratio(s3, uri: str, size: int, label: str) -> float:
    """Bytes the sampler read for one object ÷ (footer + 64 KiB), with the figures printed."""
    result = sample_dataset(uri, s3)
    bound = footer_length(s3, uri) + TAIL_PROBE_BYTES
    figure(f"{label}: object size", mib(size))
    figure(f"{label}: bytes read / footer + 64 KiB", f"{result.bytes_read} / {bound}")
    figure(f"{label}: share of the object read", f"{result.bytes_read / size:.3%}")
    figure(f"{label}: requests (list, ranged GETs)", str(result.requests_made))
    return result.bytes_read / bound


def datasets_per_second(s3, uris: list[str]) -> tuple[float, float]:
    """(sampling seconds per dataset, reference seconds per dataset: one listing + one HEAD)."""
    start = time.perf_counter()
    for uri in uris:
        sample_dataset(uri, s3)
    sampled = (time.perf_counter() - start) / len(uris)
    start = time.perf_counter()
    for uri in uris:
        bucket, prefix = split_uri(uri)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
        s3.head_object(Bucket=bucket, Key=listed[0]["Key"])
    reference = (time.perf_counter() - start) / len(uris)
    return sampled, reference


def run(quick: bool = False) -> list[Result]:
    """Both Parquet bounds, the sampling rate over many small datasets, hostile objects."""
    header(NAME, "bytes read per Parquet object; datasets per second; hostile objects")
    big_size = (20 if quick else 200) * 2**20
    with emulator_env(200_000 if quick else 2_000_000) as server:
        account = server.account
        s3 = aws.client("s3")
        bucket = f"bench-s3-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        big = big_parquet(big_size)
        s3.put_object(Bucket=bucket, Key="big/part-0.parquet", Body=big)
        seeded_size = account.objects[account.large_parquet_uri]
        seeded = parquet_ratio(s3, account.large_parquet_uri, seeded_size, "seeded orders")
        made = parquet_ratio(s3, f"s3://{bucket}/big/part-0.parquet", len(big), "generated")
        count = 10 if quick else 60
        for index in range(count):
            body = io.BytesIO()
            pq.write_table(pa.table({"id": [index], "v": [float(index)]}), body)
            s3.put_object(Bucket=bucket, Key=f"many/d{index}/part-0.parquet", Body=body.getvalue())
            s3.put_object(Bucket=bucket, Key=f"many/c{index}/a.csv", Body=b"id,v\n1,2.5\n")
        uris = [f"s3://{bucket}/many/{kind}{i}/" for i in range(count) for kind in "dc"]
        sampled, reference = datasets_per_second(s3, uris)
        figure("datasets sampled per second", f"{1 / sampled:.0f}")
        figure(
            "per dataset: sampling / bare list + HEAD", f"{seconds(sampled)} / {seconds(reference)}"
        )
        note("Parquet reads one 64 KiB tail range; a second range only when the footer is larger")
        hostile = hostile_objects(s3, bucket)
    return [
        report(
            Result(NAME, f"seeded {mib(seeded_size)}: bytes read ÷ (footer + 64 KiB)", seeded, 1.0)
        ),
        report(Result(NAME, f"{mib(big_size)}: bytes read ÷ (footer + 64 KiB)", made, 1.0)),
        report(Result(NAME, "time per dataset ÷ bare list + HEAD", sampled / reference, 3.0)),
        *hostile,
    ]


# -- hostile objects: peak memory and time per object, each sampled in a fresh process -------

_CHILD = """
import json, os, sys, time
from lineage_assets import aws
from lineage_assets.s3_schema.sampler import SamplingConfig, sample_dataset
def hwm_kib():
    # VmHWM is this interpreter's own peak: ru_maxrss would carry the forking parent's over exec
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
s3 = aws.client("s3")
start = time.perf_counter()
result = sample_dataset(sys.argv[1], s3, config=SamplingConfig(max_objects=20))
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "peak_mib": hwm_kib() / 1024,
    "bytes_read": result.bytes_read,
    "error": result.error,
}))
"""


def _varint(value: int) -> bytes:
    """An unsigned LEB128 varint (Thrift compact)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _list_header(size: int, kind: int) -> bytes:
    """A Thrift compact list header."""
    return bytes([0xF0 | kind]) + _varint(size) if size >= 15 else bytes([(size << 4) | kind])


def worst_accepted_footer(structs: int) -> bytes:
    """A Parquet object whose footer is `structs` minimal ColumnChunk structs: the most C++
    memory per footer byte that the pre-flight walk still lets through to pyarrow."""
    columns = 10_000
    chunk = b"\x26\x00\x00"  # ColumnChunk{file_offset: 0}
    group = b"\x19" + _list_header(columns, 12) + chunk * columns + b"\x16\x00\x16\x00\x00"
    groups = structs // (columns + 1)
    thrift = b"\x15\x02\x19" + _list_header(1, 12) + b"\x48\x01r\x00\x16\x00"
    thrift += b"\x19" + _list_header(groups, 12) + group * groups + b"\x00"
    return b"PAR1" + thrift + len(thrift).to_bytes(4, "little") + b"PAR1"


def _gzip_of_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """One gzip member inflating to `total` zero bytes (identical blocks after full flushes)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(chunk)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    return first + repeated * (total // chunk - 2) + deflate.flush()


def hostile_prefixes() -> dict[str, bytes]:
    """One hostile object per dataset prefix (key `prefix/name`)."""
    wide = io.BytesIO()
    pq.write_table(pa.table({f"c{i}": [1] for i in range(MAX_COLUMNS)}), wide)
    return {
        "gzip-10gib/zeros.csv.gz": _gzip_of_zeros(10 << 30),
        "zstd-10gib/zeros.jsonl.zst": pa.Codec("zstd").compress(bytes(64 << 20), asbytes=True)
        * 160,
        "footer-worst-accepted/a.parquet": worst_accepted_footer(MAX_FOOTER_STRUCTS - 20_000),
        "footer-refused/a.parquet": worst_accepted_footer(MAX_FOOTER_STRUCTS + 20_000),
        "parquet-widest-accepted/a.parquet": wide.getvalue(),
        "json-widest-accepted/a.jsonl": json.dumps(
            {f"k{i}": i for i in range(MAX_COLUMNS)}
        ).encode()
        + b"\n",
        "csv-endless-line/a.csv": b"a," * (8 << 20),
        "csv-sniffer-quadratic/a.csv": b', "' * 80_000 + b"\n" + b'a,"b\n' * 20_000,
    }


def _child(uri: str) -> dict[str, Any]:
    """Sample one dataset in a fresh interpreter; its figures."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, uri], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def hostile_objects(s3, bucket: str) -> list[Result]:
    """Peak RSS and time of the worst hostile objects ÷ those of a clean dataset."""
    for key, body in hostile_prefixes().items():
        s3.put_object(Bucket=bucket, Key=f"hostile/{key}", Body=body)
    clean = io.BytesIO()
    pq.write_table(pa.table({"id": [1], "email": ["a@b.example"]}), clean)
    s3.put_object(Bucket=bucket, Key="hostile-clean/a.parquet", Body=clean.getvalue())
    s3.put_object(Bucket=bucket, Key="hostile-clean/b.csv", Body=b"id,email\n1,a@b.example\n")
    reference = _child(f"s3://{bucket}/hostile-clean/")
    figure(
        "clean dataset: peak RSS / time",
        f"{reference['peak_mib']:.0f} MiB / {seconds(reference['seconds'])}",
    )
    worst_rss, worst_time = 0.0, 0.0
    for key in hostile_prefixes():
        prefix = key.split("/", 1)[0]
        outcome = _child(f"s3://{bucket}/hostile/{prefix}/")
        verdict = (outcome["error"] or "read").split(": ", 1)[-1][:60]
        figure(
            f"{prefix}: RSS / time / read",
            f"{outcome['peak_mib']:.0f} MiB / {seconds(outcome['seconds'])} / "
            f"{mib(outcome['bytes_read'])}: {verdict}",
        )
        worst_rss = max(worst_rss, outcome["peak_mib"])
        worst_time = max(worst_time, outcome["seconds"])
    note("each dataset is sampled in a fresh interpreter, so peaks do not mix")
    return [
        report(
            Result(NAME, "hostile peak RSS ÷ clean dataset", worst_rss / reference["peak_mib"], 2.5)
        ),
        report(
            Result(
                NAME, "hostile worst time ÷ clean dataset", worst_time / reference["seconds"], 25.0
            )
        ),
    ]
