"""Schema versions as content hashes: the same columns (paths, types, nullability, partition
flag) always give the same version, whatever order the objects were read in."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict

from lineage_assets.s3_schema.union import ColumnSchema


def normalised(columns: Sequence[ColumnSchema]) -> list[list[object]]:
    """The columns as sorted [path, type, nullable, is_partition] lists: what the hash covers."""
    return sorted([c.path, c.type, c.nullable, c.is_partition] for c in columns)


def schema_version(columns: Sequence[ColumnSchema]) -> str:
    """16 hex characters of SHA-256 over the normalised schema's canonical JSON."""
    text = json.dumps(normalised(columns), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def schema_document(columns: Sequence[ColumnSchema], fmt: str) -> dict[str, object]:
    """The JSON kept in `s3_schema_versions.schema`: format and columns, never values."""
    return {
        "format": fmt,
        "columns": [asdict(c) for c in columns],
        "partition_columns": [c.path for c in columns if c.is_partition],
    }
