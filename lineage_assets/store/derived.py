"""Views derived from the packages' fragments: `lineage_edges` (every edge, one shape),
`node_columns` (the columns each source knows per node) and `column_flows` (the direct column
edges of every SQL source, with their transform, which PII propagation follows), recreated by
the writer whenever the text they compose to changes, with the walk index rebuilt alongside
`lineage_edges`."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_node

LINEAGE_EDGES = "lineage_edges"
NODE_COLUMNS = "node_columns"
EDGE_COLUMNS = (
    "source_node",
    "target_node",
    "edge_kind",
    "provenance",
    "source_key",
    "location",
    "commit_sha",
    "execution_arn",
)
NODE_COLUMN_COLUMNS = ("node", "column_name", "source_key")
COLUMN_FLOWS = "column_flows"
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
COLUMN_FLOW_COLUMNS = (
    "source_table",
    "source_column",
    "target_table",
    "target_column",
    "transform",
    "source_key",
)

# The walk index holds what walks and graphs read of each edge: its nodes, kind, provenance
# and source (which `is_stale` comes from). Where an edge is stated (file, commit, execution)
# stays in `lineage_edges`: writing those long strings again per edge doubled the index's cost.
INDEX_COLUMNS = ("source_node", "target_node", "edge_kind", "provenance", "source_key")
REBUILD_EDGE_INDEX = (
    f"CREATE OR REPLACE TABLE lineage_edge_index AS SELECT {', '.join(INDEX_COLUMNS)} "  # noqa: S608
    "FROM lineage_edges"
)


@dataclass(frozen=True)
class DerivedView:
    """A view's name and the statement that (re)creates it."""

    name: str
    sql: str

    @property
    def text_hash(self) -> str:
        """Fingerprint of the statement, kept in `derived_views` to notice a change."""
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def _union(fragments: Sequence[str], width: int) -> str:
    """The fragments as one UNION ALL; no fragments make an empty relation of `width` columns."""
    if not fragments:
        return "SELECT " + ", ".join(["NULL::VARCHAR"] * width) + " WHERE false"
    return "\nUNION ALL\n".join(fragment.strip() for fragment in fragments)


def lineage_edges_view(fragments: Sequence[str]) -> DerivedView:
    """Every edge the store knows, with `is_stale` from its source: an analyst's first query."""
    sql = (
        f"CREATE OR REPLACE VIEW {LINEAGE_EDGES} AS\n"
        f"WITH edges({', '.join(EDGE_COLUMNS)}) AS (\n"
        f"{_union(fragments, len(EDGE_COLUMNS))}\n)\n"
        "SELECT e.*, coalesce(s.status <> 'ok', false) AS is_stale\n"
        "FROM edges e LEFT JOIN sources s USING (source_key)"
    )
    return DerivedView(LINEAGE_EDGES, sql)


def node_columns_view(fragments: Sequence[str]) -> DerivedView:
    """Column names known per table, data or feature-group node, once per source."""
    columns = ", ".join(NODE_COLUMN_COLUMNS)
    sql = (
        f"CREATE OR REPLACE VIEW {NODE_COLUMNS} AS\n"
        f"SELECT DISTINCT {columns} FROM (\n"
        f"{_union(fragments, len(NODE_COLUMN_COLUMNS))}\n) AS known({columns})"
    )
    return DerivedView(NODE_COLUMNS, sql)


def column_flows_view(fragments: Sequence[str]) -> DerivedView:
    """Direct (value-carrying or not) column edges between known tables, from every source that
    parses SQL: git files, Athena executions, Glue views."""
    columns = ", ".join(COLUMN_FLOW_COLUMNS)
    sql = (
        f"CREATE OR REPLACE VIEW {COLUMN_FLOWS} AS\n"
        f"SELECT {columns} FROM (\n"
        f"{_union(fragments, len(COLUMN_FLOW_COLUMNS))}\n) AS flows({columns})"
    )
    return DerivedView(COLUMN_FLOWS, sql)


def column_edge_node_columns(table: str) -> tuple[str, ...]:
    """`node_columns` fragments of a SQL source's column-edge table (`column_edges`' shape):
    the columns its statements write and read per table (`*` names no column)."""
    return (
        f"""
    SELECT {sql_node(NodeKind.TABLE, "c.target_table")} AS node, c.target_column AS column_name,
           c.source_key
    FROM {table} c WHERE c.target_column <> '*'
    """,  # noqa: S608 (a table name of ours)
        f"""
    SELECT {sql_node(NodeKind.TABLE, "c.source_table")}, c.source_column, c.source_key
    FROM {table} c WHERE c.source_table IS NOT NULL AND c.source_column <> '*'
    """,  # noqa: S608 (a table name of ours)
    )


@dataclass(frozen=True)
class SqlEdgeTables:
    """A SQL source's edge tables, in the SQL engine's shapes (table edges `t`, column edges
    `c`, locations `l`), and how their rows become `lineage_edges` rows: `join` adds the row
    that says where they were stated (a file `f`, an execution `x`), which `location`,
    `commit_sha` and each table's `execution` column read."""

    table_edges: str
    column_edges: str
    locations: str
    provenance: Provenance
    join: str
    location: str
    commit_sha: str = "NULL"
    execution: str | None = None
    line_in_location: bool = False  # a table edge's location ends with `:<start line>`


