"""The fan-in: the store's single writer lists the committed batches, applies each once in
producer order, sweeps batches whose crawl died before committing, and deletes applied ones
(or keeps them for a while, for audit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lineage_assets.staging import columns, views
from lineage_assets.staging.apply import REJECTED, Applied, Progress, apply_batches
from lineage_assets.staging.batch import Limits, StagedBatch, read_batch, read_manifest
from lineage_assets.staging.location import StagingLocation
from lineage_assets.staging.manifest import Manifest, ManifestError
from lineage_assets.store import registry
from lineage_assets.store.bulk import checkpoints_deferred
from lineage_assets.store.ledger import LedgerEntry, record_batch
from lineage_assets.store.writer import LineageStore, utcnow

# Errors about a batch (not a source) are logged under this source kind and key prefix.
BATCH_SOURCE_KIND = "staging_batch"
DEFAULT_SWEEP_AFTER = timedelta(days=1)


@dataclass
class IngestReport:
    """What one ingest did, batch by batch."""

    applied: list[Applied] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)  # no manifest yet, younger than the sweep
    swept: list[str] = field(default_factory=list)
    # could not be read now (I/O): left for the next ingest, rejected once older than the sweep
    unreadable: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def operations(self) -> int:
        return sum(a.operations for a in self.applied)

    @property
    def rows(self) -> int:
        return sum(a.rows for a in self.applied)


def reject(
    store: LineageStore,
    batch_id: str,
    manifest: Manifest | None,
    message: str,
    run_id: str | None,
    error_type: str = "ManifestError",
) -> None:
    """Record a batch as rejected (never retried; untrustworthy or superseded) and log why."""
    producer = manifest.producer if manifest else None
    entry = LedgerEntry(
        batch_id=batch_id,
        crawl=producer.crawl if producer else None,
        partition_key=producer.partition if producer else None,
        producer_run_id=producer.run_id if producer else None,
        batch_seq=manifest.seq if manifest else None,
        staged_at=None,
        status=REJECTED,
        operations=0,
        row_count=0,
        ingest_run_id=run_id,
        message=message,
    )
    with store.transaction() as conn:
        store.log_error(
            f"staging:{batch_id}", BATCH_SOURCE_KIND, f"staged batch rejected: {message}",
            run_id=run_id, error_type=error_type,
        )  # fmt: skip
        record_batch(conn, entry)


def _unreadable(
    store: LineageStore,
    report: IngestReport,
    batch_id: str,
    manifest: Manifest | None,
    error: OSError,
    expired: bool,
    run_id: str | None,
) -> None:
    """A batch that could not be read: maybe a passing network error, so it waits for the
    next ingest; once it is older than the sweep age it is rejected (a corrupt file)."""
    message = f"unreadable: {type(error).__name__}: {error}"
    if expired:
        reject(store, batch_id, manifest, message, run_id)
        report.rejected[batch_id] = message
    else:
        report.unreadable[batch_id] = message


def _apply_ready(
    store: LineageStore,
    location: StagingLocation,
    ready: list[Manifest],
    report: IngestReport,
    run_id: str | None,
    limits: Limits,
    progress: Progress | None,
    schemas: registry.Registry | None,
    expired: set[str],
) -> None:
    """Read and apply the committed batches in producer order, consecutive ones together in
    one transaction up to `limits.transaction_rows`; untrustworthy ones are rejected."""
    known = columns.tables(schemas)
    newest = views.latest_producers(store.conn)
    pending: list[StagedBatch] = []
    for manifest in sorted(ready, key=lambda m: m.order):
        producer = (manifest.producer.crawl, manifest.producer.partition)
        if producer in newest and newest[producer] > manifest.order[0]:
            message = (
                f"superseded: a newer run of {producer[0]} {producer[1]!r} (started "
                f"{newest[producer].isoformat()}) was applied before this older one"
            )
            reject(store, manifest.batch_id, manifest, message, run_id, "Superseded")
            report.rejected[manifest.batch_id] = message
            continue
        if (
            pending
            and sum(b.manifest.rows for b in pending) + manifest.rows > limits.transaction_rows
        ):
            report.applied += apply_batches(store, pending, run_id=run_id, progress=progress)
            pending = []
        try:
            pending.append(read_batch(location, manifest, known, limits))
        except ManifestError as error:
            reject(store, manifest.batch_id, manifest, str(error), run_id)
            report.rejected[manifest.batch_id] = str(error)
        except OSError as error:
            expiry = manifest.batch_id in expired
            _unreadable(store, report, manifest.batch_id, manifest, error, expiry, run_id)
    if pending:
        report.applied += apply_batches(store, pending, run_id=run_id, progress=progress)


def ingest(
    store: LineageStore,
    location: StagingLocation,
    *,
    run_id: str | None = None,
    keep: timedelta = timedelta(0),
    sweep_after: timedelta = DEFAULT_SWEEP_AFTER,
    limits: Limits | None = None,
    progress: Progress | None = None,
    schemas: registry.Registry | None = None,
) -> IngestReport:
    """Apply every committed batch not yet applied, in producer order (consecutive batches
    together in one transaction, up to `limits.transaction_rows`); then sweep and delete."""
    report = IngestReport()
    listed = location.list_batches()
    done = views.applied_batches(store.conn, [item.batch_id for item in listed])
    now = utcnow()
    ready: list[Manifest] = []
    expired = {i.batch_id for i in listed if i.newest is not None and now - i.newest >= sweep_after}
    for item in listed:
        if item.batch_id in done:
            continue
        if not item.has_manifest:
            if item.batch_id in expired:
                location.delete_batch(item.batch_id)
                report.swept.append(item.batch_id)
            else:
                report.waiting.append(item.batch_id)
            continue
        try:
            ready.append(read_manifest(location, item.batch_id))
        except ManifestError as error:
            reject(store, item.batch_id, None, str(error), run_id)
            report.rejected[item.batch_id] = str(error)
        except OSError as error:
            expiry = item.batch_id in expired
            _unreadable(store, report, item.batch_id, None, error, expiry, run_id)
    with checkpoints_deferred(store):
        _apply_ready(
            store, location, ready, report, run_id, limits or Limits(), progress, schemas, expired
        )
    applied_now = {a.batch_id for a in report.applied} | set(report.rejected)
    for batch_id, applied_at in views.applied_batches(store.conn, [*done, *applied_now]).items():
        if now - applied_at >= keep or keep <= timedelta(0):
            location.delete_batch(batch_id)
            report.deleted.append(batch_id)
        else:
            report.kept.append(batch_id)
    return report
