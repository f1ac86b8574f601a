"""The S3 calls the crawl makes, as a Protocol that a boto3 S3 client satisfies: the package
is typed against what it calls, without importing boto3 or its generated stubs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

Response = dict[str, Any]
"""One answer of the S3 API, shaped as its JSON (`Contents`, `Body`, `TagSet`, ...)."""


class Paginator(Protocol):
    """Pages of a listing call (`list_buckets`, `list_objects_v2`)."""

    def paginate(self, **parameters: str) -> Iterable[Response]:
        """Every page of the call with these parameters (`Bucket`, `Prefix`)."""
        ...


class S3Client(Protocol):
    """The part of `boto3.client("s3")` that listing, ranged reads and posture use."""

    def get_paginator(self, operation_name: str) -> Paginator:
        """A paginator for a listing call."""
        ...

    def get_object(self, **parameters: str) -> Response:
        """One object (or a `Range` of it), optionally pinned with `IfMatch`."""
        ...

    def get_bucket_location(self, *, Bucket: str) -> Response:
        """The bucket's region (`LocationConstraint`, empty for us-east-1)."""
        ...

    def get_bucket_encryption(self, *, Bucket: str) -> Response:
        """The bucket's default encryption rules."""
        ...

    def get_bucket_versioning(self, *, Bucket: str) -> Response:
        """The bucket's versioning status."""
        ...

    def get_public_access_block(self, *, Bucket: str) -> Response:
        """The bucket's four public-access-block flags."""
        ...

    def get_bucket_tagging(self, *, Bucket: str) -> Response:
        """The bucket's tags."""
        ...
