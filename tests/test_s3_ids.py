"""Source keys of the S3 crawl: one spelling for datasets and buckets."""

from __future__ import annotations

from lineage_assets.s3_schema.ids import (
    BUCKET_SOURCE_KIND,
    DATASET_SOURCE_KIND,
    LISTING_SOURCE,
    bucket_source_key,
    dataset_source_key,
)


def test_a_dataset_is_one_source_keyed_by_its_uri_as_given():
    assert dataset_source_key("s3://b/a//b/") == "s3_dataset:s3://b/a//b/"
    assert dataset_source_key("s3://b/p").startswith(f"{DATASET_SOURCE_KIND}:")


def test_a_bucket_is_one_source_and_the_listing_error_never_names_a_bucket():
    assert bucket_source_key("acme-raw") == "s3_bucket:acme-raw"
    assert f"{BUCKET_SOURCE_KIND}:*" == LISTING_SOURCE
    assert LISTING_SOURCE not in {bucket_source_key(b) for b in ("a", "b-1", "x.y")}
