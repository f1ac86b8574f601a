"""Parquet schemas from the footer alone: one ranged read of the last 64 KiB (a second only
when the footer is larger), so a 5 GB object costs at most footer + 64 KiB.

The footer is untrusted input to C++: its length is checked against the object and a bound
before it is fetched, and its Thrift encoding is walked (`thrift_scan`) before pyarrow
parses it, with pyarrow's own Thrift size limits set as a second fence.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from lineage_assets.s3_schema.objects import RangeReader, SampleError, describe_error
from lineage_assets.s3_schema.thrift_scan import MAX_FOOTER_STRUCTS, FooterRefused, footer_structs

MAGIC = b"PAR1"
ENCRYPTED_MAGIC = b"PARE"
TAIL_PROBE_BYTES = 64 * 1024
MAX_FOOTER_BYTES = 8 * 1024 * 1024


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


def parse_footer(footer: bytes, uri: str) -> pa.Schema:
    """The Arrow schema of a footer (`<thrift><length>PAR1`), after the pre-flight walk."""
    try:
        footer_structs(footer[:-8])
    except FooterRefused as error:
        raise SampleError(f"{uri}: Parquet footer refused: {error}") from error
    try:
        # The leading magic makes the footer a well-formed file for pyarrow's footer parser.
        parquet = pq.ParquetFile(
            pa.BufferReader(MAGIC + footer),
            thrift_string_size_limit=MAX_FOOTER_BYTES,
            thrift_container_size_limit=MAX_FOOTER_STRUCTS,
        )
        return parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as error:
        raise SampleError(f"{uri}: corrupt Parquet footer: {describe_error(error)}") from error


def read_parquet_schema(reader: RangeReader, probe_bytes: int = TAIL_PROBE_BYTES) -> pa.Schema:
    """The object's Arrow schema, parsed by pyarrow from the footer bytes only."""
    probe = min(reader.size, probe_bytes)
    tail = reader.read(reader.size - probe, probe)
    length = footer_length(tail, reader.uri, reader.size)
    if length + 8 > len(tail):
        missing = length + 8 - len(tail)
        tail = reader.read(reader.size - len(tail) - missing, missing) + tail
    return parse_footer(tail[-(length + 8) :], reader.uri)
