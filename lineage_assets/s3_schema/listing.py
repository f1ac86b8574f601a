"""Which objects make up a dataset: S3 URIs as bucket + prefix, listing (boto3: pyarrow gives
no request count), Hive partitions (`key=value/`), ignored markers, and the sample to read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lineage_assets.core.text import printable
from lineage_assets.s3_schema.budget import ReadCounter
from lineage_assets.s3_schema.client import S3Client

# Markers and temporary output that Spark, Hadoop, Glue and the S3 console leave behind.
_IGNORED_NAMES = ("_SUCCESS", "_SUCCESS.crc", "_committed", "_started", ".DS_Store")
_IGNORED_SUFFIXES = (".crc", "$folder$", "/")
_IGNORED_PARTS = ("_temporary", ".spark-staging", "_spark_metadata", ".hive-staging")


def object_uri(bucket: str, key: str) -> str:
    """The URI of one object as shown in messages and error rows (`printable`)."""
    return f"s3://{bucket}/{printable(key)}"


@dataclass(frozen=True)
class S3Location:
    """A dataset's place: bucket and key prefix (no leading slash)."""

    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        """`s3://bucket/prefix`, the dataset's id: the prefix exactly as listed, not
        `core.uris.normalize`d (`a//b` and `a/b` are different objects)."""
        return f"s3://{self.bucket}/{self.prefix}"

    def uri_of(self, key: str) -> str:
        """The URI of one object in the bucket, as shown in messages (`printable`)."""
        return object_uri(self.bucket, key)


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object: key, size, modification time, its Hive partition values and the
    ETag the listing saw (reads are pinned to it)."""

    key: str
    size: int
    last_modified: datetime
    partitions: tuple[tuple[str, str], ...] = ()
    etag: str | None = None


def parse_s3_uri(uri: str) -> S3Location:
    """`s3://bucket/prefix` (also `s3a://`, `s3n://`) as a location; ValueError otherwise.

    Split by hand, not as a URL: a key may hold `?`, `#`, `%2F` or a tab, all of which URL
    parsing would drop or rewrite (and then list another prefix)."""
    scheme, separator, rest = uri.strip().partition("://")
    bucket, _, prefix = rest.partition("/")
    if not separator or scheme.lower() not in ("s3", "s3a", "s3n") or not bucket:
        raise ValueError(f"not an S3 URI: {uri!r}")
    return S3Location(bucket, prefix.lstrip("/"))


def is_ignored(key: str) -> bool:
    """Markers, checksums, folder placeholders and temporary output: never data."""
    name = key.rsplit("/", 1)[-1]
    if name in _IGNORED_NAMES or name.startswith((".", "_")) or key.endswith(_IGNORED_SUFFIXES):
        return True
    return any(part in _IGNORED_PARTS for part in key.split("/"))


def hive_partitions(key: str, prefix: str) -> tuple[tuple[str, str], ...]:
    """The `name=value` folders between the dataset prefix and the object name, in order."""
    relative = key[len(prefix) :] if key.startswith(prefix) else key
    folders = relative.strip("/").split("/")[:-1]
    pairs = (folder.partition("=") for folder in folders if "=" in folder)
    return tuple((name, value) for name, _, value in pairs if name)


MAX_LISTED_KEY_CHARS = 16 * 1024 * 1024  # 100,000 keys of 80 characters take 44 MiB listed


@dataclass(frozen=True)
class Listing:
    """The data objects found; `truncated` when the listing stopped at its cap."""

    objects: list[ObjectInfo]
    truncated: bool = False
    keys_listed: int = 0

    def truncation_note(self, uri: str) -> str:
        """The line recorded when the listing was cut short."""
        return f"{uri}: listing stopped after {self.keys_listed} keys; sampled from those"


def list_objects(
    s3: S3Client, location: S3Location, counter: ReadCounter, max_keys: int = 100_000
) -> Listing:
    """The data objects under the prefix (paginated, each page counted as a request, at most
    `max_keys` keys and `MAX_LISTED_KEY_CHARS` characters of keys, so a prefix with millions
    of objects, or of 1,024-byte keys, stays bounded in time and memory).

    A URI naming one object is that object alone; a prefix without a trailing slash only
    matches whole folder names, so `s3://b/orders` never picks up `s3://b/orders_v2/`.
    """
    found: list[ObjectInfo] = []
    key_chars = 0
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix
    )
    for page in pages:
        counter.request()
        found += [
            ObjectInfo(
                item["Key"],
                item["Size"],
                item["LastModified"],
                hive_partitions(item["Key"], location.prefix),
                item.get("ETag"),
            )
            for item in page.get("Contents", [])
        ]
        key_chars += sum(len(item["Key"]) for item in page.get("Contents", []))
        full = len(found) >= max_keys or key_chars >= MAX_LISTED_KEY_CHARS
        if full and page.get("IsTruncated"):
            break
    else:
        return Listing(_data_objects(found, location.prefix), False, len(found))
    return Listing(_data_objects(found, location.prefix), True, len(found))


def _data_objects(objects: list[ObjectInfo], prefix: str) -> list[ObjectInfo]:
    """Objects inside the dataset that are data, not markers or temporary output."""
    return [item for item in _within(objects, prefix) if not is_ignored(item.key)]


def _within(objects: list[ObjectInfo], prefix: str) -> list[ObjectInfo]:
    """Objects that are the prefix itself or lie in its folder."""
    if not prefix or prefix.endswith("/"):
        return objects
    exact = [item for item in objects if item.key == prefix]
    return exact or [item for item in objects if item.key.startswith(prefix + "/")]


def choose_sample(objects: Iterable[ObjectInfo], limit: int) -> list[ObjectInfo]:
    """Up to `limit` objects, newest first, taking one per partition in turn so the sample
    spreads over partitions instead of filling up from the newest one; empty objects (the
    part files Spark writes for empty partitions) only when nothing else is there."""
    objects = list(objects)
    return _spread([o for o in objects if o.size > 0], limit) or _spread(objects, limit)


def _spread(objects: list[ObjectInfo], limit: int) -> list[ObjectInfo]:
    """Newest first, one per partition in turn."""
    groups: dict[tuple[tuple[str, str], ...], list[ObjectInfo]] = {}
    for item in sorted(objects, key=lambda o: (o.last_modified, o.key), reverse=True):
        groups.setdefault(item.partitions, []).append(item)
    chosen: list[ObjectInfo] = []
    queues = list(groups.values())
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen
