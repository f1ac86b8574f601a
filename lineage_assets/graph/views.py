"""Typed reads of what the graph is built from and what it stored: the edges
(`lineage_edge_index`), the SQL column edges, the columns known per node, the PII
classifications and tags, and the saved snapshots."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import key_of, table_column_node


class Edge(NamedTuple):
    """One edge of the index: from, to, and what kind of edge."""

    source_node: str
    target_node: str
    edge_kind: str


class NodeLevelEdge(NamedTuple):
    """An edge between two nodes above column level, with how it is known and whether any
    source that states it is stale."""

    source_node: str
    target_node: str
    edge_kind: str
    provenance: str
    stale: bool


class ColumnFlow(NamedTuple):
    """A direct SQL column edge: a value of `source_table.source_column` written to
    `target_table.target_column` through `transform`."""

    source_table: str
    source_column: str
    target_table: str
    target_column: str
    transform: str | None


class ClassifiedColumn(NamedTuple):
    """A sampled column and its PII class (a user override wins over the classifier)."""

    dataset_uri: str
    column_path: str
    pii_class: str | None


class PiiTagRow(NamedTuple):
    """A stored PII tag: the column's owner node, the column node and the class."""

    owner_node: str
    column_node: str
    pii_class: str


class ExposureRow(NamedTuple):
    """A row of the `pii_exposure` view."""

    node: str
    node_kind: str
    exposure: str
    pii_classes: list[str]
    via_node: str | None
    approval_status: str | None


class TableLocation(NamedTuple):
    """A table and a storage location an edge ties it to (`location`, `unload` or `copy`)."""

    table: str
    uri: str
    direction: str


class StepPassage(NamedTuple):
    """A location a step reads and a location the same step writes."""

    read: str
    written: str
    step: str


def edges(conn: duckdb.DuckDBPyConnection) -> list[Edge]:
    """Every edge of the index."""
    rows = conn.execute("SELECT source_node, target_node, edge_kind FROM lineage_edge_index")
    return [Edge(*row) for row in rows.fetchall()]


def node_level_edges(conn: duckdb.DuckDBPyConnection) -> list[NodeLevelEdge]:
    """Distinct edges between non-column nodes, in order, stale when any stating source is."""
    rows = conn.execute(
        "SELECT e.source_node, e.target_node, e.edge_kind, e.provenance, "
        "bool_or(coalesce(s.status <> 'ok', false)) AS stale "
        "FROM lineage_edge_index e LEFT JOIN sources s USING (source_key) "
        "WHERE NOT starts_with(e.source_node, $column) AND NOT starts_with(e.target_node, $column) "
        "GROUP BY ALL ORDER BY ALL",
        {"column": NodeKind.COLUMN.value + ":"},
    ).fetchall()
    return [NodeLevelEdge(*row) for row in rows]


def data_nodes(conn: duckdb.DuckDBPyConnection, excluded_source: str) -> set[str]:
    """Every data node an edge of another source than `excluded_source` names, and every data
    node a source knows columns of; not a model package's model data, which the package points
    at but no step or table reads or writes there."""
    prefix = NodeKind.DATA.value + ":"
    rows = conn.execute(
        "SELECT source_node FROM lineage_edge_index "
        "WHERE source_key <> $excluded AND edge_kind <> $model_data "
        "UNION SELECT target_node FROM lineage_edge_index WHERE source_key <> $excluded "
        "UNION SELECT node FROM node_columns WHERE starts_with(node, $data)",
        {"excluded": excluded_source, "data": prefix, "model_data": MODEL_DATA},
    ).fetchall()
    return {node for (node,) in rows if node and node.startswith(prefix)}


