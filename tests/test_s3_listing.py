"""Dataset and object URIs: a dataset's id keeps its key exactly; an object's URI in messages
escapes what a terminal would interpret."""

from __future__ import annotations

from lineage_assets.s3_schema.listing import S3Location, object_uri, parse_s3_uri


def test_a_dataset_uri_keeps_its_key_exactly():
    assert parse_s3_uri("S3A://b/a//b/?x=1#f").uri == "s3://b/a//b/?x=1#f"
    assert S3Location("b", "p/").uri == "s3://b/p/"


def test_an_object_uri_in_messages_escapes_control_characters():
    assert object_uri("b", "a/\x1b[31mred\u202e.csv") == "s3://b/a/\\x1b[31mred\\u202e.csv"
    assert S3Location("b", "p/").uri_of("p/x y.csv") == object_uri("b", "p/x y.csv")
