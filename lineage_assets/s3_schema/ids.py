"""Source keys of what the S3 crawl stores, built here only: a dataset is one source
(`s3_dataset:<uri>`), a bucket's posture another (`s3_bucket:<name>`).

Dataset URIs keep their keys byte for byte (`a//b` and `a/b` are two objects in S3), so a
dataset's node is `core.ids.data_node(S3Location.uri)`, never a `core.uris.normalize`d
spelling; the graph normalises locations only to compare them.
"""

from __future__ import annotations

DATASET_SOURCE_KIND = "s3_dataset"
BUCKET_SOURCE_KIND = "s3_bucket"


def dataset_source_key(dataset_uri: str) -> str:
    """`s3_dataset:<uri>`: one source per dataset."""
    return f"{DATASET_SOURCE_KIND}:{dataset_uri}"


def bucket_source_key(bucket: str) -> str:
    """`s3_bucket:<name>`: one source per bucket's posture."""
    return f"{BUCKET_SOURCE_KIND}:{bucket}"


LISTING_SOURCE = bucket_source_key("*")
"""The source that carries the error when the account's buckets cannot be listed at all
(`*` is never part of a bucket name)."""
