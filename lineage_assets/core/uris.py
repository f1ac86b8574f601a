"""Storage URIs compared the way data is laid out: scheme aliases, trailing slashes and
partition subfolders do not make two datasets different."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

# Prefixes that name a storage location rather than a table, compared case-insensitively:
# object stores, file systems (`file:/x` and `file:///x` alike), web URLs and Snowflake stages.
STORAGE_PREFIXES = (
    "s3://",
    "s3a://",
    "s3n://",
    "gs://",
    "gcs://",
    "abfs://",
    "abfss://",
    "wasb://",
    "wasbs://",
    "azure://",
    "adl://",
    "oss://",
    "hdfs://",
    "dbfs:/",
    "file:/",
    "https://",
    "http://",
    "@",
)

_SCHEME_ALIASES = {"s3a": "s3", "s3n": "s3"}
_MULTISLASH = re.compile(r"(?<!:)/{2,}")


def is_storage_path(name: str) -> bool:
    """Whether a lineage name is a storage location (a URI, a stage, a file path), not a table:
    a storage prefix in any case, or any `/` (a relative or absolute file path)."""
    return name.lower().startswith(STORAGE_PREFIXES) or "/" in name


def normalize(uri: str) -> str:
    """`S3A://b/p//x/` → `s3://b/p/x`: one spelling per location (keys stay case-sensitive)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri.rstrip("/")
    scheme = _SCHEME_ALIASES.get(scheme.lower(), scheme.lower())
    return f"{scheme}://{_MULTISLASH.sub('/', rest).rstrip('/')}"


def ancestors(uri: str) -> list[str]:
    """Every enclosing prefix of a normalized URI, nearest first, down to the bucket."""
    scheme, _, rest = uri.partition("://")
    parts = rest.split("/")
    return [f"{scheme}://{'/'.join(parts[:n])}" for n in range(len(parts) - 1, 0, -1)]


class LocationIndex:
    """Data nodes by location, to find every node at, above or below a node in O(depth)."""

    def __init__(self, nodes: Iterable[str]) -> None:
        self._at: dict[str, set[str]] = defaultdict(set)
        self._below: dict[str, set[str]] = defaultdict(set)
        for node in nodes:
            location = normalize(node.removeprefix("data:"))
            self._at[location].add(node)
            for parent in ancestors(location):
                self._below[parent].add(node)

    def family(self, node: str) -> set[str]:
        """The node and every data node at the same location, enclosing it, or inside it."""
        if not node.startswith("data:"):
            return {node}
        location = normalize(node.removeprefix("data:"))
        related = {node} | self._at.get(location, set()) | self._below.get(location, set())
        for parent in ancestors(location):
            related |= self._at.get(parent, set())
        return related
