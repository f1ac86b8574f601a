"""Upkeep of the store on DuckLake: small writes leave rows inlined in the catalog and many
small Parquet files, and every commit keeps a snapshot (what as-of reads use) whose files stay
until it expires. The embedded file needs none of this (DuckDB checkpoints it itself).

Each step is DuckLake's own function, run by the single writer:
1. flush inlined rows to Parquet (`ducklake_flush_inlined_data`);
2. merge adjacent small files (`ducklake_merge_adjacent_files`);
3. expire snapshots older than `keep_days` (as-of reads before then end);
4. delete files no snapshot needs any more, once they have been unreferenced for
   `grace_hours` (a reader that began before the expiry may still be reading them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lineage_assets.store.errors import StoreError
from lineage_assets.store.lake import ALIAS
from lineage_assets.store.sqltext import literal
from lineage_assets.store.writer import LineageStore, utcnow

DEFAULT_KEEP_DAYS = 7.0
DEFAULT_GRACE_HOURS = 1.0


@dataclass(frozen=True)
class MaintenanceReport:
    """What one maintenance pass did, for run metadata."""

    rows_flushed: int
    files_merged: int
    files_written: int
    snapshots_expired: int
    files_deleted: int
    snapshots_left: int


def maintain(
    store: LineageStore,
    *,
    keep_days: float = DEFAULT_KEEP_DAYS,
    grace_hours: float = DEFAULT_GRACE_HOURS,
) -> MaintenanceReport:
    """Flush, compact, expire and clean up the lake behind `store` (see the module's steps)."""
    if not store.is_lake:
        raise StoreError("maintenance is for the DuckLake backend; the embedded file needs none")
    if keep_days < 0 or grace_hours < 0:
        raise StoreError("keep_days and grace_hours cannot be negative")
    lake = literal(ALIAS)
    conn = store.conn
    flushed = conn.execute(f"CALL ducklake_flush_inlined_data({lake})").fetchall()
    merged = conn.execute(f"CALL ducklake_merge_adjacent_files({lake})").fetchall()
    expired = conn.execute(
        f"CALL ducklake_expire_snapshots({lake}, older_than => ?)",
        [utcnow() - timedelta(days=keep_days)],
    ).fetchall()
    deleted = conn.execute(
        f"CALL ducklake_cleanup_old_files({lake}, older_than => ?)",
        [utcnow() - timedelta(hours=grace_hours)],
    ).fetchall()
    (left,) = conn.execute(f"SELECT count(*) FROM ducklake_snapshots({lake})").fetchall()[0]  # noqa: S608
    return MaintenanceReport(
        rows_flushed=sum(int(row[2] or 0) for row in flushed),
        files_merged=sum(int(row[2] or 0) for row in merged),
        files_written=sum(int(row[3] or 0) for row in merged),
        snapshots_expired=len(expired),
        files_deleted=len(deleted),
        snapshots_left=int(left),
    )
