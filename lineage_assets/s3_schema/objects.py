"""Ranged reads of one S3 object through pyarrow's filesystem, every request counted.

pyarrow's S3 file issues one HEAD when opened and one ranged GET per `read_at`; we count the
same, so `bytes_read` is the body bytes that crossed the wire.
"""

from __future__ import annotations

import re
from typing import Any

from lineage_assets.s3_schema.budget import ReadCounter

_ROW_ECHO = re.compile(r"(columns, got \d+):.*$")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
MAX_MESSAGE = 300


class SampleError(Exception):
    """An object could not be sampled; the message names the object and the reason."""


def describe_error(error: BaseException) -> str:
    """A reader's error without the data it quotes: pyarrow echoes the offending CSV row
    (`Expected 2 columns, got 3: a,b,c`) and values (`invalid value 'x'`)."""
    first_line = (str(error).splitlines() or [type(error).__name__])[0]
    return _QUOTED.sub("'…'", _ROW_ECHO.sub(r"\1", first_line))[:MAX_MESSAGE]


class RangeReader:
    """One open object: `read(offset, length)` fetches exactly that range and counts it."""

    def __init__(self, filesystem: Any, bucket: str, key: str, size: int, counter: ReadCounter):
        self.uri = f"s3://{bucket}/{key}"
        self.size = size
        self._counter = counter
        self._file = None
        self._path = f"{bucket}/{key}"
        self._filesystem = filesystem

    def read(self, offset: int, length: int) -> bytes:
        """Bytes [offset, offset+length) clipped to the object; one GET (plus HEAD on first use)."""
        length = max(0, min(length, self.size - offset))
        if length == 0:
            return b""
        self._counter.reserve(length, self.uri)
        if self._file is None:
            self._file = self._filesystem.open_input_file(self._path)
            self._counter.request()  # the HEAD pyarrow makes to learn the size
        data = self._file.read_at(length, offset)
        self._counter.request(len(data))
        return data

    def close(self) -> None:
        """Release the pyarrow file handle, if one was opened."""
        if self._file is not None:
            self._file.close()
            self._file = None
