"""The final asset: stitch every source into one graph, propagate PII, save snapshots that
changed, and show the result (summary, diff, pictures, pipeline warnings) in the Dagster UI."""

from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, listing_check, table
from dagster_project.names import GRAPH_GROUP, SOURCE_ASSET_KEYS
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource
from lineage_assets.graph import snapshot, svg
from lineage_assets.graph.build import GraphBuild, build_graph

PICTURES = 6  # pipelines drawn in the metadata (the rest are in the snapshot files)
# Metadata lives forever in Dagster's event log: larger snapshots are linked, not embedded.
MAX_EMBEDDED_SNAPSHOT = 200_000
MAX_LISTED = 100  # warnings and failures listed in the metadata (all are in the snapshots)
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


def _pipeline_keys(conn: Any) -> list[str]:
    return [
        k
        for (k,) in conn.execute(
            "SELECT source_key FROM sagemaker_pipelines ORDER BY source_key"
        ).fetchall()
    ]


def _code(text: str) -> str:
    """Any text (a pipeline name, a node id) as one markdown code span that it cannot leave."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def _embedded(document: dict, folder: Path) -> dg.MetadataValue:
    """The global snapshot as JSON in the UI, or its file when it is too large to embed."""
    if len(snapshot.canonical(document)) <= MAX_EMBEDDED_SNAPSHOT:
        return dg.MetadataValue.json(document)
    return dg.MetadataValue.path(str(snapshot.file_path(folder, snapshot.GLOBAL_SCOPE)))


def _summary_markdown(
    build: GraphBuild,
    saved: list[snapshot.SavedSnapshot],
    stale: list[tuple[str, str]],
    unsaved: list[str],
) -> str:
    """Counts, PII exposure and stale sources, as markdown the UI renders."""
    exposed = [e for e in build.exposures if e.node_kind in ("feature_group", "model_package")]
    lines = [
        f"**{len(build.inferred)}** inferred edges, **{len(build.tags)}** PII column tags, "
        f"**{len(saved)}** snapshots ({sum(s.changed for s in saved)} changed, "
        f"{len(unsaved)} not saved).",
        "",
        "| exposed | how | PII | via |",
        "|---|---|---|---|",
        *[
            f"| {_code(e.node)} | {e.exposure} | {', '.join(e.pii_classes)} | {_code(e.via_node)} |"
            for e in exposed
        ],
        "",
        f"**Stale sources:** {len(stale)}",
        *[f"- {_code(key)}: {_code(error or '')}" for key, error in stale[:MAX_LISTED]],
    ]
    return "\n".join(lines)


WARNING_COLUMNS = ("pipeline", "execution", "code", "message")


def pipeline_warnings(conn: Any, documents: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Every warning the crawl stored per pipeline (definitions that are not JSON, empty,
    cyclic or name missing steps; unreadable executions, jobs, reports), and any other one a
    pipeline snapshot carries, once each, in pipeline order."""
    rows = [
        {"pipeline": key, "execution": arn or "", "code": code, "message": message}
        for key, arn, code, message in conn.execute(
            "SELECT source_key, execution_arn, code, message FROM sagemaker_pipeline_warnings "
            "ORDER BY source_key, execution_arn NULLS FIRST, code, message"
        ).fetchall()
    ]
    seen = {(row["pipeline"], row["message"]) for row in rows}
    for scope, document in documents.items():
        for warning in document.get("warnings") or []:
            if (scope, str(warning)) not in seen:
                seen.add((scope, str(warning)))
                rows.append(
                    {
                        "pipeline": scope,
                        "execution": "",
                        "code": getattr(warning, "code", ""),
                        "message": str(warning),
                    }
                )
    return sorted(rows, key=lambda row: row["pipeline"])


def save_snapshots(
    store: Any, documents: dict[str, dict[str, Any]], folder: Path, run_id: str | None
) -> tuple[list[snapshot.SavedSnapshot], list[str]]:
    """Save every scope's snapshot; one that cannot be written (a full disk, a file system
    refusing the name) is reported and left for the next run, the others are saved."""
    saved, unsaved = [], []
    for scope, document in documents.items():
        try:
            saved.append(snapshot.save(store, scope, document, folder, run_id))
        except (OSError, ValueError) as error:
            unsaved.append(f"{scope}: {type(error).__name__}: {error}")
    return saved, unsaved


def _picture(scope: str, document: dict[str, Any]) -> str:
    """One pipeline's picture as markdown: its name as text, the drawing as a data URI."""
    return f"**{_code(scope)}**\n\n![pipeline]({svg.data_uri(svg.render(document, 'both'))})"


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
    folder = lineage_store.home / "graph"
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        build = build_graph(store, run_id)
        documents = {snapshot.GLOBAL_SCOPE: snapshot.global_graph(store.conn)}
        for key in _pipeline_keys(store.conn):
            if (document := snapshot.pipeline_graph(store.conn, key)) is not None:
                documents[key] = document
        saved, unsaved = save_snapshots(store, documents, folder, run_id)
        warnings = pipeline_warnings(store.conn, documents)
        stale = store.conn.execute(
            "SELECT source_key, last_error FROM stale_sources ORDER BY 1"
        ).fetchall()
        store.publish()
    for line in unsaved:
        context.log.error("snapshot not saved, retried next run: %s", line)
    pictures = [_picture(scope, doc) for scope, doc in list(documents.items())[1 : PICTURES + 1]]
    changes = {s.scope: s.diff for s in saved if s.changed}
    global_document = documents[snapshot.GLOBAL_SCOPE]
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(_summary_markdown(build, saved, stale, unsaved)),
            "snapshots": table(
                (
                    {
                        "scope": s.scope,
                        "changed": s.changed,
                        "hash": s.content_hash[:12],
                        "nodes_added": len(s.diff["nodes_added"]),
                        "edges_added": len(s.diff["edges_added"]),
                        "edges_removed": len(s.diff["edges_removed"]),
                        "pii_changed": len(s.diff["pii_changed"]),
                        "warnings": len(documents[s.scope].get("warnings") or []),
                    }
                    for s in saved
                ),
                SNAPSHOT_COLUMNS,
            ),
            "diff": dg.MetadataValue.json(changes),
            "snapshot": _embedded(global_document, folder),
            "global_counts": dg.MetadataValue.json(
                {
                    "nodes": len(global_document["nodes"]),
                    "edges": len(global_document["edges"]),
                    "pii_exposure": len(global_document["piiExposure"]),
                }
            ),
            "pictures": dg.MetadataValue.md("\n\n".join(pictures) or "no pipelines crawled"),
            "snapshot_folder": dg.MetadataValue.path(str(folder)),
            "pii_exposure": bullets(
                f"{_code(e.node)} {e.exposure} {', '.join(e.pii_classes)}"
                for e in build.exposures
                if e.node_kind in ("feature_group", "model_package")
            ),
            "pipeline_warnings": table(warnings[:MAX_LISTED], WARNING_COLUMNS),
            "pipeline_warning_count": len(warnings),
            "snapshots_not_saved": bullets(_code(line) for line in unsaved[:MAX_LISTED]),
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
        lambda row: f"`{row[0]}` ({', '.join(row[1])}) via `{row[2]}`",
        severity=dg.AssetCheckSeverity.ERROR,
        count="approved_on_pii",
    )
