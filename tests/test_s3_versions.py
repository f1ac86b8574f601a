"""Schema versions and drift in a real DuckDB store: content-hash versions, upserted history,
classified drift over a sequence of real objects, and failed datasets keeping their rows."""

from __future__ import annotations

import io
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lineage_assets import aws
from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
from lineage_assets.s3_schema.drift import diff, is_breaking
from lineage_assets.s3_schema.ids import dataset_source_key
from lineage_assets.s3_schema.posture import bucket_posture, posture_records
from lineage_assets.s3_schema.union import ColumnSchema
from lineage_assets.s3_schema.versions import schema_version
from lineage_assets.s3_schema.views import store_dataset_uris
from lineage_assets.store import LineageStore, SourceRecords


@pytest.fixture
def bucket(aws_env):
    """A fresh, empty bucket on the emulator; returns (s3 client, bucket name)."""
    s3 = aws.client("s3")
    name = f"s3w-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return s3, name


def put_parquet(s3, bucket: str, key: str, table: pa.Table) -> None:
    """Write a table as one Parquet object."""
    sink = io.BytesIO()
    pq.write_table(table, sink)
    s3.put_object(Bucket=bucket, Key=key, Body=sink.getvalue())


def crawl(store: LineageStore, *uris: str):
    """One crawl of the given datasets through the real client and filesystem."""
    return crawl_datasets(store, uris, aws.client("s3"), region_readers())


def drift_of(store: LineageStore, uri: str, to_version: str) -> dict[str, str]:
    """column_path → change_kind of the drift rows into one version."""
    rows = store.conn.execute(
        "SELECT column_path, change_kind FROM schema_drift WHERE dataset_uri = ? "
        "AND to_version = ?",
        [uri, to_version],
    ).fetchall()
    return dict(rows)


def test_same_schema_twice_is_one_version_with_first_seen_kept(bucket, store):
    s3, name = bucket
    uri = f"s3://{name}/events/"
    put_parquet(s3, name, "events/a.parquet", pa.table({"id": [1], "kind": ["x"]}))
    first = crawl(store, uri).samples[0]
    put_parquet(s3, name, "events/b.parquet", pa.table({"kind": ["y"], "id": [2]}))
    second = crawl(store, uri).samples[0]
    assert first.version == second.version  # column order and object count do not matter
    rows = store.conn.execute(
        "SELECT version, first_seen_at, last_seen_at, sampled_from FROM s3_schema_versions "
        "WHERE dataset_uri = ?",
        [uri],
    ).fetchall()
    assert len(rows) == 1
    version, first_seen, last_seen, sampled_from = rows[0]
    assert version == first.version and first_seen == first.sampled_at
    assert last_seen == second.sampled_at > first_seen
    assert sorted(sampled_from) == ["events/a.parquet", "events/b.parquet"]
    dataset = store.conn.execute(
        "SELECT source_key, schema_version, objects_sampled, bytes_read, requests_made "
        "FROM s3_datasets WHERE dataset_uri = ?",
        [uri],
    ).fetchall()
    assert dataset == [
        (dataset_source_key(uri), version, 2, second.bytes_read, second.requests_made)
    ]
    assert store.conn.execute("SELECT count(*) FROM schema_drift").fetchone() == (0,)


def test_a_drift_sequence_is_classified(bucket, store):
    s3, name = bucket
    uri = f"s3://{name}/users/"
    key = "users/part-0.parquet"
    v1 = pa.table(
        {
            "id": pa.array([1], pa.int32()),
            "score": pa.array([1.5]),
            "status": pa.array(["ok"]),
            "profile": pa.array([{"city": "Seoul", "age": 3}]),
        }
    )
    put_parquet(s3, name, key, v1)
    first = crawl(store, uri).samples[0]
    v2 = v1.set_column(0, "id", pa.array([1], pa.int64())).append_column("email", pa.array(["e"]))
    put_parquet(s3, name, key, v2)
    second = crawl(store, uri).samples[0]
    assert drift_of(store, uri, second.version) == {
        "id": "type_widened",
        "email": "column_added",
    }
    v3 = pa.table(
        {
            "id": pa.array([1], pa.int64()),
            "status": pa.array([1], pa.int16()),
            "profile": pa.array([{"city": "Seoul"}]),
            "email": pa.array(["e"]),
        }
    )
    s3.delete_object(Bucket=name, Key=key)
    put_parquet(s3, name, "users/region=kr/part-0.parquet", v3)
    third = crawl(store, uri).samples[0]
    changes = drift_of(store, uri, third.version)
    assert changes == {
        "score": "column_removed",
        "status": "type_changed",
        "profile.age": "nested_field_changed",
        "region": "partition_columns_changed",
    }
    rows = store.conn.execute(
        "SELECT change_kind, detail, from_version FROM schema_drift WHERE to_version = ?",
        [third.version],
    ).fetchall()
    assert {from_version for *_, from_version in rows} == {second.version}
    assert all(is_breaking(kind, detail) for kind, detail, _ in rows)
    assert len({first.version, second.version, third.version}) == 3
    versions = store.conn.execute(
        "SELECT count(*) FROM s3_schema_versions WHERE dataset_uri = ?", [uri]
    ).fetchone()
    assert versions == (3,)


