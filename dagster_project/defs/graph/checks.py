"""Checks of the lineage graph, reading the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.metadata import code, listing_check
from dagster_project.names import LINEAGE_GRAPH
from dagster_project.resources import LineageStoreResource


@dg.asset_check(
    asset=LINEAGE_GRAPH,
    description="Fails when an approved model package was trained on unmasked personal data.",
)
def no_approved_model_trained_on_pii(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    from lineage_assets.graph.views import approved_models_trained_on_pii

    with lineage_store.reader() as conn:
        rows = approved_models_trained_on_pii(conn)
    return listing_check(
        rows,
        lambda row: (
            f"{code(row.node)} ({code(', '.join(row.pii_classes))}) via {code(row.via_node)}"
        ),
        severity=dg.AssetCheckSeverity.ERROR,
        count="approved_on_pii",
    )
