"""Bounded decompression of an object's head: gzip, bzip2, zstd and snappy inflate to at most
`limit` bytes whatever the stream claims, so a 10 GB-of-zeros bomb costs `limit` bytes.

Only the first compressed bytes of an object are fetched, so a stream cut short is the
normal case (the head is just incomplete); a stream that is corrupt is an error.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

_CHUNK = 64 * 1024
MAX_SNAPPY_BLOCK = 4 * 1024 * 1024  # Hadoop writes 256 KiB blocks; framing caps chunks at 64 KiB
_SNAPPY_STREAM_ID = b"\xff\x06\x00\x00sNaPpY"


class CorruptStream(ValueError):
    """The compressed bytes are not a valid stream of their codec."""


@dataclass(frozen=True)
class Inflated:
    """Decompressed bytes (at most the limit); `complete` when the whole stream ended
    within the limit and within the compressed bytes given."""

    data: bytes
    complete: bool


def _gzip(data: bytes, whole: bool, limit: int) -> Inflated:
    """gzip or zlib, every member of a multi-member stream (pigz, bgzip, appended logs)."""
    out, rest = bytearray(), data
    while rest and len(out) < limit:
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected
        try:
            out += inflater.decompress(rest, limit - len(out))
        except zlib.error as error:
            raise CorruptStream(f"not valid gzip: {error}") from error
        if not inflater.eof:
            return Inflated(bytes(out), False)
        rest = inflater.unused_data
    return Inflated(bytes(out), whole and not rest)


def _bzip2(data: bytes, whole: bool, limit: int) -> Inflated:
    """bzip2, every stream of a multi-stream file (pbzip2)."""
    out, rest = bytearray(), data
    while rest and len(out) < limit:
        inflater = bz2.BZ2Decompressor()
        try:
            out += inflater.decompress(rest, limit - len(out))
        except OSError as error:
            raise CorruptStream(f"not valid bzip2: {error}") from error
        if not inflater.eof:
            return Inflated(bytes(out), False)
        rest = inflater.unused_data
    return Inflated(bytes(out), whole and not rest)


def _zstd(data: bytes, whole: bool, limit: int) -> Inflated:
    """zstd through Arrow's streaming decompressor, read in 64 KiB steps up to the limit."""
    stream = pa.CompressedInputStream(pa.BufferReader(data), "zstd")
    out = bytearray()
    try:
        while len(out) < limit:
            chunk = stream.read(min(_CHUNK, limit - len(out)))
            if not chunk:
                return Inflated(bytes(out), whole)
            out += chunk
    except (OSError, pa.ArrowException) as error:
        if whole or "Truncated" not in str(error):
            raise CorruptStream(f"not valid zstd: {error}") from error
        return Inflated(bytes(out), False)
    return Inflated(bytes(out), False)


def _raw_snappy(block: bytes, budget: int) -> bytes:
    """One raw snappy block, after checking the length its header claims."""
    claimed, shift = 0, 0
    for byte in block[:5]:
        claimed |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    else:
        raise CorruptStream("snappy block without a length header")
    if claimed > min(MAX_SNAPPY_BLOCK, max(budget, _CHUNK)):
        raise CorruptStream(f"a snappy block claims {claimed} bytes")
    try:
        return pa.Codec("snappy").decompress(block, decompressed_size=claimed, asbytes=True)
    except (OSError, pa.ArrowException) as error:
        raise CorruptStream(f"not valid snappy: {error}") from error


def _snappy_framed(data: bytes, whole: bool, limit: int) -> Inflated:
    """The snappy framing format (`sNaPpY` stream id, typed chunks with 3-byte lengths)."""
    out, offset = bytearray(), 0
    while offset + 4 <= len(data) and len(out) < limit:
        kind, length = data[offset], int.from_bytes(data[offset + 1 : offset + 4], "little")
        body = data[offset + 4 : offset + 4 + length]
        if len(body) < length:
            return Inflated(bytes(out[:limit]), False)
        if kind == 0x00:
            out += _raw_snappy(body[4:], limit - len(out))
        elif kind == 0x01:
            out += body[4:]
        elif 0x02 <= kind <= 0x7F:
            raise CorruptStream(f"reserved snappy chunk type {kind:#x}")
        offset += 4 + length
    ended = offset >= len(data)
    return Inflated(bytes(out[:limit]), whole and ended and len(out) <= limit)


def _snappy(data: bytes, whole: bool, limit: int) -> Inflated:
    """Snappy as Hadoop/Spark write it (`.snappy`: big-endian block and chunk lengths around
    raw snappy), or the snappy framing format when the stream starts with its id."""
    if data.startswith(_SNAPPY_STREAM_ID):
        return _snappy_framed(data, whole, limit)
    out, offset = bytearray(), 0
    while offset + 8 <= len(data) and len(out) < limit:
        block_end = len(out) + int.from_bytes(data[offset : offset + 4], "big")
        offset += 4
        while len(out) < min(block_end, limit) and offset + 4 <= len(data):
            length = int.from_bytes(data[offset : offset + 4], "big")
            chunk = data[offset + 4 : offset + 4 + length]
            if len(chunk) < length:
                if whole:
                    raise CorruptStream("snappy chunk runs past the end of the object")
                return Inflated(bytes(out[:limit]), False)
            out += _raw_snappy(chunk, limit - len(out))
            offset += 4 + length
    ended = offset >= len(data)
    return Inflated(bytes(out[:limit]), whole and ended and len(out) <= limit)


CODECS: dict[str, Callable[[bytes, bool, int], Inflated]] = {
    "gzip": _gzip,
    "bzip2": _bzip2,
    "zstd": _zstd,
    "snappy": _snappy,
}
"""Codec name → bounded inflater; the names `formats.detect_format` gives."""


def inflate(codec: str, data: bytes, whole: bool, limit: int) -> Inflated:
    """At most `limit` decompressed bytes of `data` (`whole` when it is the entire object)."""
    return CODECS[codec](data, whole, limit)
