"""The final asset: stitch every source into one graph, propagate PII, save snapshots that
changed, and show the result (summary, diff, pictures) in the Dagster UI."""

import dagster as dg

from dagster_project.assets.store import SOURCE_ASSET_KEYS, crawl_run, run_trigger
from dagster_project.metadata import bullets, listing_check, table
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource
from lineage_assets.graph import snapshot, svg
from lineage_assets.graph.build import build_graph

GRAPH_GROUP = "graph"
PICTURES = 6  # pipelines drawn in the metadata (the rest are in the snapshot files)
# Metadata lives forever in Dagster's event log: larger snapshots are linked, not embedded.
MAX_EMBEDDED_SNAPSHOT = 200_000


def _pipeline_keys(conn) -> list[str]:
    return [
        k
        for (k,) in conn.execute(
            "SELECT source_key FROM sagemaker_pipelines ORDER BY source_key"
        ).fetchall()
    ]


def _embedded(document: dict, folder) -> dg.MetadataValue:
    """The global snapshot as JSON in the UI, or its file when it is too large to embed."""
    if len(snapshot.canonical(document)) <= MAX_EMBEDDED_SNAPSHOT:
        return dg.MetadataValue.json(document)
    return dg.MetadataValue.path(str(folder / "global.json"))


def _summary_markdown(build, saved, stale) -> str:
    """Counts, PII exposure and stale sources, as markdown the UI renders."""
    exposed = [e for e in build.exposures if e.node_kind in ("feature_group", "model_package")]
    lines = [
        f"**{len(build.inferred)}** inferred edges, **{len(build.tags)}** PII column tags, "
        f"**{len(saved)}** snapshots ({sum(s.changed for s in saved)} changed).",
        "",
        "| exposed | how | PII | via |",
        "|---|---|---|---|",
        *[
            f"| `{e.node}` | {e.exposure} | {', '.join(e.pii_classes)} | `{e.via_node}` |"
            for e in exposed
        ],
        "",
        f"**Stale sources:** {len(stale)}",
        *[f"- `{key}`: {error}" for key, error in stale],
    ]
    return "\n".join(lines)


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
        saved = [snapshot.save(store, s, d, folder, run_id) for s, d in documents.items()]
        stale = store.conn.execute(
            "SELECT source_key, last_error FROM stale_sources ORDER BY 1"
        ).fetchall()
        store.publish()
    pictures = [
        f"**{scope}**\n\n![{scope}]({svg.data_uri(svg.render(document, 'both'))})"
        for scope, document in list(documents.items())[1 : PICTURES + 1]
    ]
    changes = {s.scope: s.diff for s in saved if s.changed}
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(_summary_markdown(build, saved, stale)),
            "snapshots": table(
                {
                    "scope": s.scope,
                    "changed": s.changed,
                    "hash": s.content_hash[:12],
                    "nodes_added": len(s.diff["nodes_added"]),
                    "edges_added": len(s.diff["edges_added"]),
                    "edges_removed": len(s.diff["edges_removed"]),
                    "pii_changed": len(s.diff["pii_changed"]),
                }
                for s in saved
            ),
            "diff": dg.MetadataValue.json(changes),
            "snapshot": _embedded(documents[snapshot.GLOBAL_SCOPE], folder),
            "global_counts": dg.MetadataValue.json(
                {
                    "nodes": len(documents[snapshot.GLOBAL_SCOPE]["nodes"]),
                    "edges": len(documents[snapshot.GLOBAL_SCOPE]["edges"]),
                    "pii_exposure": len(documents[snapshot.GLOBAL_SCOPE]["piiExposure"]),
                }
            ),
            "pictures": dg.MetadataValue.md("\n\n".join(pictures) or "no pipelines crawled"),
            "snapshot_folder": dg.MetadataValue.path(str(folder)),
            "pii_exposure": bullets(
                f"`{e.node}` {e.exposure} {', '.join(e.pii_classes)}"
                for e in build.exposures
                if e.node_kind in ("feature_group", "model_package")
            ),
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
