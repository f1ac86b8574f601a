"""What a repository file holds before anything parses it: text, or a reason it is not read.

Symbolic links are never followed (their blob is only the target's name), files above the
byte bound are not read at all, Git LFS pointers and binary files are reported, and text is
decoded from UTF-8 (a BOM, or UTF-16 with a BOM as SQL Server tools write it) with invalid
bytes replaced and reported.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field

from lineage_assets.git_sql.repository import RepoFile

MAX_FILE_BYTES = 4 * 1024 * 1024
BINARY_SNIFF_BYTES = 8000  # git's own window for telling binary from text
LFS_MARKERS = (
    b"version https://git-lfs.github.com/spec/",
    b"version https://hawser.github.com/spec/",
)
LFS_POINTER_MAX_BYTES = 1024
SHOWN_TARGET_CHARS = 200


@dataclass(frozen=True)
class FileContent:
    """A file's text, or why it was not read (`skipped`); `warnings` name file and line."""

    text: str | None = None
    skipped: str | None = None
    warnings: list[str] = field(default_factory=list)


def load(file: RepoFile, read: Callable[[str], bytes], limit: int | None = None) -> FileContent:
    """The file's content as text, or the reason it is skipped (never follows a link)."""
    limit = limit or MAX_FILE_BYTES
    if file.size is not None and file.size > limit:
        return FileContent(skipped=f"file is {file.size} bytes, above the {limit}-byte bound")
    data = read(file.blob_sha)
    if len(data) > limit:
        return FileContent(skipped=f"file is {len(data)} bytes, above the {limit}-byte bound")
    if file.is_symlink:
        target = data.decode("utf-8", "replace")[:SHOWN_TARGET_CHARS]
        return FileContent(skipped=f"symbolic link to {target!r}: not followed")
    return decode(file.path, data)


def decode(path: str, data: bytes) -> FileContent:
    """Bytes as text: LFS pointers and binary content are skipped, bad UTF-8 is replaced."""
    if len(data) <= LFS_POINTER_MAX_BYTES and data.startswith(LFS_MARKERS):
        return FileContent(skipped="Git LFS pointer (the object is not fetched): not parsed")
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            return _decoded(path, data[len(bom) :], codec)
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return FileContent(skipped="binary file: not parsed")
    return _decoded(path, data.removeprefix(codecs.BOM_UTF8), "utf-8")


def _decoded(path: str, data: bytes, codec: str) -> FileContent:
    """Strict decoding, else replacement with a warning naming the first bad line."""
    try:
        return FileContent(text=data.decode(codec))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n" if codec == "utf-8" else "\n".encode(codec)) + 1
        warning = f"{path}:{line}: not valid {codec.upper()}; undecodable bytes were replaced"
        return FileContent(text=data.decode(codec, "replace"), warnings=[warning])
