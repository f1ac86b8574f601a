"""Typed reads of the S3 crawl's tables, over rows written the way the crawl writes them
(`records` through the store): versions, columns with effective PII classes, drift,
exposure, overrides, regions, and the URIs the other sources name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lineage_assets.core.enums import NOT_PII, PiiClass
from lineage_assets.s3_schema.listing import S3Location
from lineage_assets.s3_schema.posture import BucketPosture, posture_records
from lineage_assets.s3_schema.records import classify_sample, dataset_records
from lineage_assets.s3_schema.sampler import DatasetSample, ObjectResult
from lineage_assets.s3_schema.union import ColumnSchema
from lineage_assets.s3_schema.views import (
    DriftRow,
    ExposedDataset,
    Override,
    SchemaVersion,
    StoredSchema,
    VersionColumn,
    bucket_regions,
    current_version,
    exposed_pii,
    is_s3_uri,
    known_datasets,
    latest_drift,
    overrides_for,
    previous_schema,
    store_dataset_uris,
    version_columns,
    versions,
)
from lineage_assets.store import LineageStore, SourceRecords, Upsert

BUCKET = "views-bucket"
URI = f"s3://{BUCKET}/customers/"
EMAILS = ["kim@example.com", "lee@example.org", "park@example.net"]
FIRST = (ColumnSchema("email", "string", True), ColumnSchema("id", "int64", False))
SECOND = (ColumnSchema("id", "int64", False),)


def sample(columns: tuple[ColumnSchema, ...], at: datetime) -> DatasetSample:
    """A dataset sampled from one CSV object, its email values kept in memory."""
    return DatasetSample(
        location=S3Location(BUCKET, "customers/"),
        format="csv",
        columns=columns,
        objects=(ObjectResult("customers/a.csv", "csv", 120),),
        objects_listed=1,
        bytes_read=120,
        requests_made=2,
        sampled_at=at,
        values={"email": EMAILS} if columns == FIRST else {},
    )


def store_sample(store: LineageStore, sampled: DatasetSample) -> None:
    """Write a sample as the crawl does: previous schema and overrides read, records replaced."""
    previous = previous_schema(store.conn, sampled.uri)
    found = classify_sample(sampled, overrides_for(store.conn, sampled.uri))
    store.replace_source(dataset_records(sampled, previous, found))


def test_only_s3_schemes_are_s3_uris():
    assert all(map(is_s3_uri, ["s3://b/p", "S3A://b/p", "s3n://b", "s3://b//x/"]))
    assert not any(map(is_s3_uri, ["gs://b/p", "file:///s3://", " s3://b", "s3:/b", ""]))


def test_a_first_sample_reads_back_as_typed_rows(store):
    at = datetime(2026, 1, 5, tzinfo=UTC)
    first = sample(FIRST, at)
    store_sample(store, first)
    version = first.version
    assert version is not None and current_version(store.conn, URI) == version
    assert previous_schema(store.conn, URI) == StoredSchema(version, FIRST)
    assert versions(store.conn, URI) == [SchemaVersion(version, at, at, 2, 0)]
    email, id_column = version_columns(store.conn, URI, version)
    assert email.column_path == "email" and email.pii_class == PiiClass.EMAIL
    assert email.masked_example is not None and "@" in email.masked_example
    assert id_column == VersionColumn("id", "int64", False, False, None, 0.0, None)
    assert known_datasets(store.conn) == [URI] and latest_drift(store.conn) == []
    assert current_version(store.conn, "s3://other/") is None
    assert previous_schema(store.conn, "s3://other/") is None


def test_exposure_follows_the_buckets_posture(store):
    store_sample(store, sample(FIRST, datetime(2026, 1, 5, tzinfo=UTC)))
    assert exposed_pii(store.conn) == [
        ExposedDataset(URI, BUCKET, ["email"], 1, "unknown", "unknown")
    ]
    posture = BucketPosture(BUCKET, "eu-west-1", "aws:kms", "key", "Enabled", "blocked", {})
    store.replace_source(posture_records(posture))
    assert exposed_pii(store.conn) == [] and bucket_regions(store.conn) == {BUCKET: "eu-west-1"}


def test_drift_and_an_override_read_back(store):
    at = datetime(2026, 1, 5, tzinfo=UTC)
    store_sample(store, sample(FIRST, at))
    later = at + timedelta(days=1)
    store.upsert(
        Upsert(
            "classification_overrides",
            ("dataset_uri", "column_path"),
            [{"dataset_uri": URI, "column_path": "email", "pii_class": NOT_PII, "note": "test"}],
        )
    )
    assert overrides_for(store.conn, URI) == {"email": Override(NOT_PII, "test")}
    first_version = current_version(store.conn, URI)
    second = sample(SECOND, later)
    store_sample(store, second)
    [removed] = latest_drift(store.conn)
    assert removed == DriftRow(
        URI, first_version, second.version, "column_removed", "email", "string"
    )
    assert removed.breaking
    assert [v.version for v in versions(store.conn, URI)] == [second.version, first_version]
    assert first_version is not None
    email = version_columns(store.conn, URI, first_version)[0]
    assert (email.column_path, email.pii_class, email.confidence) == ("email", None, 1.0)


def test_dataset_uris_are_the_s3_data_nodes_sources_name_not_inferred_ones(store):
    store.replace_sources(
        [
            SourceRecords("q.sql", "sql_file").add(
                "table_locations",
                [
                    {"table_name": "t", "location_uri": "s3a://b/t/", "direction": "location"},
                    {"table_name": "u", "location_uri": "gs://b/u/", "direction": "location"},
                ],
            ),
            SourceRecords("graph:stitch", "graph").add(
                "inferred_edges",
                [
                    {
                        "source_node": "data:s3://b/inferred/",
                        "target_node": "table:t",
                        "edge_kind": "same_location",
                    }
                ],
            ),
        ]
    )
    assert store_dataset_uris(store.conn) == ["s3a://b/t/"]