def sql_edge_fragments(tables: SqlEdgeTables) -> tuple[str, ...]:
    """The `lineage_edges` fragments of a SQL source: table edges, column edges (indirect ones
    with their transform), and LOCATION/UNLOAD (the table's rows live in or go to the path) or
    COPY (the path loads the table) edges."""
    provenance = f"'{tables.provenance.value}'"

    def execution(alias: str) -> str:
        return f"{alias}.{tables.execution}" if tables.execution else "NULL"

    table_location = (
        f"{tables.location} || coalesce(':' || t.start_line, '')"
        if tables.line_in_location
        else tables.location
    )
    data = sql_node(NodeKind.DATA, "l.location_uri")
    table = sql_node(NodeKind.TABLE, "l.table_name")
    return (
        f"""
    SELECT {sql_node(NodeKind.TABLE, "t.source_table")},
           {sql_node(NodeKind.TABLE, "t.target_table")},
           'sql', {provenance}, t.source_key, {table_location}, {tables.commit_sha},
           {execution("t")}
    FROM {tables.table_edges} t {tables.join}
    """,  # noqa: S608 (table names and expressions of ours)
        f"""
    SELECT {sql_node(NodeKind.COLUMN, "coalesce(c.source_table || '.', '') || c.source_column")},
           {sql_node(NodeKind.COLUMN, "c.target_table || '.' || c.target_column")},
           CASE WHEN c.is_indirect THEN 'column_' || coalesce(c.transform, 'indirect')
                ELSE 'column' END,
           {provenance}, c.source_key, {tables.location}, {tables.commit_sha}, {execution("c")}
    FROM {tables.column_edges} c {tables.join}
    """,  # noqa: S608 (table names and expressions of ours)
        f"""
    SELECT CASE WHEN l.direction = 'copy' THEN {data} ELSE {table} END,
           CASE WHEN l.direction = 'copy' THEN {table} ELSE {data} END,
           l.direction, {provenance}, l.source_key, {tables.location}, {tables.commit_sha},
           {execution("l")}
    FROM {tables.locations} l {tables.join}
    """,  # noqa: S608 (table names and expressions of ours)
    )


def column_edge_flows(table: str) -> tuple[str, ...]:
    """`column_flows` fragments of a SQL source's column-edge table: its direct edges from a
    known table, with their transform (PII follows the carrying ones)."""
    return (
        f"""
    SELECT c.source_table, c.source_column, c.target_table, c.target_column, c.transform,
           c.source_key
    FROM {table} c WHERE NOT c.is_indirect AND c.source_table IS NOT NULL
    """,  # noqa: S608 (a table name of ours)
    )


@functools.cache
def fragment_words(fragment: str) -> frozenset[str]:
    """Every identifier-like word of a fragment, lowercased: a superset of the tables it reads
    (our own SQL text, so a table it reads is named as a word; found without parsing)."""
    return frozenset(_WORD.findall(fragment.lower()))


def edges_reading(
    fragments: Sequence[str],
    tables: Iterable[str],
    where: str | None = None,
    columns: Sequence[str] = EDGE_COLUMNS,
) -> str | None:
    """`columns` of `lineage_edges` (not `is_stale`) from only the fragments that name one of
    `tables` (a source's edges come from the tables it wrote): on DuckLake, planning the whole
    view costs a catalog lookup per table it names. `where` (on the edge columns) filters each
    fragment before the union, so DuckDB filters each fragment's scan before its joins. None
    when no fragment reads them."""
    touched = {table.lower() for table in tables}
    chosen = [fragment for fragment in fragments if fragment_words(fragment) & touched]
    if not chosen:
        return None
    named, selected = ", ".join(EDGE_COLUMNS), ", ".join(columns)
    if where is None:
        return f"SELECT {selected} FROM (\n{_union(chosen, len(EDGE_COLUMNS))}\n) AS e({named})"  # noqa: S608
    return "\nUNION ALL\n".join(
        f"SELECT {selected} FROM (\n{fragment.strip()}\n) AS e({named}) WHERE {where}"  # noqa: S608
        for fragment in chosen
    )


def recorded_hashes(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The text hash of each derived view as last created in this file."""
    return dict(conn.execute("SELECT view_name, text_hash FROM derived_views").fetchall())


def sync_views(conn: duckdb.DuckDBPyConnection, views: Iterable[DerivedView]) -> list[str]:
    """Recreate, in one transaction, each view whose composed text changed since it was last
    created (rebuilding the walk index with `lineage_edges`); returns their names."""
    recorded = recorded_hashes(conn)
    changed = [view for view in views if recorded.get(view.name) != view.text_hash]
    if not changed:
        return []
    conn.execute("BEGIN TRANSACTION")
    try:
        for view in changed:
            conn.execute(view.sql)
            # DELETE then INSERT: DuckLake has no ON CONFLICT, and both backends take this.
            conn.execute("DELETE FROM derived_views WHERE view_name = ?", [view.name])
            conn.execute(
                "INSERT INTO derived_views (view_name, text_hash, created_at) "
                "VALUES (?, ?, current_timestamp)",
                [view.name, view.text_hash],
            )
            if view.name == LINEAGE_EDGES:
                conn.execute(REBUILD_EDGE_INDEX)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return [view.name for view in changed]
