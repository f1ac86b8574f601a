"""What the graph asset shows in the UI: a summary (counts, PII exposure, stale sources), the
saved snapshots and their diffs, the global snapshot or its file, and pipeline warnings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.defs.graph.snapshots import MAX_LISTED, SnapshotReport
from dagster_project.metadata import code

if TYPE_CHECKING:
    import duckdb

    from lineage_assets.graph.build import GraphBuild
    from lineage_assets.store.views import StaleSource

# Metadata lives forever in Dagster's event log: larger snapshots are linked, not embedded.
MAX_EMBEDDED_SNAPSHOT = 200_000
SNAPSHOT_COLUMNS = (
    "scope",
    "changed",
    "hash",
    "nodes_added",
    "edges_added",
    "edges_removed",
    "pii_changed",
    "warnings",
)
WARNING_COLUMNS = ("pipeline", "execution", "code", "message")
# Node kinds whose PII exposure the summary lists (where personal data leaves the warehouse).
EXPOSED_KINDS = ("feature_group", "model_package")


def embedded(document: dict[str, Any], folder: Path) -> dg.MetadataValue:
    """The global snapshot as JSON in the UI, or its file when it is too large to embed."""
    from lineage_assets.graph import snapshot

    if len(snapshot.canonical(document)) <= MAX_EMBEDDED_SNAPSHOT:
        return dg.MetadataValue.json(document)
    return dg.MetadataValue.path(str(snapshot.file_path(folder, snapshot.GLOBAL_SCOPE)))


def summary_markdown(
    build: GraphBuild, report: SnapshotReport, stale: Sequence[StaleSource]
) -> str:
    """Counts, PII exposure and stale sources, as markdown the UI renders."""
    exposed = [e for e in build.exposures if e.node_kind in EXPOSED_KINDS]
    changed = sum(row["changed"] for row in report.rows)
    lines = [
        f"**{len(build.inferred)}** inferred edges, **{len(build.tags)}** PII column tags, "
        f"**{len(report.rows)}** snapshots ({changed} changed, "
        f"{len(report.unsaved)} not saved).",
        "",
        "| exposed | how | PII | via |",
        "|---|---|---|---|",
        *[
            f"| {code(e.node)} | {e.exposure} | {code(', '.join(e.pii_classes))} "
            f"| {code(e.via_node)} |"
            for e in exposed[:MAX_LISTED]
        ],
        "",
        f"**Stale sources:** {len(stale)}",
        *[f"- {code(s.source_key)}: {code(s.last_error or '')}" for s in stale[:MAX_LISTED]],
    ]
    return "\n".join(lines)


def pipeline_warnings(
    conn: duckdb.DuckDBPyConnection, carried: dict[str, list[str]]
) -> list[dict[str, str]]:
    """Every warning the crawl stored per pipeline (definitions that are not JSON, empty,
    cyclic or name missing steps; unreadable executions, jobs, reports), and any other one a
    pipeline snapshot carries (`carried`: scope → messages), once each, in pipeline order."""
    from lineage_assets.sagemaker.views import pipeline_warnings as stored_warnings

    rows = [
        {
            "pipeline": w.source_key,
            "execution": w.execution_arn or "",
            "code": w.code,
            "message": w.message,
        }
        for w in stored_warnings(conn)
    ]
    seen = {(row["pipeline"], row["message"]) for row in rows}
    for scope, messages in carried.items():
        for message in messages:
            if (scope, message) not in seen:
                seen.add((scope, message))
                rows.append({"pipeline": scope, "execution": "", "code": "", "message": message})
    return sorted(rows, key=lambda row: row["pipeline"])
