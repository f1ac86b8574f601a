"""The final asset: stitch every source into one graph, propagate PII, save snapshots that
changed, and show the result (summary, diff, pictures, pipeline warnings) in the Dagster UI."""

from itertools import chain

import dagster as dg

from dagster_project.defs.graph.metadata import (
    EXPOSED_KINDS,
    SNAPSHOT_COLUMNS,
    WARNING_COLUMNS,
    embedded,
    pipeline_warnings,
    summary_markdown,
)
from dagster_project.defs.graph.snapshots import MAX_LISTED, save_snapshots
from dagster_project.metadata import bullets, code, table
from dagster_project.names import CRAWL_RUN, GRAPH_GROUP, LINEAGE_GRAPH, SOURCE_ASSET_KEYS
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource
from dagster_project.runs import crawl_run_id


@dg.asset(
    key=LINEAGE_GRAPH,
    deps=[CRAWL_RUN, *SOURCE_ASSET_KEYS],
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
    from lineage_assets.store.views import stale_sources

    folder = lineage_store.home / "graph"
    viewer_base = lineage_store.viewer_base
    with lineage_store.writer() as store:
        run_id = crawl_run_id(store, context)
        build = build_graph(store, run_id)
        global_document = snapshot.global_graph(store.conn)
        snapshot.sweep_temporary(folder)
        documents = chain(
            [(snapshot.GLOBAL_SCOPE, global_document)], pipeline_documents(store.conn)
        )
        report = save_snapshots(store, documents, folder, run_id, viewer_base)
        warnings = pipeline_warnings(store.conn, report.warnings)
        stale = stale_sources(store.conn)
        store.publish()
    for line in report.unsaved:
        context.log.error("snapshot not saved, retried next run: %s", line)
    exposed = [e for e in build.exposures if e.node_kind in EXPOSED_KINDS]
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(summary_markdown(build, report, stale)),
            "snapshots": table(report.table_rows(), SNAPSHOT_COLUMNS),
            "snapshot_count": len(report.rows),
            "diff": dg.MetadataValue.json(report.changes),
            "snapshot": embedded(global_document, folder),
            "global_counts": dg.MetadataValue.json(
                {
                    "nodes": len(global_document["nodes"]),
                    "edges": len(global_document["edges"]),
                    "pii_exposure": len(global_document["piiExposure"]),
                }
            ),
            "pictures": dg.MetadataValue.md("\n\n".join(report.pictures) or "no pipelines crawled"),
            "snapshot_folder": dg.MetadataValue.path(str(folder)),
            "viewer": dg.MetadataValue.url(viewer_base + "/"),
            "pii_exposure": bullets(
                f"{code(e.node)} {e.exposure} {code(', '.join(e.pii_classes))}"
                for e in exposed[:MAX_LISTED]
            ),
            "pipeline_warnings": table(warnings[:MAX_LISTED], WARNING_COLUMNS),
            "pipeline_warning_count": len(warnings),
            "snapshots_not_saved": bullets(code(line) for line in report.unsaved[:MAX_LISTED]),
        }
    )
