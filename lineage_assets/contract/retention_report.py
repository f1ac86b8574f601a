"""The original's `/api/v2/scan/cross-check/report` from the loaded retention reports: how
many ids were reported deleted, how many objects the cross-checks in effect looked at, and the
objects still holding deleted ids. Ids are stored only as salted hashes, so a `sample` lists
hashes (the original listed raw ids); no reports loaded is the original's empty report."""

from __future__ import annotations

from typing import Any

import duckdb

from lineage_assets.retention.views import PREVIEW_IDS, affected_objects

MAX_AFFECTED = 10_000  # objects listed at most; `truncated` says when more were affected


def cross_check_report(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """`{"summary": {deletedIdsTotal, s3ObjectsChecked, affectedObjects}, "affected": [{s3,
    count, sample}], "truncated"}`."""
    deleted = conn.execute("SELECT count(DISTINCT id_hash) FROM retention_deleted_ids").fetchone()
    checked = conn.execute(
        "SELECT count(DISTINCT u.object_uri) FROM retention_id_usage u "
        "JOIN retention_reports r USING (report_uri) WHERE r.usage_in_effect AND r.error IS NULL"
    ).fetchone()
    objects = affected_objects(conn)
    return {
        "summary": {
            "deletedIdsTotal": deleted[0] if deleted else 0,
            "s3ObjectsChecked": checked[0] if checked else 0,
            "affectedObjects": len(objects),
        },
        "affected": [
            {
                "s3": o.object_uri,
                "count": len(o.id_hashes),
                "sample": list(o.id_hashes[:PREVIEW_IDS]),
            }
            for o in objects[:MAX_AFFECTED]
        ],
        "truncated": len(objects) > MAX_AFFECTED,
    }
