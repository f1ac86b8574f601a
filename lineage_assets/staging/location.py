"""Where batches are staged: a local folder or an S3 prefix, through a pyarrow filesystem.

Layout: `<root>/batches/<batch id>/` holds a batch's Parquet files and, written last,
`manifest.json`. On a local folder the manifest is written to a temporary name, fsynced and
renamed; on S3 an object appears whole when its upload completes, so the manifest object is the
commit marker either way.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pyarrow import fs

BATCHES = "batches"
MANIFEST = "manifest.json"
# A batch folder's name: the batch id, 32 lowercase hex digits (uuid4().hex).
BATCH_ID = re.compile(r"[0-9a-f]{32}")


def new_batch_id() -> str:
    """A fresh batch id."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Listed:
    """A batch folder as listed: whether its manifest is there, and its newest file's time."""

    batch_id: str
    has_manifest: bool
    newest: datetime | None


@dataclass(frozen=True)
class StagingLocation:
    """A staging root on a filesystem; `local` roots get atomic renames and fsyncs."""

    filesystem: fs.FileSystem
    root: str
    url: str
    local: bool

    @classmethod
    def from_url(cls, url: str) -> StagingLocation:
        """`s3://bucket/prefix` (credentials and endpoint from boto3's usual chain) or a path."""
        parts = urlsplit(url)
        if parts.scheme == "s3":
            from lineage_assets.aws import s3_filesystem

            root = (parts.netloc + "/" + parts.path.strip("/")).rstrip("/")
            if not parts.netloc:
                raise ValueError(f"staging URL {url!r} names no bucket")
            return cls(s3_filesystem(), root, url, local=False)
        if parts.scheme not in ("", "file"):
            raise ValueError(f"staging URL {url!r}: expected a folder path or s3://bucket/prefix")
        path = Path(parts.path if parts.scheme == "file" else url).expanduser().resolve()
        return cls(fs.LocalFileSystem(), path.as_posix(), url, local=True)

    def batch_dir(self, batch_id: str) -> str:
        """The folder (or key prefix) of one batch."""
        if BATCH_ID.fullmatch(batch_id) is None:
            raise ValueError(f"not a batch id: {batch_id!r}")
        return f"{self.root}/{BATCHES}/{batch_id}"

    def put(self, path: str, data: bytes, *, atomic: bool = False) -> None:
        """Write a whole file; `atomic` ones appear complete or not at all."""
        if not self.local:
            with self.filesystem.open_output_stream(path) as out:
                out.write(data)
            return
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        written = temporary if atomic else target
        with open(written, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if atomic:
            os.replace(temporary, target)
            directory = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def size(self, path: str) -> int | None:
        """A file's size in bytes, or None when it does not exist."""
        info = self.filesystem.get_file_info(path)
        return info.size if info.type == fs.FileType.File else None

    def read(self, path: str, limit: int) -> bytes:
        """A whole file, refused when larger than `limit` bytes (checked before reading)."""
        with self.filesystem.open_input_file(path) as handle:
            size = handle.size()
            if size > limit:
                raise ValueError(f"{path}: {size} bytes, more than the {limit} allowed")
            return bytes(handle.read(size))

    def list_batches(self) -> list[Listed]:
        """Every batch folder, with whether it is committed; names that are no batch id are
        not ours and are left alone."""
        selector = fs.FileSelector(f"{self.root}/{BATCHES}", allow_not_found=True, recursive=True)
        prefix = f"{self.root}/{BATCHES}/"
        found: dict[str, tuple[bool, datetime | None]] = {}
        for info in self.filesystem.get_file_info(selector):
            relative = info.path[len(prefix) :] if info.path.startswith(prefix) else ""
            batch_id, _, name = relative.partition("/")
            if BATCH_ID.fullmatch(batch_id) is None:
                continue
            has, newest = found.get(batch_id, (False, None))
            mtime = info.mtime  # a local folder's too: an empty one ages like its files
            if isinstance(mtime, datetime) and mtime.tzinfo is None:
                mtime = mtime.replace(tzinfo=UTC)
            if mtime is not None and (newest is None or mtime > newest):
                newest = mtime
            found[batch_id] = (has or name == MANIFEST, newest)
        return [Listed(b, has, newest) for b, (has, newest) in sorted(found.items())]

    def delete_batch(self, batch_id: str) -> None:
        """Remove a batch's folder and files (missing is fine)."""
        path = self.batch_dir(batch_id)
        try:
            self.filesystem.delete_dir(path)
        except FileNotFoundError:
            pass
        except OSError:
            # S3 "directories" may not exist as objects: delete the files under the prefix
            self.filesystem.delete_dir_contents(path, missing_dir_ok=True)
