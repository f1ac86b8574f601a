"""Bounded sampling of S3 datasets against the seeded emulator and objects put into fresh
buckets: formats, Hive partitions, union widening, byte accounting and hostile objects."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lineage_assets import aws
from lineage_assets.s3_schema.budget import CrawlBudget
from lineage_assets.s3_schema.listing import ObjectInfo, choose_sample, is_ignored
from lineage_assets.s3_schema.sampler import SamplingConfig, sample_dataset
from lineage_assets.s3_schema.text_reader import HEAD_BYTES
from lineage_dev.emulator.storage import split_uri

PROBE = 64 * 1024


@pytest.fixture
def bucket(aws_env):
    """A fresh, empty bucket on the emulator; returns (s3 client, bucket name)."""
    s3 = aws.client("s3")
    name = f"s3w-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return s3, name


def parquet(table: pa.Table) -> bytes:
    """A table as Parquet bytes."""
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def footer_length_of(s3, uri: str) -> int:
    """The footer length from the object's last 8 bytes, fetched independently with boto3."""
    bucket, key = split_uri(uri)
    tail = s3.get_object(Bucket=bucket, Key=key, Range="bytes=-8")["Body"].read()
    assert tail[-4:] == b"PAR1"
    return int.from_bytes(tail[:4], "little")


def sample(uri: str, **kwargs):
    """Sample with the real boto3 client pointed at the emulator."""
    return sample_dataset(uri, aws.client("s3"), **kwargs)


def types_of(result) -> dict[str, tuple[str, bool, bool]]:
    """Column path → (type, nullable, is_partition)."""
    return {c.path: (c.type, c.nullable, c.is_partition) for c in result.columns}


def test_hive_partitioned_parquet_reads_only_footers(aws_env):
    s3 = aws.client("s3")
    prefix = aws_env.athena_tables["analytics.orders"]
    result = sample(prefix)
    objects = [uri for uri in aws_env.objects if uri.startswith(prefix)]
    data_objects = [uri for uri in objects if uri.endswith(".parquet")]
    assert len(objects) > len(data_objects)  # the _SUCCESS markers exist and are skipped
    assert sorted(f"s3://{result.location.bucket}/{k}" for k in result.sampled_from) == sorted(
        data_objects
    )
    assert result.format == "parquet" and result.partition_columns == ["dt"]
    # The reference schema: what pyarrow reads from the whole small object downloaded by boto3.
    bucket, key = split_uri(data_objects[0])
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    reference = pq.read_schema(io.BytesIO(body))
    types = types_of(result)
    assert set(types) == set(reference.names) | {"dt"}
    assert types["dt"] == ("string", False, True)
    assert types["order_id"][0] == str(reference.field("order_id").type)
    assert types["currency"][0] == "string"  # dictionary-encoded strings read as their values
    for item in result.objects:
        uri = f"s3://{bucket}/{item.key}"
        assert item.bytes_read <= footer_length_of(s3, uri) + PROBE
    assert result.bytes_read == sum(o.bytes_read for o in result.objects)
    # one listing page, then per object one ranged GET of its tail
    assert result.requests_made == 1 + len(data_objects)
    assert not result.values  # footers carry no sampled values


def test_the_large_parquet_object_costs_at_most_footer_plus_64k(aws_env):
    s3 = aws.client("s3")
    uri = aws_env.large_parquet_uri
    assert aws_env.objects[uri] > 40_000_000
    result = sample(uri)
    assert result.sampled_from == [split_uri(uri)[1]]
    assert result.bytes_read <= footer_length_of(s3, uri) + PROBE
    assert result.bytes_read < aws_env.objects[uri] / 500


def test_csv_gzip_csv_and_jsonl_union_into_one_schema(aws_env):
    prefix = aws_env.raw_customer_uris[0].rsplit("/", 1)[0] + "/"
    result = sample(prefix)
    assert sorted(result.sampled_from) == sorted(
        split_uri(uri)[1] for uri in aws_env.raw_customer_uris
    )
    types = types_of(result)
    assert types["customer_id"][0] == "int64"
    assert types["email"][0] == "string"
    # JSON's nested address struct meets the CSV's address string: anything + string → string
    assert types["address"][0] == "string"
    assert types["tags"][0] == "list<string>"  # only in the JSON lines object → nullable
    assert types["tags"][1] is True
    gz = next(o for o in result.objects if o.key.endswith(".gz"))
    assert gz.error is None and gz.format == "csv"
    assert all(o.bytes_read <= HEAD_BYTES for o in result.objects)
    assert len(result.values["email"]) == 200  # held in memory for the classifier only


