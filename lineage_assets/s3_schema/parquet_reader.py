"""Parquet schemas from the footer alone: one ranged read of the last 64 KiB (a second only
when the footer is larger), so a 5 GB object costs at most footer + 64 KiB."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from lineage_assets.s3_schema.objects import RangeReader, SampleError, describe_error

MAGIC = b"PAR1"
ENCRYPTED_MAGIC = b"PARE"
TAIL_PROBE_BYTES = 64 * 1024
MAX_FOOTER_BYTES = 16 * 1024 * 1024


def footer_length(tail: bytes, uri: str, size: int) -> int:
    """The footer length from the 8-byte trailer, after checking the magic and the bounds."""
    if len(tail) < 8 or size < 12:
        raise SampleError(f"{uri}: {size} bytes is too small to be Parquet")
    magic = tail[-4:]
    if magic == ENCRYPTED_MAGIC:
        raise SampleError(f"{uri}: Parquet footer is encrypted (PARE); schema not readable")
    if magic != MAGIC:
        raise SampleError(f"{uri}: no Parquet magic at the end: truncated or not Parquet")
    length = int.from_bytes(tail[-8:-4], "little")
    if length + 8 > size - len(MAGIC):
        raise SampleError(f"{uri}: footer length {length} exceeds the object ({size} bytes)")
    if length > MAX_FOOTER_BYTES:
        raise SampleError(f"{uri}: footer of {length} bytes exceeds {MAX_FOOTER_BYTES}")
    return length


def read_parquet_schema(reader: RangeReader, probe_bytes: int = TAIL_PROBE_BYTES) -> pa.Schema:
    """The object's Arrow schema, parsed by pyarrow from the footer bytes only."""
    probe = min(reader.size, probe_bytes)
    tail = reader.read(reader.size - probe, probe)
    length = footer_length(tail, reader.uri, reader.size)
    if length + 8 > len(tail):
        missing = length + 8 - len(tail)
        tail = reader.read(reader.size - len(tail) - missing, missing) + tail
    footer = tail[-(length + 8) :]
    try:
        # The leading magic makes the footer a well-formed file for pyarrow's footer parser.
        return pq.read_schema(pa.BufferReader(MAGIC + footer))
    except (pa.ArrowException, OSError) as error:
        raise SampleError(
            f"{reader.uri}: corrupt Parquet footer: {describe_error(error)}"
        ) from error
