"""Durable file copies for publish: exact bytes through the kernel and through the Python
fallback, exclusive creation, and a publish that fails mid-way keeping the old copy (real
files, a real store)."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineage_assets.store import LineageStore, SourceRecords, connect_published, filecopy
from lineage_assets.store.filecopy import copy_durably

SIZE = 5 * 65536 + 123  # several chunks of 64 KiB and a short last one


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[int, bytes]]:
    """A descriptor on a real file of random bytes, and those bytes."""
    data = os.urandom(SIZE)
    path = tmp_path / "source.bin"
    path.write_bytes(data)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        yield descriptor, data
    finally:
        os.close(descriptor)


def test_the_copy_has_every_byte_in_order(source, tmp_path):
    descriptor, data = source
    copy = tmp_path / "copy.bin"
    assert copy_durably(descriptor, copy, chunk=65536) == SIZE
    assert copy.read_bytes() == data


def test_an_empty_file_copies_to_an_empty_file(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    descriptor = os.open(tmp_path / "empty", os.O_RDONLY)
    try:
        assert copy_durably(descriptor, tmp_path / "copy") == 0
    finally:
        os.close(descriptor)
    assert (tmp_path / "copy").read_bytes() == b""


def test_an_existing_destination_is_never_written(source, tmp_path):
    descriptor, _ = source
    copy = tmp_path / "copy.bin"
    copy.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError):
        copy_durably(descriptor, copy)
    assert copy.read_bytes() == b"someone else's"


def refusing(error: int | None):
    """A copy_file_range that fails as a filesystem without it does: an error, or 0 bytes."""

    def copy_file_range(*args: object) -> int:
        if error is None:
            return 0
        raise OSError(error, os.strerror(error))

    return copy_file_range


@pytest.mark.parametrize("error", [errno.EXDEV, errno.EOPNOTSUPP, errno.ENOSYS, None])
def test_where_the_kernel_cannot_copy_python_does(source, tmp_path, monkeypatch, error):
    descriptor, data = source
    monkeypatch.setattr(os, "copy_file_range", refusing(error))
    copy = tmp_path / "copy.bin"
    assert copy_durably(descriptor, copy, chunk=65536) == SIZE
    assert copy.read_bytes() == data


def test_a_kernel_error_after_the_first_chunk_is_raised_not_papered_over(
    source, tmp_path, monkeypatch
):
    descriptor, _ = source
    real = os.copy_file_range

    def fails_later(src: int, dst: int, count: int, offset_src: int, offset_dst: int) -> int:
        if offset_src:
            raise OSError(errno.EIO, "I/O error")
        return real(src, dst, count, offset_src, offset_dst)

    monkeypatch.setattr(os, "copy_file_range", fails_later)
    with pytest.raises(OSError, match="I/O error"):
        copy_durably(descriptor, tmp_path / "copy.bin", chunk=65536)


@pytest.mark.skipif(sys.platform != "linux", reason="sync_file_range is Linux's")
def test_write_back_is_started_through_libc_on_linux(source, tmp_path):
    descriptor, _ = source
    assert filecopy._sync_file_range() is not None
    filecopy.start_write_back(descriptor, 0, SIZE)  # a read-only descriptor: EBADF, ignored


def edges(key: str, count: int) -> SourceRecords:
    """A SQL file's table edges t0 → t1 → … → t<count>."""
    records = SourceRecords(key, "sql_file", key)
    records.add("sql_files", [{"path": key, "statement_count": count}])
    records.add(
        "table_edges",
        [{"source_table": f"t{i}", "target_table": f"t{i + 1}"} for i in range(count)],
    )
    return records


def test_publish_copies_the_checkpointed_file_byte_for_byte(tmp_path):
    db, published = tmp_path / "lineage.duckdb", tmp_path / "out" / "published.duckdb"
    with LineageStore.open(db, published) as store:
        store.replace_source(edges("a.sql", 3000))
        assert store.publish() == published
        assert published.read_bytes() == db.read_bytes()
    assert sorted(path.name for path in published.parent.iterdir()) == ["published.duckdb"]


def test_a_publish_that_fails_keeps_the_old_copy_and_no_temp_file(tmp_path, monkeypatch):
    db, published = tmp_path / "lineage.duckdb", tmp_path / "published.duckdb"
    with LineageStore.open(db, published) as store:
        store.replace_source(edges("a.sql", 2))
        store.publish()
        before = published.read_bytes()
        store.replace_source(edges("b.sql", 5))
        monkeypatch.setattr(os, "copy_file_range", refusing(errno.ENOSPC))
        with pytest.raises(OSError, match="No space left"):
            store.publish()
        monkeypatch.undo()
    assert published.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "lineage.duckdb",
        "published.duckdb",
    ]
    conn = connect_published(published)
    try:
        assert conn.execute("SELECT count(*) FROM table_edges").fetchone() == (2,)
    finally:
        conn.close()
