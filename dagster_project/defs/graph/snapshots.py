"""Saving the snapshots of one graph build, one scope at a time (the global graph, then each
crawled pipeline's document as the contract builds it), so one is in memory at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.metadata import code
from lineage_assets.api.links import viewer_url

if TYPE_CHECKING:  # the library loads when a run builds the graph, not with the code location
    from lineage_assets.graph.snapshot import SavedSnapshot
    from lineage_assets.store import LineageStore

PICTURES = 6  # pipelines drawn in the metadata (the rest are in the snapshot files)
MAX_LISTED = 100  # warnings and failures listed in the metadata (all are in the snapshots)
MAX_TABLE_ROWS = 500  # snapshots in the metadata table (changed and warned first)


def bounded_diff(diff: dict[str, list[Any]]) -> dict[str, Any]:
    """A scope's diff as it is when small; else each list's length and its first `MAX_LISTED`
    items (the first crawl adds every node, and the event log keeps metadata forever)."""
    if sum(len(items) for items in diff.values()) <= MAX_LISTED:
        return diff
    return {key: {"count": len(items), "first": items[:MAX_LISTED]} for key, items in diff.items()}


@dataclass
class SnapshotReport:
    """What one build saved, kept small: one pipeline snapshot is in memory at a time."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    unsaved: list[str] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    pictures: list[str] = field(default_factory=list)

    def add(self, saved: SavedSnapshot, document: dict[str, Any]) -> None:
        """Record one saved snapshot."""
        messages = [str(w) for w in document.get("warnings") or []]
        self.warnings[saved.scope] = messages
        if saved.changed and len(self.changes) < MAX_LISTED:
            self.changes[saved.scope] = bounded_diff(saved.diff)
        self.rows.append(
            {
                "scope": saved.scope,
                "changed": saved.changed,
                "hash": saved.content_hash[:12],
                "nodes_added": len(saved.diff["nodes_added"]),
                "edges_added": len(saved.diff["edges_added"]),
                "edges_removed": len(saved.diff["edges_removed"]),
                "pii_changed": len(saved.diff["pii_changed"]),
                "warnings": len(messages),
            }
        )

    def table_rows(self) -> list[dict[str, Any]]:
        """Changed snapshots first, then those with warnings, at most `MAX_TABLE_ROWS`."""
        ranked = sorted(self.rows, key=lambda r: (not r["changed"], not r["warnings"]))
        return ranked[:MAX_TABLE_ROWS]


def save_snapshots(
    store: LineageStore,
    documents: Iterator[tuple[str, dict[str, Any]]],
    folder: Path,
    run_id: str | None,
    viewer_base: str,
) -> SnapshotReport:
    """Save every scope's snapshot as it is built; one that cannot be written (a full disk, a
    file system refusing the name) is reported and left for the next run, the others saved."""
    from lineage_assets.graph import snapshot

    report = SnapshotReport()
    for scope, document in documents:
        try:
            saved = snapshot.save(store, scope, document, folder, run_id)
        except (OSError, ValueError) as error:
            report.unsaved.append(f"{scope}: {type(error).__name__}: {error}")
            continue
        report.add(saved, document)
        if scope != snapshot.GLOBAL_SCOPE and len(report.pictures) < PICTURES:
            report.pictures.append(picture(scope, document, viewer_base))
    return report


def picture(scope: str, document: dict[str, Any], viewer_base: str) -> str:
    """One pipeline's picture as markdown: its name as text, a link to its interactive page in
    the viewer, the drawing as a data URI."""
    from lineage_assets.graph import svg
    from lineage_assets.sagemaker.inventory import parse_pipeline_source_key

    pipeline = document.get("pipeline") or {}
    account, _, _ = parse_pipeline_source_key(str(pipeline.get("sourceKey", ""))) or (None,) * 3
    link = viewer_url(
        viewer_base, pipeline.get("name", ""), pipeline.get("region"), account=account
    )
    return (
        f"**{code(scope)}** ([open in the lineage viewer]({link}))\n\n"
        f"![pipeline]({svg.data_uri(svg.render(document, 'both'))})"
    )
