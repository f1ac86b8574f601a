"""What a crawl writes to: the store itself, or a staging area that the store ingests later.

Crawls take a `RecordSink`, so the same crawl code writes straight into the embedded store
or stages its records for a single writer elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from lineage_assets.store.records import SourceRecords


class RecordSink(Protocol):
    """The writes a crawl makes: replace, fail, log or remove one source at a time."""

    def replace_source(self, records: SourceRecords, run_id: str | None = None) -> int:
        """Replace one source's rows; returns the number of rows written (or staged)."""
        ...

    def replace_sources(self, batch: Iterable[SourceRecords], run_id: str | None = None) -> int:
        """Replace several sources at once (all or none)."""
        ...

    def mark_failed(
        self,
        source_key: str,
        source_kind: str,
        message: str,
        *,
        run_id: str | None = None,
        error_type: str | None = None,
        location: str | None = None,
    ) -> None:
        """Keep a failed source's last good rows, mark it stale, and log the error."""
        ...

    def log_error(
        self,
        source_key: str,
        source_kind: str,
        message: str,
        *,
        run_id: str | None = None,
        error_type: str | None = None,
        location: str | None = None,
    ) -> None:
        """Log an error about one part of a source that still landed."""
        ...

    def remove_source(self, source_key: str) -> None:
        """Delete a source that no longer exists, and its rows."""
        ...


def replace_batch(
    sink: RecordSink,
    batch: Sequence[SourceRecords],
    run_id: str | None,
    on_error: Callable[[SourceRecords, Exception], None],
) -> list[SourceRecords]:
    """Write `batch` in one transaction; if that fails, source by source, handing each
    failure to `on_error`, so one bad source never loses the rest. Returns what was written."""
    try:
        sink.replace_sources(batch, run_id)
    except Exception:  # retried one by one below
        written = []
        for records in batch:
            try:
                sink.replace_source(records, run_id)
            except Exception as error:  # one source at most
                on_error(records, error)
                continue
            written.append(records)
        return written
    return list(batch)
