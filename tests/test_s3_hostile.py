"""Hostile S3 objects against a real moto server: compression bombs, hostile Parquet footers,
wide and deep schemas, endless lines, binary and empty objects, odd keys, objects that change
or vanish between listing and reading. Each is bounded, becomes an error row naming
s3://bucket/key, and never stops the rest of the crawl."""

from __future__ import annotations

import bz2
import io
import json
import uuid
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lineage_assets.s3_schema import listing
from lineage_assets.s3_schema.crawl import crawl_datasets
from lineage_assets.s3_schema.ids import dataset_source_key
from lineage_assets.s3_schema.limits import MAX_COLUMNS
from lineage_assets.s3_schema.parquet_reader import MAX_FOOTER_BYTES, TAIL_PROBE_BYTES
from lineage_assets.s3_schema.sampler import SamplingConfig, sample_dataset
from lineage_assets.s3_schema.text_reader import HEAD_BYTES
from lineage_assets.s3_schema.thrift_scan import MAX_FOOTER_STRUCTS
from tests.conftest import account_s3

OWN_ACCOUNT = "210987654323"  # the emulated account these tests make buckets in

GIB = 1 << 30


@pytest.fixture
def bucket(aws_env):
    """A fresh, empty bucket in the tests' own account; returns (s3 client, bucket name)."""
    s3 = account_s3(OWN_ACCOUNT)
    name = f"s3h-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return s3, name


def parquet(table: pa.Table, **options) -> bytes:
    """A table as Parquet bytes."""
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


def gzip_of_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """A single gzip member inflating to `total` zero bytes, built without compressing them
    all: after a full flush, deflate encodes each identical chunk to identical bytes."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(chunk)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    return first + repeated * (total // chunk - 2) + deflate.compress(zeros) + deflate.flush()


def hadoop_snappy(raw_chunks: list[bytes]) -> bytes:
    """Hadoop's `.snappy` block stream around raw snappy chunks (one block per chunk)."""
    out = b""
    for raw in raw_chunks:
        packed = pa.Codec("snappy").compress(raw, asbytes=True)
        out += len(raw).to_bytes(4, "big") + len(packed).to_bytes(4, "big") + packed
    return out