def test_diff_reports_nullability_and_additive_nested_fields():
    old = [ColumnSchema("a", "int64", False), ColumnSchema("s.x", "string", True)]
    new = [
        ColumnSchema("a", "int64", True),
        ColumnSchema("s.x", "string", True),
        ColumnSchema("s.y", "double", True),
    ]
    changes = {c.column_path: c for c in diff(old, new)}
    assert changes["a"].change_kind == "nullability_changed" and not changes["a"].breaking
    assert changes["s.y"].change_kind == "nested_field_changed" and not changes["s.y"].breaking
    assert not is_breaking("nested_field_changed", changes["s.y"].detail)
    assert schema_version(old) != schema_version(new)
    assert schema_version(list(reversed(new))) == schema_version(new)


def test_a_dataset_that_cannot_be_listed_keeps_its_last_rows(bucket, store):
    s3, name = bucket
    uri = f"s3://{name}/keep/"
    put_parquet(s3, name, "keep/a.parquet", pa.table({"x": [1]}))
    ok = crawl(store, uri, f"s3://{name}-missing/nothing/")
    assert len(ok.samples) == 1 and "NoSuchBucket" in next(iter(ok.failed.values()))
    s3.delete_object(Bucket=name, Key="keep/a.parquet")
    s3.delete_bucket(Bucket=name)
    again = crawl(store, uri)
    assert uri in again.failed
    status = store.conn.execute(
        "SELECT status, last_error FROM sources WHERE source_key = ?", [dataset_source_key(uri)]
    ).fetchone()
    assert status[0] == "stale" and "NoSuchBucket" in status[1]
    kept = store.conn.execute(
        "SELECT schema_version FROM s3_datasets WHERE dataset_uri = ?", [uri]
    ).fetchone()
    assert kept == (ok.samples[0].version,)


def test_uris_come_from_step_io_feature_groups_and_table_locations(store):
    sources = [
        SourceRecords("sagemaker:123456789012/us-east-1/p", "sagemaker_pipeline").add(
            "sagemaker_step_io",
            [
                {
                    "account_id": "123456789012",
                    "region": "us-east-1",
                    "pipeline_name": "p",
                    "step_name": "s",
                    "direction": "input",
                    "uri": "s3://b/in/",
                    "provenance": "declared",
                },
                {
                    "account_id": "123456789012",
                    "region": "us-east-1",
                    "pipeline_name": "p",
                    "step_name": "s",
                    "direction": "output",
                    "uri": "file:///local",
                    "provenance": "declared",
                },
            ],
        ),
        SourceRecords("fg", "feature_groups").add(
            "feature_groups",
            [
                {
                    "account_id": "123456789012",
                    "region": "us-east-1",
                    "feature_group_name": "f",
                    "offline_store_uri": "s3://b/fg",
                    "resolved_offline_uri": "s3://b/fg/123/data",
                }
            ],
        ),
        SourceRecords("q.sql", "sql_file").add(
            "table_locations",
            [{"table_name": "t", "location_uri": "s3a://b/t/", "direction": "location"}],
        ),
    ]
    store.replace_sources(sources)
    assert store_dataset_uris(store.conn) == ["s3://b/fg/123/data", "s3://b/in/", "s3a://b/t/"]


def test_each_bucket_is_read_through_its_regions_client(aws_env, store):
    eu_bucket = next(b for b, region in aws_env.buckets.items() if region == "eu-west-1")
    s3 = aws.client("s3")
    store.replace_source(posture_records(bucket_posture(s3, eu_bucket)))
    eu_uri = next(u for u in aws_env.objects if u.startswith(f"s3://{eu_bucket}/"))
    regions_asked: list[str | None] = []

    def readers(region: str | None):
        regions_asked.append(region)
        return aws.client("s3", region)

    result = crawl_datasets(store, [eu_uri, aws_env.large_parquet_uri], s3, readers)
    assert regions_asked == ["eu-west-1", None]  # the curated bucket's posture is not stored
    assert len(result.samples) == 2 and not result.failed


def test_colliding_column_paths_become_one_column(bucket, store):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="mix/a.csv", Body=b"a.b,c\nx,1\n")
    s3.put_object(Bucket=name, Key="mix/b.jsonl", Body=b'{"a": {"b": 1}, "c": 2}\n')
    result = crawl(store, f"s3://{name}/mix/")
    assert not result.failed
    columns = store.conn.execute(
        "SELECT column_path, column_type, nullable FROM s3_schema_columns ORDER BY column_path"
    ).fetchall()
    assert columns == [("a.b", "string", True), ("c", "int64", True)]
    assert result.samples[0].values == {}  # sampled values are dropped once classified
