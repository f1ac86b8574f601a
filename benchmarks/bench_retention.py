"""Retention reports: loading a deletion report and a cross-check (read, bounded parse, HMAC per
id, store write) against `json.loads` of the same bytes, and the erasure check over many
datasets against one scan of the affected objects, in one run.

1. retention.load   load_reports of both reports vs json.loads of their bytes (the least any
                    reader of them must do).
2. retention.check  check.violations over the datasets of the lineage vs one
                    `SELECT count(*) FROM retention_affected`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchmarks.harness import (
    Result,
    figure,
    header,
    median_time,
    mib,
    peak_memory,
    report,
    reset_peak_rss,
    seconds,
    timed,
)
from lineage_assets.retention import check
from lineage_assets.retention.load import load_reports
from lineage_assets.store import LineageStore, SourceRecords


def write_reports(folder: Path, deleted: int, objects: int, ids_per_object: int) -> list[Path]:
    """A deletion report of `deleted` ids (items with a status) and a cross-check naming
    `objects` objects under 1,000 dataset prefixes, every tenth id of them deleted."""
    rds = folder / "rds" / "rds-auto.json"
    xcheck = folder / "xcheck" / "xcheck.json"
    rds.parent.mkdir()
    xcheck.parent.mkdir()
    items = [{"user_id": f"subject-{n:09d}", "status": "deleted"} for n in range(deleted)]
    rds.write_text(json.dumps({"items": items}))
    entries = [
        {
            "file": f"s3://lake/d{n % 1_000}/part-{n:06d}.csv",
            "matched_ids": [
                f"subject-{(n * ids_per_object + k) * 10 % (deleted * 10):09d}"
                for k in range(ids_per_object)
            ],
        }
        for n in range(objects)
    ]
    xcheck.write_text(json.dumps({"items": entries}))
    return [rds, xcheck]


def dataset_source(datasets: int) -> SourceRecords:
    """The lineage's datasets as inferred edges (location → table)."""
    rows = [
        {"source_node": f"data:s3://lake/d{n}", "target_node": f"table:t{n}", "edge_kind": "loc"}
        for n in range(datasets)
    ]
    return SourceRecords("bench:datasets", "bench").add("inferred_edges", rows)


def run(quick: bool = False) -> list[Result]:
    deleted, objects, per_object, datasets = (
        (20_000, 2_000, 5, 2_000) if quick else (200_000, 20_000, 10, 20_000)
    )
    name = "retention"
    header(
        name,
        f"{deleted:,} deleted ids, {objects:,} objects of {per_object} ids, {datasets:,} datasets",
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = write_reports(Path(folder), deleted, objects, per_object)
        size = sum(p.stat().st_size for p in paths)
        parse_s = median_time(lambda: [json.loads(p.read_bytes()) for p in paths], repeat=3)
        with LineageStore.open(Path(folder, "r.duckdb")) as store:
            store.replace_source(dataset_source(datasets))
            was_reset = reset_peak_rss()
            locations = [str(p) for p in paths]
            load_s, result = timed(lambda: load_reports(store, locations))
            peak_memory("load", was_reset)
            scan_s = median_time(
                lambda: store.conn.execute("SELECT count(*) FROM retention_affected").fetchall(),
                repeat=3,
            )
            check_s, found = timed(lambda: check.violations(store.conn))
    figure("reports", f"{mib(size)} in 2 files")
    figure("json.loads of both (reference)", seconds(parse_s))
    figure("load_reports (read, parse, hash, write)", f"{seconds(load_s)}, {result.summary()}")
    figure("affected-objects scan (reference)", seconds(scan_s))
    figure("check.violations", f"{seconds(check_s)}, {len(found):,} datasets violate")
    return [
        report(Result(name, "load ÷ json.loads of the reports", load_s / parse_s, None)),
        report(Result(name, "check ÷ one affected-objects scan", check_s / scan_s, None)),
    ]