def varint(value: int) -> bytes:
    """An unsigned LEB128 varint (Thrift compact and snappy lengths)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def with_footer(thrift: bytes) -> bytes:
    """A Parquet object around hand-made footer bytes."""
    return b"PAR1" + thrift + len(thrift).to_bytes(4, "little") + b"PAR1"


def sample(s3, uri: str, **config):
    """Sample one prefix through the real boto3 client."""
    return sample_dataset(uri, s3, config=SamplingConfig(max_objects=20, **config))


def errors_by_name(result) -> dict[str, str | None]:
    """Object file name → its error (None when it was read)."""
    return {o.key.rsplit("/", 1)[-1]: o.error for o in result.objects}


def test_compression_bombs_stop_at_the_bound_with_an_error_naming_the_object(bucket):
    s3, name = bucket
    ten_gib_of_zeros = gzip_of_zeros(10 * GIB)
    assert len(ten_gib_of_zeros) < 12 * 2**20
    assert zlib.decompressobj(31).decompress(ten_gib_of_zeros[:4096], 1 << 20) == bytes(1 << 20)
    csv_rows = b"a,b\n" + b"1,2\n" * 1_000_000
    bombs = {
        "zeros.csv.gz": ten_gib_of_zeros,
        "zeros.jsonl.zst": pa.Codec("zstd").compress(bytes(64 << 20), asbytes=True) * 160,
        "zeros.csv.bz2": bz2.compress(bytes(10 << 20)) * 1024,
        "claims.csv.snappy": (1 << 30).to_bytes(4, "big")
        + (12).to_bytes(4, "big")
        + varint(1 << 30)
        + b"\x00" * 7,
        "rows.csv.gz": zlib.compress(csv_rows, wbits=31),
        "rows.csv.zst": pa.Codec("zstd").compress(csv_rows, asbytes=True),
        "rows.csv.snappy": hadoop_snappy(
            [csv_rows[i : i + 65536] for i in range(0, 400_000, 65536)]
        ),
    }
    for key, body in bombs.items():
        s3.put_object(Bucket=name, Key=f"bomb/{key}", Body=body)
    result = sample(s3, f"s3://{name}/bomb/")
    errors = errors_by_name(result)
    assert "binary content (NUL bytes)" in errors["zeros.csv.gz"]
    assert "gzip: 262144 bytes from the first 262144 compressed" in errors["zeros.csv.gz"]
    assert "binary content" in errors["zeros.jsonl.zst"]
    assert "binary content" in errors["zeros.csv.bz2"]
    assert "claims 1073741824 bytes" in errors["claims.csv.snappy"]
    for readable in ("rows.csv.gz", "rows.csv.zst", "rows.csv.snappy"):
        assert errors[readable] is None, readable
    assert {c.path: c.type for c in result.columns} == {"a": "int64", "b": "int64"}
    assert all(o.bytes_read <= HEAD_BYTES for o in result.objects)
    assert f"s3://{name}/bomb/zeros.csv.gz: binary content" in result.error


def test_hostile_parquet_footers_are_refused_before_pyarrow_parses_them(bucket):
    s3, name = bucket
    good = parquet(pa.table({"x": [1, 2]}))
    deep = pa.int64()
    for _ in range(200):
        deep = pa.struct([("a", deep)])
    # FileMetaData: version, then a schema list claiming 999,999 elements in a 72-byte footer
    # (pyarrow alone resizes the list first: 240 MB for these bytes).
    list_bomb = with_footer(b"\x15\x02\x19\xfc" + varint(999_999) + bytes(64))
    oversized = bytes(MAX_FOOTER_BYTES + 100) + (MAX_FOOTER_BYTES + 10).to_bytes(4, "little")
    hostile = {
        "claims-4gb-footer.parquet": good[:-8] + (2**32 - 1).to_bytes(4, "little") + b"PAR1",
        "footer-over-bound.parquet": oversized + b"PAR1",
        "random-footer.parquet": with_footer(bytes(range(256)) * 16),
        "list-bomb.parquet": list_bomb,
        "nested-lists.parquet": with_footer(b"\x19" * 100_000 + b"\x00"),
        "truncated.parquet": good[: len(good) - 3],
        "encrypted.parquet": good[:-4] + b"PARE",
        "deep.parquet": parquet(pa.table({"x": pa.array([None], deep)})),
        "row-groups.parquet": parquet(
            pa.table({f"c{i}": range(5000) for i in range(10)}), row_group_size=1
        ),
        "wide.parquet": parquet(pa.table({f"c{i}": [1] for i in range(MAX_COLUMNS + 1)})),
        "many-groups-ok.parquet": parquet(pa.table({"y": range(2000)}), row_group_size=1),
        "good.parquet": good,
    }
    for key, body in hostile.items():
        s3.put_object(Bucket=name, Key=f"pq/{key}", Body=body)
    result = sample(s3, f"s3://{name}/pq/")
    errors = errors_by_name(result)
    assert "exceeds the object" in errors["claims-4gb-footer.parquet"]
    assert f"exceeds {MAX_FOOTER_BYTES}" in errors["footer-over-bound.parquet"]
    assert "Parquet footer" in errors["random-footer.parquet"]
    assert "claims 999999 elements past the footer's end" in errors["list-bomb.parquet"]
    assert "containers nested deeper than 64" in errors["nested-lists.parquet"]
    assert "truncated or not Parquet" in errors["truncated.parquet"]
    assert "encrypted" in errors["encrypted.parquet"]
    assert "too deeply nested" in errors["deep.parquet"]
    assert f"more than {MAX_FOOTER_STRUCTS} metadata structs" in errors["row-groups.parquet"]
    assert f"more than {MAX_COLUMNS} columns" in errors["wide.parquet"]
    assert errors["many-groups-ok.parquet"] is None and errors["good.parquet"] is None
    assert {c.path for c in result.columns} == {"x", "y"}
    sizes = {o.key.rsplit("/", 1)[-1]: o.bytes_read for o in result.objects}
    assert sizes["footer-over-bound.parquet"] <= TAIL_PROBE_BYTES  # refused before fetching
    assert all(size <= MAX_FOOTER_BYTES + TAIL_PROBE_BYTES for size in sizes.values())


def test_wide_deep_and_endless_text_objects_are_bounded(bucket):
    s3, name = bucket
    wide_header = ",".join(f"c{i}" for i in range(100_000)).encode()
    wide_json = json.dumps({f"k{i}": i for i in range(100_000)}).encode()
    hostile = {
        "wide.csv": wide_header + b"\n" + b"1," * 99_999 + b"1\n",
        "wide.jsonl": wide_json + b"\n",
        "endless.csv": b"a," * (3 << 20),
        "endless.jsonl": b'{"a": "' + b"x" * (6 << 20),
        "deep-objects.json": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "deep-arrays.jsonl": b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}\n",
        "whole-deep.json": json.dumps([{"a": 1}]).encode()[:-1]
        + b","
        + b"[" * 65
        + b"]" * 65
        + b"]",
        "binary.json": bytes(range(1, 256)) * 100,
        "latin1.csv": "이름,도시\n".encode("cp949") + "José,Seoul\n".encode("latin-1"),
        "ok.csv": b"id,name\n1,a\n",
    }
    for key, body in hostile.items():
        s3.put_object(Bucket=name, Key=f"txt/{key}", Body=body)
    result = sample(s3, f"s3://{name}/txt/", head_bytes=4 << 20)
    errors = errors_by_name(result)
    assert "100000 columns in the first line" in errors["wide.csv"]
    assert f"a JSON record with 100000 keys (limit {MAX_COLUMNS})" in errors["wide.jsonl"]
    assert "no line end in the first 4194304 bytes" in errors["endless.csv"]
    assert "no line end" in errors["endless.jsonl"]
    assert "nested 100000 levels deep" in errors["deep-objects.json"]
    assert "nested 71 levels deep" in errors["deep-arrays.jsonl"]
    assert "nested 66 levels deep" in errors["whole-deep.json"]
    assert "invalid UTF-8" in errors["binary.json"] and "invalid UTF-8" in errors["latin1.csv"]
    assert errors["ok.csv"] is None
    assert [c.path for c in result.columns] == ["id", "name"]
    assert all(o.bytes_read <= 4 << 20 for o in result.objects)


def test_odd_keys_are_read_exactly_as_listed(bucket):
    s3, name = bucket
    odd = [
        "odd/a b/ü ñ.csv",
        "odd/x/../y.csv",
        "odd/x/./z.csv",
        "odd/x//double.csv",
        "odd/http://evil.example/a.csv",
        "odd/q?x=1#frag.csv",
        "odd/pct%2F%.csv",
        "odd/ctl\x01\t.csv",
        "odd/日本/データ.csv",
        "odd/" + "k" * (1024 - len("odd/") - len(".csv")) + ".csv",
    ]
    assert len(odd[-1].encode()) == 1024  # the longest key S3 allows
    for index, key in enumerate(odd):
        s3.put_object(Bucket=name, Key=key, Body=f"col{index}\n1\n".encode())
    # `x/../y.csv` must not be read as `y.csv`: that object exists and says something else.
    s3.put_object(Bucket=name, Key="odd/y.csv", Body=b"wrong\n1\n")
    result = sample(s3, f"s3://{name}/odd/")
    assert {o.key: o.error for o in result.objects if o.key != "odd/y.csv"} == dict.fromkeys(odd)
    paths = {c.path for c in result.columns}
    assert paths == {f"col{i}" for i in range(len(odd))} | {"wrong"}
    for key in ("odd/q?x=1#frag.csv", "odd/ctl\x01\t.csv"):  # a URI naming one odd object
        assert sample(s3, f"s3://{name}/{key}").sampled_from == [key]
    s3.put_object(Bucket=name, Key="esc/\x1b[2J\u202ered.csv", Body=b"\x00")
    escaped = sample(s3, f"s3://{name}/esc/")
    assert escaped.error.startswith(f"s3://{name}/esc/\\x1b[2J\\u202ered.csv: binary content")
    assert "\x1b" not in escaped.error and "\u202e" not in escaped.error


def test_objects_changed_or_deleted_after_listing_are_error_rows(bucket):
    s3, name = bucket
    for key in ("changes.csv", "vanishes.csv", "stays.csv"):
        s3.put_object(Bucket=name, Key=f"race/{key}", Body=b"id,v\n1,2\n")
    reader, writer = account_s3(OWN_ACCOUNT), account_s3(OWN_ACCOUNT)
    done: set[str] = set()

    def race(params, **_):
        """Between the listing and the first read of each object, someone else writes."""
        key = params["Key"]
        if key in done:
            return
        done.add(key)
        if key.endswith("changes.csv"):
            writer.put_object(Bucket=name, Key=key, Body=b"id,v,extra\n1,2,3\n")
        elif key.endswith("vanishes.csv"):
            writer.delete_object(Bucket=name, Key=key)

    reader.meta.events.register("before-parameter-build.s3.GetObject", race)
    result = sample_dataset(f"s3://{name}/race/", reader)
    errors = errors_by_name(result)
    assert errors["changes.csv"].startswith("changed since it was listed (ETag is no longer")
    assert errors["vanishes.csv"] == "deleted since it was listed"
    assert errors["stays.csv"] is None
    assert [c.path for c in result.columns] == ["id", "v"]  # never a mix of two versions
    assert f"s3://{name}/race/vanishes.csv: deleted since it was listed" in result.error


def test_empty_objects_and_the_time_bound(bucket):
    s3, name = bucket
    for key in ("empty/a.csv", "empty/b.jsonl", "empty/c.parquet"):
        s3.put_object(Bucket=name, Key=key, Body=b"")
    only_empty = sample(s3, f"s3://{name}/empty/")
    assert set(errors_by_name(only_empty).values()) == {"empty object (0 bytes), no schema to read"}
    assert only_empty.columns == () and only_empty.bytes_read == 0
    s3.put_object(Bucket=name, Key="empty/d.csv", Body=b"x\n1\n")
    mixed = sample_dataset(f"s3://{name}/empty/", s3, config=SamplingConfig(max_objects=1))
    assert mixed.sampled_from == ["empty/d.csv"]  # a non-empty object is preferred
    slow = sample(s3, f"s3://{name}/empty/", seconds_per_object=-1)
    assert errors_by_name(slow)["d.csv"] == "time limit for one object exceeded"


def test_a_dataset_that_turns_unreadable_keeps_its_last_schema_stale(bucket, store):
    s3, name = bucket
    turns_bad, fine = f"s3://{name}/turns-bad/", f"s3://{name}/fine/"
    s3.put_object(Bucket=name, Key="turns-bad/a.csv", Body=b"id,email\n1,jane@doe.example\n")
    s3.put_object(Bucket=name, Key="fine/a.csv", Body=b"id\n1\n")
    first = crawl_datasets(store, [turns_bad, fine], s3, lambda region: s3)
    assert len(first.samples) == 2 and not first.failed
    version = first.samples[0].version
    s3.put_object(Bucket=name, Key="turns-bad/a.csv", Body=b"\x00\x01binary")
    s3.put_object(Bucket=name, Key="fine/b.csv", Body=b"id,extra\n2,3\n")
    s3.put_object(Bucket=name, Key="fine/c.parquet", Body=b"PAR1 not really")
    second = crawl_datasets(store, [turns_bad, fine], s3, lambda region: s3)
    assert [s.uri for s in second.samples] == [fine]
    assert f"s3://{name}/turns-bad/a.csv: binary content" in second.failed[turns_bad]
    status = store.conn.execute(
        "SELECT status, last_error FROM sources WHERE source_key = ?",
        [dataset_source_key(turns_bad)],
    ).fetchone()
    assert status[0] == "stale" and f"s3://{name}/turns-bad/a.csv" in status[1]
    kept = store.conn.execute(
        "SELECT d.schema_version, c.pii_class FROM s3_datasets d JOIN column_classifications c "
        "USING (dataset_uri) WHERE dataset_uri = ? AND c.column_path = 'email'",
        [turns_bad],
    ).fetchone()
    assert kept == (version, "email")
    location = store.conn.execute(
        "SELECT error_type, location FROM crawl_errors WHERE source_key = ?",
        [dataset_source_key(turns_bad)],
    ).fetchall()
    assert location == [("NothingReadable", f"s3://{name}/turns-bad/a.csv")]
    partial = store.conn.execute(
        "SELECT s.status, e.error_type, e.location FROM sources s JOIN crawl_errors e "
        "USING (source_key) WHERE source_key = ?",
        [dataset_source_key(fine)],
    ).fetchall()
    assert partial == [("ok", "ObjectUnreadable", f"s3://{name}/fine/c.parquet")]


def test_a_value_that_crashed_the_classifier_no_longer_stops_the_crawl(bucket, store):
    s3, name = bucket
    superscript_card = "4111111111111²"  # isdigit() is true, int() raised ValueError
    arabic_rrn = "١٢٠١٠١-١٢٣٤٥٦٧"  # matched \\d, then KeyError on the century digit
    terminal_escape = "\x1b[2JJane\x07 Doe"
    rows = "card_number,rrn,full_name\n"
    rows += f"{superscript_card},{arabic_rrn},{terminal_escape}\n" * 3
    s3.put_object(Bucket=name, Key="unicode/a.csv", Body=rows.encode())
    s3.put_object(Bucket=name, Key="after/a.csv", Body=b"id\n1\n")
    uris = [f"s3://{name}/unicode/", f"s3://{name}/after/"]
    result = crawl_datasets(store, uris, s3, lambda region: s3)
    assert not result.failed and len(result.samples) == 2
    masked = store.conn.execute(
        "SELECT column_path, pii_class, evidence ->> '$.decided_by', masked_example "
        "FROM column_classifications WHERE dataset_uri = ? ORDER BY column_path",
        [uris[0]],
    ).fetchall()
    assert masked == [
        ("card_number", None, "values", None),  # the name said card, the values did not
        ("full_name", "person_name", "name", "??#xxxxx? xxx"),  # escapes masked as `?`
        ("rrn", None, "values", None),
    ]


def test_listing_long_keys_stops_at_the_key_character_bound(bucket, monkeypatch):
    s3, name = bucket
    for index in range(5):
        key = f"long/{index}-" + "k" * 1000 + ".csv"
        s3.put_object(Bucket=name, Key=key, Body=b"a\n1\n")
    monkeypatch.setattr(listing, "MAX_LISTED_KEY_CHARS", 2_000)
    s3.meta.events.register(
        "before-parameter-build.s3.ListObjectsV2", lambda params, **_: params.update(MaxKeys=1)
    )
    result = sample(s3, f"s3://{name}/long/")
    assert result.objects_listed == 2 and result.requests_made == 2 + 2
    assert "listing stopped after 2 keys" in result.error
