"""Build the graph inside the store: inferred edges first, then PII tags and exposure on top
of them. Each result is one source, replaced atomically, so readers never see half a build."""

from __future__ import annotations

from dataclasses import dataclass

from lineage_assets.graph.pii import (
    PII_SOURCE,
    Exposure,
    Tag,
    carrying_edges,
    exposures,
    propagate,
    seeds,
)
from lineage_assets.graph.stitch import STITCHING_SOURCE, Edge, stitch
from lineage_assets.store import LineageStore, SourceRecords


@dataclass(frozen=True)
class GraphBuild:
    """What one build inferred and found."""

    inferred: list[Edge]
    tags: list[Tag]
    exposures: list[Exposure]


def build_graph(store: LineageStore, run_id: str | None = None) -> GraphBuild:
    """Stitch the sources, propagate PII, and store both (two atomic replaces)."""
    inferred = stitch(store.conn)
    store.replace_source(
        SourceRecords(STITCHING_SOURCE, "graph", "inferred edges").add(
            "inferred_edges", [edge.row() for edge in inferred]
        ),
        run_id,
    )
    tags = propagate(seeds(store.conn), carrying_edges(store.conn))
    found = exposures(store.conn, tags)
    records = SourceRecords(PII_SOURCE, "graph", "PII propagation")
    records.add("pii_tags", [tag.row() for tag in tags])
    records.add("pii_exposure_paths", [exposure.row() for exposure in found])
    store.replace_source(records, run_id)
    return GraphBuild(inferred, tags, found)
