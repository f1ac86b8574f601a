"""Red-team attacks on S3 sampling (moto server): objects that try to run code through the
readers' own formats, and keys that try to leave their dataset."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.test_s3_hostile import bucket, errors_by_name, sample  # noqa: F401 (fixture)


class Touch:
    """Unpickling this runs `touch <path>` (what a pickle-based extension type would do)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.path}",))


def parquet_with_pickled_extension(marker: Path) -> bytes:
    """A Parquet file whose stored Arrow schema declares pyarrow's old pickle-based extension
    type (`arrow.py_extension_type`, CVE-2023-47248) with a payload that touches `marker`."""
    field = pa.field(
        "x",
        pa.int64(),
        metadata={
            b"ARROW:extension:name": b"arrow.py_extension_type",
            b"ARROW:extension:metadata": pickle.dumps(Touch(marker)),
        },
    )
    sink = io.BytesIO()
    pq.write_table(pa.table({"x": [1, 2]}, schema=pa.schema([field])), sink)
    return sink.getvalue()


def test_parquet_extension_metadata_is_never_unpickled(bucket, tmp_path: Path) -> None:  # noqa: F811
    s3, name = bucket
    marker = tmp_path / "pwned"
    s3.put_object(Bucket=name, Key="ext/evil.parquet", Body=parquet_with_pickled_extension(marker))
    result = sample(s3, f"s3://{name}/ext/")
    assert not marker.exists()
    assert errors_by_name(result)["evil.parquet"] is None
    assert [c.path for c in result.columns] == ["x"]


def test_json_and_csv_payloads_are_data(bucket, tmp_path: Path) -> None:  # noqa: F811
    """A pickle, a YAML python tag and a Jinja payload inside JSON and CSV values stay strings."""
    s3, name = bucket
    marker = tmp_path / "pwned"
    pickled = base64.b64encode(pickle.dumps(Touch(marker))).decode()
    payloads = [
        pickled,
        f"!!python/object/apply:os.system ['touch {marker}']",
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "') }}",
    ]
    lines = "\n".join(json.dumps({"p": p, "n": i}) for i, p in enumerate(payloads))
    s3.put_object(Bucket=name, Key="pay/a.json", Body=lines.encode())
    csv = "p,n\n" + "\n".join(f'"{p}",{i}' for i, p in enumerate(payloads))
    s3.put_object(Bucket=name, Key="pay2/a.csv", Body=csv.encode())
    for prefix in ("pay", "pay2"):
        result = sample(s3, f"s3://{name}/{prefix}/")
        assert {c.path for c in result.columns} == {"p", "n"}
    assert not marker.exists()


ODD_BUCKETS = [
    "s3://b:80@attacker.example/k/",
    "s3://169.254.169.254/latest/meta-data/",
    "s3://attacker.example%2F..%2F/k/",
    "s3://" + "b" * 300 + "/k/",
    "s3://UPPER_case/k/",
    "s3://b\r\nHost: attacker.example/k/",
]


def test_odd_bucket_names_are_error_rows_and_never_leave_the_endpoint(aws_env, tmp_path: Path):
    """Bucket names no AWS bucket can have (userinfo, a metadata IP, CRLF, 300 chars) reach the
    crawl from pipeline definitions; each is its dataset's error, and the crawl goes on."""
    from lineage_assets.s3_schema.crawl import crawl_datasets
    from lineage_assets.store import LineageStore
    from tests.conftest import account_s3

    s3 = account_s3("210987654323")
    s3.create_bucket(Bucket="rt-good-bucket")
    s3.put_object(Bucket="rt-good-bucket", Key="k/a.csv", Body=b"a,b\n1,2\n")
    uris = [*ODD_BUCKETS, "s3://rt-good-bucket/k/"]
    with LineageStore.open(tmp_path / "l.duckdb", tmp_path / "p.duckdb") as store:
        crawl_datasets(store, uris, s3, lambda region: s3)
        states = dict(
            store.conn.execute(
                "SELECT display_name, status FROM sources WHERE source_kind LIKE 's3%'"
            ).fetchall()
        )
    assert states.get("s3://rt-good-bucket/k/") == "ok", states
    failed = {name for name, state in states.items() if state == "failed"}
    assert all(any(name.endswith(uri) for name in failed) for uri in ODD_BUCKETS), states
