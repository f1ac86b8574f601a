"""Ranged reads of one S3 object through boto3, every request counted and pinned to the ETag
the listing saw.

boto3 addresses every key exactly as S3 stores it (`a//b`, `x/../y`, a leading `/`, URL-like
keys), where a filesystem layer normalises or refuses them; `If-Match` makes an object that
changed (or vanished) after the listing an error naming it instead of a mixed read. The body
is read up to the requested length even if a server ignores the range.
"""

from __future__ import annotations

import re
import time

from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.s3_schema.budget import ReadCounter
from lineage_assets.s3_schema.client import S3Client
from lineage_assets.s3_schema.listing import object_uri

_ROW_ECHO = re.compile(r"(columns, got \d+):.*$")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
MAX_MESSAGE = 300
_CHANGED = {"PreconditionFailed", "412"}
_GONE = {"NoSuchKey", "404"}


class SampleError(Exception):
    """An object could not be sampled; the message names the object and the reason."""


def describe_error(error: BaseException) -> str:
    """A reader's error without the data it quotes: pyarrow echoes the offending CSV row
    (`Expected 2 columns, got 3: a,b,c`) and values (`invalid value 'x'`)."""
    first_line = (str(error).splitlines() or [type(error).__name__])[0]
    return _QUOTED.sub("'…'", _ROW_ECHO.sub(r"\1", first_line))[:MAX_MESSAGE]


class RangeReader:
    """One listed object: `read(offset, length)` fetches exactly that range and counts it."""

    def __init__(
        self,
        s3: S3Client,
        bucket: str,
        key: str,
        size: int,
        counter: ReadCounter,
        *,
        etag: str | None = None,
        deadline: float | None = None,
    ):
        self.uri = object_uri(bucket, key)
        self.size = size
        self._counter = counter
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._etag = etag
        self._deadline = deadline

    def read(self, offset: int, length: int) -> bytes:
        """Bytes [offset, offset+length) clipped to the object; one ranged GET."""
        length = max(0, min(length, self.size - offset))
        if length == 0:
            return b""
        self._counter.reserve(length, self.uri)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise SampleError(f"{self.uri}: time limit for one object exceeded")
        pinned = {"IfMatch": self._etag} if self._etag else {}
        try:
            response = self._s3.get_object(
                Bucket=self._bucket,
                Key=self._key,
                Range=f"bytes={offset}-{offset + length - 1}",
                **pinned,
            )
            body = response["Body"]
            try:
                data = body.read(length)
            finally:
                body.close()
        except AWS_ERRORS as error:
            self._counter.request()
            raise SampleError(f"{self.uri}: {self._describe(error)}") from error
        self._counter.request(len(data))
        return data

    def _describe(self, error: BaseException) -> str:
        """Why a GET failed, saying so when the object changed or vanished after listing."""
        code = error_code(error)
        if code in _CHANGED:
            return f"changed since it was listed (ETag is no longer {self._etag})"
        if code in _GONE:
            return "deleted since it was listed"
        return f"{code}: {describe_error(error)}"