def test_union_widens_types_and_marks_missing_columns_nullable(bucket):
    s3, name = bucket
    first = pa.table(
        {
            "id": pa.array([1, 2], pa.int32()),
            "score": pa.array([1, 2], pa.int64()),
            "label": pa.array([1, 2], pa.int64()),
            "only_first": pa.array(["a", "b"]),
        }
    )
    second = pa.table(
        {
            "id": pa.array([3], pa.int64()),
            "score": pa.array([0.5], pa.float64()),
            "label": pa.array(["x"]),
        }
    )
    s3.put_object(Bucket=name, Key="t/a.parquet", Body=parquet(first))
    s3.put_object(Bucket=name, Key="t/b.parquet", Body=parquet(second))
    types = types_of(sample(f"s3://{name}/t/"))
    assert types["id"][0] == "int64"
    assert types["score"][0] == "double"
    assert types["label"][0] == "string"
    assert types["only_first"] == ("string", True, False)


def test_csv_dialects_and_nested_json_paths(bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="semi/a.csv", Body=b"id;city;amount\n1;Seoul;2.5\n2;Busan;3\n")
    s3.put_object(Bucket=name, Key="tabs/a.tsv", Body=b"1\t0.5\t7\n2\t0.25\t8\n3\t0.75\t9\n")
    lines = [
        {"id": 1, "user": {"name": "a", "geo": {"lat": 1.5}}, "items": [{"sku": "x", "qty": 1}]},
        {"id": 2, "user": {"name": "b", "geo": {"lat": 2.5}}, "items": []},
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    s3.put_object(Bucket=name, Key="nested/a.jsonl.gz", Body=gzip.compress(body))
    semi = types_of(sample(f"s3://{name}/semi/"))
    assert list(semi) == ["id", "city", "amount"]
    assert semi["amount"][0] == "double"
    tabs = sample(f"s3://{name}/tabs/")
    assert len(tabs.columns) == 3 and tabs.columns[0].type == "int64"  # no header line
    nested = types_of(sample(f"s3://{name}/nested/"))
    assert set(nested) == {"id", "user.name", "user.geo.lat", "items[].sku", "items[].qty"}
    assert nested["user.geo.lat"][0] == "double"


def test_markers_and_temporary_output_are_ignored(bucket):
    s3, name = bucket
    table = parquet(pa.table({"x": [1]}))
    keys = [
        "d/part-0.parquet",
        "d/_SUCCESS",
        "d/part-0.parquet.crc",
        "d/_temporary/0/part-1.parquet",
        "d_$folder$",
        "d/.hidden.parquet",
    ]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=table)
    s3.put_object(Bucket=name, Key="d_v2/other.parquet", Body=table)
    result = sample(f"s3://{name}/d")
    assert result.objects_listed == 1 and result.sampled_from == ["d/part-0.parquet"]
    assert is_ignored("x/_SUCCESS") and not is_ignored("x/part-0.csv")


def test_sample_spreads_over_partitions_newest_first():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    objects = [
        ObjectInfo(
            f"t/dt={day}/part-{n}.csv",
            10,
            start + timedelta(days=day, minutes=n),
            (("dt", str(day)),),
        )
        for day in range(3)
        for n in range(4)
    ]
    chosen = choose_sample(objects, 4)
    assert [o.key for o in chosen] == [
        "t/dt=2/part-3.csv",
        "t/dt=1/part-3.csv",
        "t/dt=0/part-3.csv",
        "t/dt=2/part-2.csv",
    ]


def test_unsupported_formats_are_recorded_not_errors(bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="m/model.tar.gz", Body=b"\x1f\x8b" + b"x" * 100)
    s3.put_object(Bucket=name, Key="m/data.csv", Body=b"a,b\n1,2\n")
    result = sample(f"s3://{name}/m/")
    unsupported = [o for o in result.objects if o.unsupported]
    assert [o.format for o in unsupported] == ["unsupported:tar"]
    assert result.error is None and result.format == "csv"


