"""S3 URI helpers and a small writer that remembers every object the seeder put."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def split_uri(uri: str) -> tuple[str, str]:
    """('bucket', 'key') of an s3:// URI."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri}")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def child_uri(prefix: str, *parts: str) -> str:
    """`prefix` joined with `parts` by single slashes."""
    return "/".join([prefix.rstrip("/"), *(part.strip("/") for part in parts)])


def uri_exists(s3: Any, uri: str) -> bool:
    """Whether an object is at `uri` or under it when it is a prefix (one ListObjectsV2 call)."""
    bucket, key = split_uri(uri)
    return s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0) > 0


def list_keys(s3: Any, uri: str) -> list[str]:
    """Every object URI under a prefix, sorted (paginated)."""
    bucket, key = split_uri(uri)
    paginator = s3.get_paginator("list_objects_v2")
    return [
        f"s3://{bucket}/{item['Key']}"
        for page in paginator.paginate(Bucket=bucket, Prefix=key)
        for item in page.get("Contents", [])
    ]


@dataclass
class ObjectWriter:
    """Puts objects through a boto3 S3 client and records their URIs and sizes in order."""

    s3: Any
    written: dict[str, int] = field(default_factory=dict)

    def put(self, uri: str, body: bytes) -> str:
        """Write `body` at `uri` with a Content-Type guessed from its suffix; returns the URI."""
        bucket, key = split_uri(uri)
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=guess_content_type(uri))
        self.written[uri] = len(body)
        return uri

    def read(self, uri: str) -> bytes:
        """The bytes of one object."""
        bucket, key = split_uri(uri)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


CONTENT_TYPES = {
    ".csv": "text/csv",
    ".gz": "application/gzip",
    ".jsonl": "application/x-ndjson",
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".py": "text/x-python",
    ".out": "text/csv",
}


def guess_content_type(uri: str) -> str:
    """A plausible Content-Type from the object's suffix."""
    for suffix, kind in CONTENT_TYPES.items():
        if uri.endswith(suffix):
            return kind
    return "binary/octet-stream"
