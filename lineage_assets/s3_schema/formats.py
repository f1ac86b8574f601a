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
_GZIP = ("gz", "gzip")
SUPPORTED = frozenset(_FORMATS.values())


@dataclass(frozen=True)
class ObjectFormat:
    """`format` is parquet | csv | json | unsupported; `extension` is what decided it."""

    format: str
    extension: str
    gzip: bool = False

    @property
    def supported(self) -> bool:
        """Whether the sampler has a reader for it."""
        return self.format in SUPPORTED


def detect_format(key: str) -> ObjectFormat:
    """Format from the file name: `a.csv.gz` is gzip CSV, `part-0.snappy.parquet` is Parquet."""
    parts = key.rsplit("/", 1)[-1].lower().split(".")[1:]
    gzip = bool(parts) and parts[-1] in _GZIP
    if gzip:
        parts = parts[:-1]
    extension = parts[-1] if parts else ""
    return ObjectFormat(_FORMATS.get(extension, "unsupported"), extension, gzip)
