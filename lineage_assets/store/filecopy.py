"""Durable copies of an open file: the bytes move inside the kernel (`copy_file_range`, which
shares blocks on filesystems with reflinks) and are written back while the copy goes on, so
the closing fsync waits for little; read and write in Python only where the kernel cannot."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path

CHUNK = 4 << 20  # bytes per step: small enough to overlap the copy with the write-back
SYNC_FILE_RANGE_WRITE = 2  # <linux/fs.h>: start write-back of a range's dirty pages, no wait


def copy_durably(source: int, destination: Path, chunk: int = CHUNK) -> int:
    """Copy the bytes the descriptor `source` holds now into a new file at `destination`,
    fsynced before returning; the number of bytes copied.

    `destination` must not exist (it is created exclusively, so two copies never mix), and
    nobody may write `source` meanwhile. On an error the partial file is the caller's to remove.
    """
    size = os.fstat(source).st_size
    out = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        in_kernel, offset = True, 0
        while offset < size:
            count = min(chunk, size - offset)
            copied = in_kernel_copy(source, out, count, offset) if in_kernel else None
            if copied is None:  # the kernel cannot copy between these files: Python does
                in_kernel, copied = False, python_copy(source, out, count, offset)
            if not copied:
                raise OSError(errno.EIO, f"the source ended at byte {offset} of {size}")
            start_write_back(out, offset, copied)
            offset += copied
        os.fsync(out)
    finally:
        os.close(out)
    return size


def in_kernel_copy(source: int, out: int, count: int, offset: int) -> int | None:
    """copy_file_range of up to `count` bytes at `offset` in both files; None when the kernel
    or filesystem cannot do it (an old kernel, two filesystems, FUSE), told by an error or by
    copying nothing on the first call, the only time it may fail without harm."""
    if not hasattr(os, "copy_file_range"):  # not Linux
        return None
    try:
        copied = os.copy_file_range(source, out, count, offset, offset)
    except OSError as error:
        if offset or error.errno == errno.ENOSPC:
            raise
        return None
    return None if copied == 0 and offset == 0 else copied


def python_copy(source: int, out: int, count: int, offset: int) -> int:
    """Read up to `count` bytes at `offset` and write them at the same offset; bytes copied."""
    data = os.pread(source, count, offset)
    written = 0
    while written < len(data):
        written += os.pwrite(out, data[written:], offset + written)
    return written


def start_write_back(descriptor: int, offset: int, count: int) -> None:
    """Ask the kernel to start writing a range to disk now (Linux `sync_file_range`), so the
    closing fsync finds it mostly written. Only a hint, a no-op where the call is missing:
    the fsync is what makes the copy durable."""
    sync = _sync_file_range()
    if sync is not None:
        sync(descriptor, offset, count, SYNC_FILE_RANGE_WRITE)  # an error here: fsync still runs


@functools.cache
def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's sync_file_range (the os module has no binding for it), or None off Linux."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
