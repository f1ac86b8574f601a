"""The final asset: stitch every source into one graph, propagate PII, save snapshots that
changed, and show the result (summary, diff, pictures, pipeline warnings) in the Dagster UI."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, code, listing_check, table
from dagster_project.names import GRAPH_GROUP, SOURCE_ASSET_KEYS
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource
from lineage_assets import config
from lineage_assets.api.links import viewer_url

if TYPE_CHECKING:  # the library loads when a run builds the graph, not with the code location
    from lineage_assets.graph.build import GraphBuild
    from lineage_assets.graph.snapshot import SavedSnapshot

PICTURES = 6  # pipelines drawn in the metadata (the rest are in the snapshot files)
# Metadata lives forever in Dagster's event log: larger snapshots are linked, not embedded.
MAX_EMBEDDED_SNAPSHOT = 200_000
MAX_LISTED = 100  # warnings and failures listed in the metadata (all are in the snapshots)
MAX_TABLE_ROWS = 500  # snapshots in the metadata table (changed and warned first)
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


def _embedded(document: dict, folder: Path) -> dg.MetadataValue:
    """The global snapshot as JSON in the UI, or its file when it is too large to embed."""
    from lineage_assets.graph import snapshot

    if len(snapshot.canonical(document)) <= MAX_EMBEDDED_SNAPSHOT:
        return dg.MetadataValue.json(document)
    return dg.MetadataValue.path(str(snapshot.file_path(folder, snapshot.GLOBAL_SCOPE)))


def _summary_markdown(
    build: "GraphBuild", report: "SnapshotReport", stale: list[tuple[str, str]]
) -> str:
    """Counts, PII exposure and stale sources, as markdown the UI renders."""
    exposed = [e for e in build.exposures if e.node_kind in ("feature_group", "model_package")]
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
        *[f"- {code(key)}: {code(error or '')}" for key, error in stale[:MAX_LISTED]],
    ]
    return "\n".join(lines)


WARNING_COLUMNS = ("pipeline", "execution", "code", "message")


def pipeline_warnings(conn: Any, carried: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every warning the crawl stored per pipeline (definitions that are not JSON, empty,
    cyclic or name missing steps; unreadable executions, jobs, reports), and any other one a
    pipeline snapshot carries (`carried`: scope → messages), once each, in pipeline order."""
    rows = [
        {"pipeline": key, "execution": arn or "", "code": code, "message": message}
        for key, arn, code, message in conn.execute(
            "SELECT source_key, execution_arn, code, message FROM sagemaker_pipeline_warnings "
            "ORDER BY source_key, execution_arn NULLS FIRST, code, message"
        ).fetchall()
    ]
    seen = {(row["pipeline"], row["message"]) for row in rows}
    for scope, messages in carried.items():
        for message in messages:
            if (scope, message) not in seen:
                seen.add((scope, message))
                rows.append({"pipeline": scope, "execution": "", "code": "", "message": message})
    return sorted(rows, key=lambda row: row["pipeline"])


def bounded_diff(diff: dict[str, list]) -> dict[str, Any]:
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

    def add(self, saved: "SavedSnapshot", document: dict[str, Any]) -> None:
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
    store: Any,
    documents: Iterator[tuple[str, dict[str, Any]]],
    folder: Path,
    run_id: str | None,
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
            report.pictures.append(_picture(scope, document))
    return report


def _picture(scope: str, document: dict[str, Any]) -> str:
    """One pipeline's picture as markdown: its name as text, a link to its interactive page in
    the viewer, the drawing as a data URI."""
    from lineage_assets.graph import svg

    pipeline = document.get("pipeline") or {}
    link = viewer_url(config.api_url(), pipeline.get("name", ""), pipeline.get("region"))
    return (
        f"**{code(scope)}** ([open in the lineage viewer]({link}))\n\n"
        f"![pipeline]({svg.data_uri(svg.render(document, 'both'))})"
    )


@dg.asset(
    deps=[crawl_run, *SOURCE_ASSET_KEYS],
    group_name=GRAPH_GROUP,
    kinds={"duckdb", "json", "svg"},
    pool=DUCKDB_POOL,
    description="One lineage graph across SQL, S3, SageMaker, feature groups and models, with "
    "PII propagation; JSON snapshots per pipeline and global, saved when they change.",
)
def lineage_graph(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource
) -> dg.MaterializeResult:
    from lineage_assets.contract.snapshots import pipeline_documents
    from lineage_assets.graph import snapshot
    from lineage_assets.graph.build import build_graph

    folder = lineage_store.home / "graph"
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        build = build_graph(store, run_id)
        global_document = snapshot.global_graph(store.conn)
        snapshot.sweep_temporary(folder)
        documents = chain(
            [(snapshot.GLOBAL_SCOPE, global_document)], pipeline_documents(store.conn)
        )
        report = save_snapshots(store, documents, folder, run_id)
        warnings = pipeline_warnings(store.conn, report.warnings)
        stale = store.conn.execute(
            "SELECT source_key, last_error FROM stale_sources ORDER BY 1"
        ).fetchall()
        store.publish()
    for line in report.unsaved:
        context.log.error("snapshot not saved, retried next run: %s", line)
    exposed = [e for e in build.exposures if e.node_kind in ("feature_group", "model_package")]
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(_summary_markdown(build, report, stale)),
            "snapshots": table(report.table_rows(), SNAPSHOT_COLUMNS),
            "snapshot_count": len(report.rows),
            "diff": dg.MetadataValue.json(report.changes),
            "snapshot": _embedded(global_document, folder),
            "global_counts": dg.MetadataValue.json(
                {
                    "nodes": len(global_document["nodes"]),
                    "edges": len(global_document["edges"]),
                    "pii_exposure": len(global_document["piiExposure"]),
                }
            ),
            "pictures": dg.MetadataValue.md("\n\n".join(report.pictures) or "no pipelines crawled"),
            "snapshot_folder": dg.MetadataValue.path(str(folder)),
            "viewer": dg.MetadataValue.url(config.api_url() + "/"),
            "pii_exposure": bullets(
                f"{code(e.node)} {e.exposure} {code(', '.join(e.pii_classes))}"
                for e in exposed[:MAX_LISTED]
            ),
            "pipeline_warnings": table(warnings[:MAX_LISTED], WARNING_COLUMNS),
            "pipeline_warning_count": len(warnings),
            "snapshots_not_saved": bullets(code(line) for line in report.unsaved[:MAX_LISTED]),
        }
    )


@dg.asset_check(
    asset=lineage_graph,
    description="Fails when an approved model package was trained on unmasked personal data.",
)
def no_approved_model_trained_on_pii(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        rows = conn.execute(
            "SELECT node, pii_classes, via_node FROM pii_exposure WHERE exposure = 'trained_on' "
            "AND approval_status = 'Approved' ORDER BY node"
        ).fetchall()
    return listing_check(
        rows,
        lambda row: f"{code(row[0])} ({code(', '.join(row[1]))}) via {code(row[2])}",
        severity=dg.AssetCheckSeverity.ERROR,
        count="approved_on_pii",
    )
