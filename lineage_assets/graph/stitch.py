"""Inferred edges that join the sources into one graph, written as source `graph:stitching`:

- the same location spelled differently, and prefixes that contain each other;
- Athena/Redshift QueryString inputs of pipeline steps to the tables they read;
- a feature group to its offline data, a model package to its model data, an execution to
  the steps it ran;
- columns with the same name across those joins (table ↔ its location, a step's input ↔ its
  output), so column lineage, and PII, continue from SQL through S3 into pipelines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lineage_assets.core.ids import column_node
from lineage_assets.core.uris import ancestors, normalize
from lineage_assets.sql import extract_lineage

STITCHING_SOURCE = "graph:stitching"
QUERY_DIALECTS = {"athena": "athena", "redshift": "redshift"}


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


def _rows(conn: Any, sql: str, params: list | None = None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


def data_nodes(conn: Any) -> set[str]:
    """Every `data:` node any source mentions, plus every sampled dataset."""
    nodes = _rows(
        conn,
        "SELECT source_node FROM lineage_edge_index WHERE source_key <> ? "
        "UNION SELECT target_node FROM lineage_edge_index WHERE source_key <> ? "
        "UNION SELECT 'data:' || dataset_uri FROM s3_datasets",
        [STITCHING_SOURCE, STITCHING_SOURCE],
    )
    return {n for (n,) in nodes if n and n.startswith("data:")}


def location_edges(nodes: Iterable[str]) -> list[Edge]:
    """Same location spelled twice (both ways), and prefix containment (both ways)."""
    by_location: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_location[normalize(node.removeprefix("data:"))].append(node)
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


def query_edges(conn: Any) -> list[Edge]:
    """Tables read by the Athena/Redshift queries that feed pipeline steps."""
    queries = _rows(
        conn,
        "SELECT DISTINCT region, pipeline_name, step_name, data_kind, query_string "
        "FROM sagemaker_step_io WHERE query_string IS NOT NULL",
    )
    edges = []
    for region, pipeline, step, kind, query in queries:
        lineage = extract_lineage(query, QUERY_DIALECTS.get(str(kind).lower()))
        target = f"step:{region}/{pipeline}/{step}"
        reason = f"{kind or 'SQL'} query of {pipeline}/{step}"
        edges += [Edge(f"table:{t}", target, "query", reason) for t in lineage.sources]
    return edges


def table_data_edges(conn: Any) -> list[Edge]:
    """A table's location back to the table (the view has table → data): the table *is* that
    data, so walks cross in both directions."""
    return [
        Edge(f"data:{uri}", f"table:{table}", "location_of", f"LOCATION of {table}")
        for table, uri in _rows(
            conn,
            "SELECT DISTINCT table_name, location_uri FROM table_locations "
            "WHERE direction = 'location'",
        )
    ]


def execution_edges(conn: Any) -> list[Edge]:
    """Each crawled execution to the steps it ran (status in the reason), so runs are nodes."""
    rows = _rows(
        conn,
        "SELECT DISTINCT r.execution_arn, p.region, p.pipeline_name, r.step_name, r.status "
        "FROM sagemaker_step_runs r JOIN sagemaker_pipelines p USING (source_key)",
    )
    return [
        Edge(f"execution:{arn}", f"step:{region}/{pipeline}/{step}", "ran", status or "unknown")
        for arn, region, pipeline, step, status in rows
    ]


def catalog_edges(conn: Any) -> list[Edge]:
    """Feature group → its offline data; model data → its model package."""
    edges = [
        Edge(f"feature_group:{region}/{name}", f"data:{uri}", "feature_group_data", name)
        for region, name, uri in _rows(
            conn,
            "SELECT region, feature_group_name, coalesce(resolved_offline_uri, offline_store_uri) "
            "FROM feature_groups WHERE coalesce(resolved_offline_uri, offline_store_uri) "
            "IS NOT NULL",
        )
    ]
    edges += [
        Edge(f"data:{url}", f"model_package:{arn}", "model_data", f"ModelDataUrl of {arn}")
        for arn, url in _rows(
            conn,
            "SELECT model_package_arn, model_data_url FROM sagemaker_model_packages "
            "WHERE model_data_url IS NOT NULL",
        )
    ]
    return edges


def node_columns(conn: Any) -> dict[str, set[str]]:
    """Known column names per table or data node (SQL usage, sampled schemas, features)."""
    columns: dict[str, set[str]] = defaultdict(set)
    for table, column in _rows(
        conn,
        "SELECT target_table, target_column FROM column_edges "
        "UNION SELECT source_table, source_column FROM column_edges "
        "WHERE source_table IS NOT NULL",
    ):
        if column != "*":
            columns[f"table:{table}"].add(column)
    for uri, column in _rows(
        conn,
        "SELECT c.dataset_uri, c.column_path FROM s3_schema_columns c "
        "JOIN s3_datasets d ON d.dataset_uri = c.dataset_uri AND d.schema_version = c.version",
    ):
        columns[f"data:{uri}"].add(column)
    for uri, feature in _rows(
        conn,
        "SELECT coalesce(g.resolved_offline_uri, g.offline_store_uri), f.feature_name "
        "FROM features f JOIN feature_groups g USING (source_key, feature_group_name)",
    ):
        if uri:
            columns[f"data:{uri}"].add(feature)
    return columns


def _alias_pairs(conn: Any, location: list[Edge]) -> list[tuple[str, str, str]]:
    """(from, to, why) node pairs whose same-named columns carry the same values."""
    pairs = [(e.source_node, e.target_node, e.edge_kind) for e in location]
    for table, uri, direction in _rows(
        conn, "SELECT DISTINCT table_name, location_uri, direction FROM table_locations"
    ):
        if direction == "copy":
            pairs.append((f"data:{uri}", f"table:{table}", direction))
        else:
            pairs.append((f"table:{table}", f"data:{uri}", direction))
            if direction == "location":  # the table *is* the data: both ways
                pairs.append((f"data:{uri}", f"table:{table}", direction))
    steps = _rows(
        conn,
        "SELECT i.source_node, o.target_node, i.target_node FROM lineage_edge_index i "
        "JOIN lineage_edge_index o ON o.source_node = i.target_node "
        "WHERE i.edge_kind = 'read' AND o.edge_kind = 'write'",
    )
    pairs += [(read, written, f"through {step}") for read, written, step in steps]
    return pairs


def _location_key(node: str) -> str:
    """Data nodes that are one location share their columns (`s3a://b/p/` = `s3://b/p`)."""
    return "data:" + normalize(node.removeprefix("data:")) if node.startswith("data:") else node


def column_edges(conn: Any, location: list[Edge]) -> list[Edge]:
    """Same-named columns across tables, locations and steps (identity by name)."""
    columns: dict[str, set[str]] = defaultdict(set)
    for node, names in node_columns(conn).items():
        columns[_location_key(node)] |= names
    edges = []
    for source, target, why in _alias_pairs(conn, location):
        shared = columns.get(_location_key(source), set()) & columns.get(
            _location_key(target), set()
        )
        for name in sorted(shared):
            edges.append(
                Edge(column_node(source, name), column_node(target, name), "column_match", why)
            )
    return edges


def stitch(conn: Any) -> list[Edge]:
    """All inferred edges of the store as it is now (deduplicated, stable order)."""
    location = location_edges(data_nodes(conn))
    edges = [
        *location,
        *query_edges(conn),
        *table_data_edges(conn),
        *execution_edges(conn),
        *catalog_edges(conn),
        *column_edges(conn, location),
    ]
    unique = {(e.source_node, e.target_node, e.edge_kind): e for e in edges}
    return [unique[k] for k in sorted(unique)]