def node_columns(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Table or data node → the column names any source knows for it (used in SQL, sampled,
    declared as features)."""
    columns: dict[str, set[str]] = defaultdict(set)
    for node, column in conn.execute("SELECT node, column_name FROM node_columns").fetchall():
        columns[node].add(column)
    return columns


LOCATION_KINDS = ("location", "unload", "copy")  # table → data, table → data, data → table
MODEL_DATA = "model_data"  # the edge from a model package's model data to the package


def table_locations(conn: duckdb.DuckDBPyConnection) -> list[TableLocation]:
    """Each (table, location, kind) of the edges between a table and its storage: a table's
    LOCATION, an UNLOAD of it, a COPY into it."""
    rows = conn.execute(
        "SELECT DISTINCT source_node, target_node, edge_kind FROM lineage_edge_index "
        "WHERE list_contains(?, edge_kind) ORDER BY ALL",
        [list(LOCATION_KINDS)],
    ).fetchall()
    found = []
    for source, target, kind in rows:
        table, data = (target, source) if kind == "copy" else (source, target)
        name, uri = key_of(table, NodeKind.TABLE), key_of(data, NodeKind.DATA)
        if name is not None and uri is not None:
            found.append(TableLocation(name, uri, kind))
    return found


def step_passages(conn: duckdb.DuckDBPyConnection) -> list[StepPassage]:
    """Each (read, written, step) where a step reads one node and writes another."""
    rows = conn.execute(
        "SELECT i.source_node, o.target_node, i.target_node FROM lineage_edge_index i "
        "JOIN lineage_edge_index o ON o.source_node = i.target_node "
        "WHERE i.edge_kind = 'read' AND o.edge_kind = 'write'"
    ).fetchall()
    return [StepPassage(*row) for row in rows]


def classified_columns(conn: duckdb.DuckDBPyConnection) -> list[ClassifiedColumn]:
    """Every classified or overridden column with its effective class."""
    rows = conn.execute(
        "SELECT dataset_uri, column_path, coalesce(o.pii_class, c.pii_class) "
        "FROM column_classifications c "
        "FULL OUTER JOIN classification_overrides o USING (dataset_uri, column_path)"
    ).fetchall()
    return [ClassifiedColumn(*row) for row in rows]


def declared_pii_columns(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table column node, class) of the columns a catalog declares under a name that says
    they hold personal data (the Glue Data Catalog's `glue_columns`)."""
    rows = conn.execute(
        "SELECT DISTINCT node, column_name, pii_class FROM glue_columns WHERE pii_class IS NOT NULL"
    ).fetchall()
    return [
        (table_column_node(table, column), cls)
        for node, column, cls in rows
        if (table := key_of(node, NodeKind.TABLE)) is not None
    ]


def direct_column_flows(conn: duckdb.DuckDBPyConnection) -> list[ColumnFlow]:
    """Distinct direct (not indirect) SQL column edges from a known table, of every source
    that parses SQL (the `column_flows` view)."""
    rows = conn.execute(
        "SELECT DISTINCT source_table, source_column, target_table, target_column, transform "
        "FROM column_flows"
    ).fetchall()
    return [ColumnFlow(*row) for row in rows]


def column_matches(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(from, to) column nodes the stitching matched by name."""
    return conn.execute(
        "SELECT source_node, target_node FROM inferred_edges WHERE edge_kind = 'column_match'"
    ).fetchall()


def pii_tags(conn: duckdb.DuckDBPyConnection) -> list[PiiTagRow]:
    """Every stored PII tag."""
    rows = conn.execute("SELECT owner_node, column_node, pii_class FROM pii_tags").fetchall()
    return [PiiTagRow(*row) for row in rows]


def exposure_rows(conn: duckdb.DuckDBPyConnection) -> list[ExposureRow]:
    """Every row of `pii_exposure`, in order."""
    rows = conn.execute(
        "SELECT node, node_kind, exposure, pii_classes, via_node, approval_status "
        "FROM pii_exposure ORDER BY ALL"
    ).fetchall()
    return [ExposureRow(*row) for row in rows]


def latest_snapshot(
    conn: duckdb.DuckDBPyConnection, scope: str, before: datetime | None = None
) -> str | None:
    """The JSON text of a scope's newest snapshot (optionally as of a time), or None."""
    row = conn.execute(
        "SELECT snapshot FROM graph_snapshots WHERE scope = ? AND (? IS NULL OR created_at <= ?) "
        "ORDER BY created_at DESC LIMIT 1",
        [scope, before, before],
    ).fetchone()
    return row[0] if row else None


def latest_snapshot_hash(conn: duckdb.DuckDBPyConnection, scope: str) -> tuple[str, str] | None:
    """(snapshot id, content hash) of a scope's newest snapshot, or None."""
    row = conn.execute(
        "SELECT snapshot_id, content_hash FROM graph_snapshots WHERE scope = ? "
        "ORDER BY created_at DESC LIMIT 1",
        [scope],
    ).fetchone()
    return (row[0], row[1]) if row else None


def snapshot_text(conn: duckdb.DuckDBPyConnection, snapshot_id: str) -> str:
    """The JSON text of one stored snapshot."""
    row = conn.execute(
        "SELECT snapshot FROM graph_snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).fetchone()
    if row is None:
        raise LookupError(f"no stored snapshot {snapshot_id!r}")
    return row[0]


class TrainedOnPii(NamedTuple):
    """An approved model package trained on personal data: which classes, through which node."""

    node: str
    pii_classes: list[str]
    via_node: str | None


def approved_models_trained_on_pii(conn: duckdb.DuckDBPyConnection) -> list[TrainedOnPii]:
    """Approved model packages whose training read data carrying PII tags, by package."""
    rows = conn.execute(
        "SELECT node, pii_classes, via_node FROM pii_exposure WHERE exposure = 'trained_on' "
        "AND approval_status = 'Approved' ORDER BY node"
    ).fetchall()
    return [TrainedOnPii(*row) for row in rows]


class SnapshotRow(NamedTuple):
    """A stored snapshot without its body."""

    snapshot_id: str
    scope: str
    created_at: datetime
    content_hash: str
    node_count: int | None
    edge_count: int | None
    run_id: str | None


class ExposurePathRow(NamedTuple):
    """A row of `pii_exposure` with the path that explains it."""

    node: str
    node_kind: str
    exposure: str
    pii_classes: list[str]
    via_node: str | None
    path: list[str] | None
    approval_status: str | None


class WalkRow(NamedTuple):
    """A node reached by a walk, its depth, one path to it and the last edge's kind."""

    node: str
    depth: int
    path: list[str]
    edge_kind: str | None


def has_node(conn: duckdb.DuckDBPyConnection, node: str) -> bool:
    """Whether any edge starts or ends at the node."""
    hit = conn.execute(
        "SELECT 1 FROM lineage_edge_index WHERE source_node = ? OR target_node = ? LIMIT 1",
        [node, node],
    ).fetchone()
    return hit is not None


def nodes_starting_with(conn: duckdb.DuckDBPyConnection, prefix: str, limit: int) -> list[str]:
    """At most `limit` distinct nodes of the edges whose id starts with `prefix`."""
    rows = conn.execute(
        "SELECT DISTINCT n FROM (SELECT source_node AS n FROM lineage_edge_index "
        "UNION SELECT target_node FROM lineage_edge_index) WHERE starts_with(n, ?) LIMIT ?",
        [prefix, limit],
    ).fetchall()
    return [node for (node,) in rows]


WALKS = {"downstream": "downstream", "upstream": "upstream"}


def walk(
    conn: duckdb.DuckDBPyConnection, node: str, direction: str, depth: int, limit: int
) -> list[WalkRow]:
    """Nodes reachable from `node` (`downstream` or `upstream`), nearest first, at most
    `limit`."""
    macro = WALKS[direction]
    rows = conn.execute(
        f"SELECT node, depth, path, edge_kind FROM {macro}(?, ?) "  # noqa: S608 (fixed name)
        "ORDER BY depth, node LIMIT ?",
        [node, depth, limit],
    ).fetchall()
    return [WalkRow(*row) for row in rows]


def exposure_paths(conn: duckdb.DuckDBPyConnection) -> list[ExposurePathRow]:
    """Every row of `pii_exposure` with its path, in order."""
    rows = conn.execute(
        "SELECT e.node, e.node_kind, e.exposure, e.pii_classes, e.via_node, p.path, "
        "e.approval_status FROM pii_exposure e LEFT JOIN pii_exposure_paths p "
        "USING (node, exposure, via_node) ORDER BY ALL"
    ).fetchall()
    return [ExposurePathRow(*row) for row in rows]


def exposure_by_kind(conn: duckdb.DuckDBPyConnection) -> list[ExposurePathRow]:
    """Every row of `pii_exposure` with its own path, by node kind, then node."""
    rows = conn.execute(
        "SELECT node, node_kind, exposure, pii_classes, via_node, path, approval_status "
        "FROM pii_exposure ORDER BY node_kind, node"
    ).fetchall()
    return [ExposurePathRow(*row) for row in rows]


def snapshot_rows(
    conn: duckdb.DuckDBPyConnection, scope: str | None, limit: int
) -> list[SnapshotRow]:
    """Stored snapshots (of one scope, or all), newest first, at most `limit`."""
    rows = conn.execute(
        "SELECT snapshot_id, scope, created_at, content_hash, node_count, edge_count, run_id "
        "FROM graph_snapshots WHERE ? IS NULL OR scope = ? ORDER BY created_at DESC LIMIT ?",
        [scope, scope, limit],
    ).fetchall()
    return [SnapshotRow(*row) for row in rows]


def snapshot_scopes(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every scope that has a stored snapshot."""
    rows = conn.execute("SELECT DISTINCT scope FROM graph_snapshots").fetchall()
    return [scope for (scope,) in rows]


def snapshot_ids(conn: duckdb.DuckDBPyConnection, scope: str) -> list[str]:
    """The ids of a scope's stored snapshots."""
    rows = conn.execute("SELECT snapshot_id FROM graph_snapshots WHERE scope = ?", [scope])
    return [snapshot_id for (snapshot_id,) in rows.fetchall()]


def snapshot_by_id(
    conn: duckdb.DuckDBPyConnection, scope: str, snapshot_id: str
) -> tuple[str, str] | None:
    """(id, JSON text) of one stored snapshot of a scope, or None."""
    row = conn.execute(
        "SELECT snapshot_id, CAST(snapshot AS VARCHAR) FROM graph_snapshots "
        "WHERE scope = ? AND snapshot_id = ?",
        [scope, snapshot_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def snapshot_back(
    conn: duckdb.DuckDBPyConnection, scope: str, offset: int
) -> tuple[str, str] | None:
    """(id, JSON text) of a scope's snapshot `offset` steps back from the newest, or None."""
    row = conn.execute(
        "SELECT snapshot_id, CAST(snapshot AS VARCHAR) FROM graph_snapshots WHERE scope = ? "
        "ORDER BY created_at DESC LIMIT 1 OFFSET ?",
        [scope, offset],
    ).fetchone()
    return (row[0], row[1]) if row else None
