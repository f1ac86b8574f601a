"""Where reports are: configured locations (local paths or S3 URIs, globbed), the report files
each one names, newest first, and their bytes read with a size bound.

A location is a file or object (`/r/rds.json`, `s3://b/r/rds.json`), a glob (`/r/*.json`,
`s3://b/r/xcheck-*.json`; `*` crosses `/` in S3 keys), or a folder ending in `/` (its files
ending in `.json`, not those of subfolders). S3 goes through boto3's standard chain, so
`AWS_ENDPOINT_URL` and profiles work unchanged.
"""

from __future__ import annotations

import fnmatch
import glob
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage_assets.retention.reports import ReportError

if TYPE_CHECKING:  # the client's type only: reading local reports loads no botocore
    from botocore.client import BaseClient

_GLOB_CHARS = frozenset("*?[")
READ_CHUNK = 1 << 20
OLDEST = datetime.min.replace(tzinfo=UTC)


class LocationError(Exception):
    """A location that cannot be listed at all (no such file, bucket or permission)."""


@dataclass(frozen=True)
class ListLimits:
    """How many candidates a location may list, and how many of the newest are read."""

    max_listed: int = 10_000
    max_reports: int = 50


@dataclass(frozen=True)
class ReportFile:
    """One report a location names: its path or `s3://` URI, modification time and size."""

    uri: str
    modified_at: datetime | None
    size: int | None


def parse_locations(raw: str) -> list[str]:
    """Comma-separated locations, trimmed, empty ones dropped, first spelling of each kept."""
    return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def is_s3(location: str) -> bool:
    return location.lower().startswith("s3://")


def _has_glob(text: str) -> bool:
    return any(char in _GLOB_CHARS for char in text)


def newest_first(files: list[ReportFile], limit: int) -> list[ReportFile]:
    """Newest modification first; among equal times the lexicographically last name first."""
    ordered = sorted(files, key=lambda f: (f.modified_at or OLDEST, f.uri), reverse=True)
    return ordered[:limit]


def list_reports(
    location: str,
    limits: ListLimits = ListLimits(),
    s3: Callable[[], BaseClient] | None = None,
) -> list[ReportFile]:
    """The report files a location names, newest first, at most `limits.max_reports`."""
    if is_s3(location):
        if s3 is None:
            raise LocationError(f"{location}: no S3 client to list it with")
        files = _list_s3(location, limits, s3())
    else:
        files = _list_local(location, limits)
    return newest_first(files, limits.max_reports)


def _local_file(path: str) -> ReportFile | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return ReportFile(path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)


def _list_local(location: str, limits: ListLimits) -> list[ReportFile]:
    pattern = os.path.expanduser(location)
    if location.endswith("/"):
        if not os.path.isdir(pattern):
            raise LocationError(f"{location}: no such folder")
        pattern = os.path.join(glob.escape(pattern), "*.json")
    elif not _has_glob(pattern):
        found = _local_file(pattern)
        if found is None:
            raise LocationError(f"{location}: no such file")
        return [found]
    names = list(itertools.islice(glob.iglob(pattern, recursive=True), limits.max_listed + 1))
    if len(names) > limits.max_listed:
        raise LocationError(f"{location}: matches more than {limits.max_listed:,} files")
    return [f for f in map(_local_file, names) if f is not None]


def _split_s3(location: str) -> tuple[str, str]:
    bucket, _, key = location[len("s3://") :].partition("/")
    if not bucket:
        raise LocationError(f"{location}: no bucket in the S3 URI")
    return bucket, key


def _list_s3(location: str, limits: ListLimits, client: BaseClient) -> list[ReportFile]:
    bucket, key = _split_s3(location)
    if key and not key.endswith("/") and not _has_glob(key):
        head = client.head_object(Bucket=bucket, Key=key)
        return [ReportFile(location, head.get("LastModified"), head.get("ContentLength"))]
    folder = not key or key.endswith("/")
    prefix = key if folder else key[: min(key.index(c) for c in _GLOB_CHARS if c in key)]
    arguments: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if folder:
        arguments["Delimiter"] = "/"
    files: list[ReportFile] = []
    listed = 0
    for page in client.get_paginator("list_objects_v2").paginate(**arguments):
        for item in page.get("Contents", []):
            listed += 1
            if listed > limits.max_listed:
                raise LocationError(f"{location}: lists more than {limits.max_listed:,} objects")
            name = item["Key"]
            if name.endswith(".json") if folder else fnmatch.fnmatchcase(name, key):
                uri = f"s3://{bucket}/{name}"
                files.append(ReportFile(uri, item["LastModified"], item["Size"]))
    return files


def read_report(
    report: ReportFile, max_bytes: int, s3: Callable[[], BaseClient] | None = None
) -> bytes:
    """A report's bytes, read in chunks and refused (`ReportError`) past `max_bytes`."""
    too_big = ReportError(f"larger than the {max_bytes:,}-byte limit")
    if report.size is not None and report.size > max_bytes:
        raise too_big
    if is_s3(report.uri):
        if s3 is None:
            raise LocationError(f"{report.uri}: no S3 client to read it with")
        bucket, key = _split_s3(report.uri)
        body = s3().get_object(Bucket=bucket, Key=key)["Body"]
        try:
            data = _bounded(body.read, max_bytes)
        finally:
            body.close()
    else:
        with Path(report.uri).open("rb") as handle:
            data = _bounded(handle.read, max_bytes)
    if data is None:
        raise too_big
    return data


def _bounded(read: Callable[[int], bytes], max_bytes: int) -> bytes | None:
    """At most `max_bytes` from a stream, or None when it holds more."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = read(min(READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None
