"""An object's format and compression from its name: what the sampler can read and how."""

from __future__ import annotations

from dataclasses import dataclass

_FORMATS = {
    "parquet": "parquet",
    "parq": "parquet",
    "pq": "parquet",
    "csv": "csv",
    "tsv": "csv",
    "json": "json",
    "jsonl": "json",
    "ndjson": "json",
}
# A compression suffix on a text format; `part-0.snappy.parquet` is Parquet (it compresses
# its own pages), so these only apply as the last suffix.
_COMPRESSION = {
    "gz": "gzip",
    "gzip": "gzip",
    "bz2": "bzip2",
    "zst": "zstd",
    "zstd": "zstd",
    "snappy": "snappy",
}
SUPPORTED = frozenset(_FORMATS.values())


@dataclass(frozen=True)
class ObjectFormat:
    """`format` is parquet | csv | json | unsupported; `extension` is what decided it;
    `compression` the codec of a compressed text object (gzip, bzip2, zstd, snappy)."""

    format: str
    extension: str
    compression: str | None = None

    @property
    def gzip(self) -> bool:
        """Whether the object is gzip-compressed."""
        return self.compression == "gzip"

    @property
    def supported(self) -> bool:
        """Whether the sampler has a reader for it."""
        return self.format in SUPPORTED


def detect_format(key: str) -> ObjectFormat:
    """Format from the file name: `a.csv.gz` is gzip CSV, `part-0.snappy.parquet` is Parquet."""
    parts = key.rsplit("/", 1)[-1].lower().split(".")[1:]
    compression = _COMPRESSION.get(parts[-1]) if parts else None
    if compression:
        parts = parts[:-1]
    extension = parts[-1] if parts else ""
    fmt = _FORMATS.get(extension, "unsupported")
    if fmt == "parquet" and compression:
        return ObjectFormat("unsupported", f"{extension}.{compression}")
    return ObjectFormat(fmt, extension, compression)
