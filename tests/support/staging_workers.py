"""Child processes for the staging fault tests (spawned, so importable by name): crawls that
stage sources, one that blocks just before its manifest, an ingest that blocks inside its
transaction. They wait on events, never on time, so the parent kills them at a known point."""

from __future__ import annotations

import threading
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path

from lineage_assets.staging.ingest import ingest
from lineage_assets.staging.location import MANIFEST, StagingLocation
from lineage_assets.staging.sink import StagingSink
from lineage_assets.store import LineageStore
from lineage_assets.store.records import SourceRecords


def sql_source(crawl: str, index: int, version: int = 1, statements: int = 3) -> SourceRecords:
    """A SQL file source with a file row and `statements` table edges."""
    key = f"sql:{crawl}/f{index}.sql"
    records = SourceRecords(key, "sql_file", f"{crawl}/f{index}.sql", content_hash=f"v{version}")
    records.add(
        "sql_files", [{"repo": crawl, "path": f"f{index}.sql", "statement_count": statements}]
    )
    records.add(
        "table_edges",
        [
            {"source_table": f"{crawl}.src{index}_{n}", "target_table": f"{crawl}.t{index}",
             "statement_index": n, "start_line": version}
            for n in range(statements)
        ],
    )  # fmt: skip
    return records


def stage_crawl(root: str, crawl: str, sources: int, per_batch: int, barrier: Barrier) -> None:
    """Stage `sources` sources in batches of `per_batch`, after all crawls are ready."""
    barrier.wait()
    location = StagingLocation.from_url(root)
    with StagingSink(location, crawl, crawl, max_batch_operations=per_batch) as sink:
        for index in range(sources):
            sink.replace_source(sql_source(crawl, index))


class _StallingLocation(StagingLocation):
    """A location whose second manifest is never written: the process blocks right before it."""

    stalled: Event | None = None
    manifests = 0

    def put(self, path: str, data: bytes, *, atomic: bool = False) -> None:
        if path.endswith("/" + MANIFEST):
            type(self).manifests += 1
            if type(self).manifests == 2 and type(self).stalled is not None:
                type(self).stalled.set()
                threading.Event().wait()  # until killed
        super().put(path, data, atomic=atomic)


def crawl_dies_mid_batch(root: str, stalled: Event) -> None:
    """Commit one batch (sources 0-1, version 2), then stall writing the second (2-3)."""
    base = StagingLocation.from_url(root)
    _StallingLocation.stalled = stalled
    location = _StallingLocation(base.filesystem, base.root, base.url, base.local)
    sink = StagingSink(location, "dying", "dying", max_batch_operations=2)
    for index in range(4):
        sink.replace_source(sql_source("dying", index, version=2))
    sink.commit()


def ingest_dies_mid_apply(store_path: str, root: str, inside: Event) -> None:
    """Ingest, stopping for good inside the first batch's transaction."""

    def stall(_: str) -> None:
        inside.set()
        threading.Event().wait()  # until killed

    with LineageStore.open(Path(store_path)) as store:
        ingest(store, StagingLocation.from_url(root), progress=stall)
