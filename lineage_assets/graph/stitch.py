"""Inferred edges that join the sources into one graph, written as source `graph:stitching`,
from the edges and the columns each source knows per node only:

- the same location spelled differently, and prefixes that contain each other;
- a table's location back to the table;
- columns with the same name across those joins (table ↔ its location, a step's input ↔ its
  output), so column lineage, and PII, continue from SQL through S3 into pipelines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import (
    column_node,
    data_node,
    key_of,
    table_node,
)
from lineage_assets.core.uris import ancestors, normalize
from lineage_assets.graph import views

STITCHING_SOURCE = "graph:stitching"


@dataclass(frozen=True)
class Edge:
    """One inferred edge and why it was inferred."""

    source_node: str
    target_node: str
    edge_kind: str
    reason: str

    def row(self) -> dict[str, str]:
        """The edge as an `inferred_edges` row."""
        return {
            "source_node": self.source_node,
            "target_node": self.target_node,
            "edge_kind": self.edge_kind,
            "reason": self.reason,
        }


def data_nodes(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Every `data:` node any source mentions, plus every sampled dataset."""
    return views.data_nodes(conn, STITCHING_SOURCE)


def _location_key(node: str) -> str:
    """Data nodes that are one location share their columns (`s3a://b/p/` = `s3://b/p`)."""
    uri = key_of(node, NodeKind.DATA)
    return node if uri is None else data_node(normalize(uri))


def location_edges(nodes: Iterable[str]) -> list[Edge]:
    """Same location spelled twice (both ways), and prefix containment (both ways)."""
    by_location: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_location[normalize(key_of(node, NodeKind.DATA) or node)].append(node)
    edges = []
    for spellings in by_location.values():
        for a in spellings:
            edges += [Edge(a, b, "same_data", "same location") for b in spellings if b != a]
    for location, spellings in by_location.items():
        for parent in ancestors(location):
            for outer in by_location.get(parent, []):
                for inner in spellings:
                    edges.append(Edge(outer, inner, "contains", f"{parent} contains {location}"))
                    edges.append(Edge(inner, outer, "part_of", f"{location} is in {parent}"))
    return edges


def table_data_edges(locations: list[views.TableLocation]) -> list[Edge]:
    """A table's location back to the table (the view has table → data): the table *is* that
    data, so walks cross in both directions."""
    return [
        Edge(data_node(uri), table_node(table), "location_of", f"LOCATION of {table}")
        for table, uri, direction in locations
        if direction == "location"
    ]


def _alias_pairs(
    conn: duckdb.DuckDBPyConnection, location: list[Edge], locations: list[views.TableLocation]
) -> list[tuple[str, str, str]]:
    """(from, to, why) node pairs whose same-named columns carry the same values."""
    pairs = [(e.source_node, e.target_node, e.edge_kind) for e in location]
    for table, uri, direction in locations:
        if direction == "copy":
            pairs.append((data_node(uri), table_node(table), direction))
        else:
            pairs.append((table_node(table), data_node(uri), direction))
            if direction == "location":  # the table *is* the data: both ways
                pairs.append((data_node(uri), table_node(table), direction))
    pairs += [(p.read, p.written, f"through {p.step}") for p in views.step_passages(conn)]
    return pairs


def column_edges(
    conn: duckdb.DuckDBPyConnection, location: list[Edge], locations: list[views.TableLocation]
) -> list[Edge]:
    """Same-named columns across tables, locations and steps (identity by name)."""
    columns: dict[str, set[str]] = defaultdict(set)
    for node, names in views.node_columns(conn).items():
        columns[_location_key(node)] |= names
    edges = []
    for source, target, why in _alias_pairs(conn, location, locations):
        shared = columns.get(_location_key(source), set()) & columns.get(
            _location_key(target), set()
        )
        for name in sorted(shared):
            edges.append(
                Edge(column_node(source, name), column_node(target, name), "column_match", why)
            )
    return edges


def stitch(conn: duckdb.DuckDBPyConnection) -> list[Edge]:
    """All inferred edges of the store as it is now (deduplicated, stable order)."""
    location = location_edges(data_nodes(conn))
    locations = views.table_locations(conn)
    edges = [
        *location,
        *table_data_edges(locations),
        *column_edges(conn, location, locations),
    ]
    unique = {(e.source_node, e.target_node, e.edge_kind): e for e in edges}
    return [unique[k] for k in sorted(unique)]