def test_hostile_objects_are_bounded_and_recorded(bucket):
    s3, name = bucket
    good = parquet(pa.table({"x": [1, 2]}))
    hostile = {
        "h/truncated.parquet": good[: len(good) // 2],
        "h/binary.csv": bytes(range(256)) * 64,
        "h/huge.csv": b"a,b\n" + b"1,2\n" * (6 * 1024 * 1024),  # 24 MiB
        "h/one-line.csv": b"a," * (200 * 1024),
        "h/latin1.csv": "name\nJosé\n".encode("latin-1"),
        "h/deep.json": b"[" * 5000 + b"]" * 5000 + b"\n",
        "h/good.parquet": good,
    }
    for key, body in hostile.items():
        s3.put_object(Bucket=name, Key=key, Body=body)
    result = sample(f"s3://{name}/h/", config=SamplingConfig(max_objects=10))
    errors = {o.key.removeprefix("h/"): o.error for o in result.objects}
    assert "truncated or not Parquet" in errors["truncated.parquet"]
    assert "binary content" in errors["binary.csv"]
    assert "no line end" in errors["one-line.csv"]
    assert "invalid UTF-8" in errors["latin1.csv"]
    assert "nested 5000 levels" in errors["deep.json"]
    assert errors["huge.csv"] is None and errors["good.parquet"] is None
    assert set(result.sampled_from) == {"h/huge.csv", "h/good.parquet"}
    assert all(o.bytes_read <= HEAD_BYTES for o in result.objects)
    assert result.bytes_read < 8 * HEAD_BYTES
    assert "s3://" + name + "/h/binary.csv" in (result.error or "")


def test_crawl_budget_stops_sampling_and_counts_per_crawl(bucket):
    s3, name = bucket
    for index in range(4):
        body = b"id,value\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(40_000))
        s3.put_object(Bucket=name, Key=f"b{index}/data.csv", Body=body)
    budget = CrawlBudget(max_bytes=2 * HEAD_BYTES + 10)
    results = [sample(f"s3://{name}/b0/", budget=budget), sample(f"s3://{name}/b1/", budget=budget)]
    third = sample(f"s3://{name}/b2/", budget=budget)
    assert [r.bytes_read for r in results] == [HEAD_BYTES, HEAD_BYTES]
    assert third.sampled_from == [] and "budget" in (third.error or "")
    assert budget.bytes_read == sum(r.bytes_read for r in [*results, third]) <= budget.max_bytes
    assert budget.requests_made == sum(r.requests_made for r in [*results, third])


def test_reader_errors_never_quote_the_data(bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="q/a.csv", Body=b"a,b\n1,2\n3,4,jane@doe.example\n")
    s3.put_object(Bucket=name, Key="q/b.jsonl", Body=b'{"a": 1}\n{"a": jane@doe.example}\n')
    result = sample(f"s3://{name}/q/")
    errors = [o.error for o in result.objects]
    assert all(errors) and "Expected 2 columns, got 3" in errors[0] + errors[1]
    assert "jane" not in (result.error or "")


def test_listing_is_capped_and_the_cap_is_recorded(bucket):
    s3, name = bucket
    for index in range(5):
        s3.put_object(Bucket=name, Key=f"many/{index}.csv", Body=b"a\n1\n")
    s3.put_object(Bucket=name, Key="many/zz.csv", Body=b"a\n1\n")
    paged = aws.client("s3")
    # One key per page, so the cap of 3 keys stops after three listing requests.
    paged.meta.events.register(
        "before-parameter-build.s3.ListObjectsV2", lambda params, **_: params.update(MaxKeys=1)
    )
    result = sample_dataset(
        f"s3://{name}/many/", paged, config=SamplingConfig(max_listed_objects=3)
    )
    assert result.objects_listed == 3
    assert "listing stopped after 3 keys" in (result.error or "")


def test_partition_values_are_typed_and_missing_keys_nullable(bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="p/year=2026/month=11/a.csv", Body=b"x\n1\n")
    s3.put_object(Bucket=name, Key="p/year=2025/b.csv", Body=b"x\n2\n")
    s3.put_object(Bucket=name, Key="p/year=2024/region=kr/c.csv", Body=b"x\n3\n")
    types = types_of(sample(f"s3://{name}/p/"))
    assert types["year"] == ("int64", False, True)
    assert types["month"] == ("int64", True, True)
    assert types["region"] == ("string", True, True)
