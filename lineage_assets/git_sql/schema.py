"""The SQL lineage tables (files, statements, table and column edges, locations, dbt nodes),
their edges in `lineage_edges` and the columns they know per table."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_node
from lineage_assets.store.derived import column_edge_flows, column_edge_node_columns
from lineage_assets.store.migration import Migration

SQL_LINEAGE = """
CREATE TABLE sql_files (
    source_key      VARCHAR NOT NULL,
    repo            VARCHAR,
    path            VARCHAR NOT NULL,
    dialect         VARCHAR,
    blob_sha        VARCHAR,
    commit_sha      VARCHAR,
    commit_author   VARCHAR,
    commit_time     TIMESTAMPTZ,
    statement_count INTEGER,
    error_count     INTEGER
);
CREATE TABLE sql_statements (
    source_key      VARCHAR NOT NULL,
    statement_index INTEGER NOT NULL,
    kind            VARCHAR,
    start_line      INTEGER,
    end_line        INTEGER,
    targets         VARCHAR[],
    sources         VARCHAR[],
    error           VARCHAR,
    sql_text        VARCHAR
);
CREATE TABLE table_edges (
    source_key      VARCHAR NOT NULL,
    statement_index INTEGER,
    source_table    VARCHAR NOT NULL,
    target_table    VARCHAR NOT NULL,
    start_line      INTEGER,
    end_line        INTEGER
);
CREATE TABLE column_edges (
    source_key      VARCHAR NOT NULL,
    statement_index INTEGER,
    source_table    VARCHAR,
    source_column   VARCHAR NOT NULL,
    target_table    VARCHAR NOT NULL,
    target_column   VARCHAR NOT NULL,
    transform       VARCHAR,
    is_indirect     BOOLEAN DEFAULT false
);
CREATE TABLE table_locations (
    source_key      VARCHAR NOT NULL,
    statement_index INTEGER,
    table_name      VARCHAR NOT NULL,
    location_uri    VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL
);
"""

# dbt projects as dbt lists them: models, snapshots, seeds and sources, with their columns.
DBT_NODES = """
CREATE TABLE dbt_nodes (
    source_key    VARCHAR NOT NULL,
    project       VARCHAR NOT NULL,
    unique_id     VARCHAR NOT NULL,
    resource_type VARCHAR NOT NULL,
    package       VARCHAR,
    name          VARCHAR,
    relation      VARCHAR NOT NULL,
    path          VARCHAR,
    materialized  VARCHAR,
    columns       VARCHAR[],
    depends_on    VARCHAR[],
    error         VARCHAR,
    warnings      VARCHAR[]
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "sql lineage: files, statements, table and column edges", SQL_LINEAGE),
    Migration(50, "dbt: project nodes with columns", DBT_NODES),
)

_PARSED = f"'{Provenance.PARSED.value}'"
_SOURCE_COLUMN = sql_node(NodeKind.COLUMN, "coalesce(c.source_table || '.', '') || c.source_column")
_TARGET_COLUMN = sql_node(NodeKind.COLUMN, "c.target_table || '.' || c.target_column")
_LOCATION_DATA = sql_node(NodeKind.DATA, "l.location_uri")
_LOCATION_TABLE = sql_node(NodeKind.TABLE, "l.table_name")

EDGES: tuple[str, ...] = (
    f"""
    SELECT {sql_node(NodeKind.TABLE, "t.source_table")} AS source_node,
           {sql_node(NodeKind.TABLE, "t.target_table")} AS target_node,
           'sql' AS edge_kind, {_PARSED} AS provenance, t.source_key,
           f.path || coalesce(':' || t.start_line, '') AS location, f.commit_sha,
           NULL AS execution_arn
    FROM table_edges t LEFT JOIN sql_files f USING (source_key)
    """,
    f"""
    SELECT {_SOURCE_COLUMN}, {_TARGET_COLUMN},
           CASE WHEN c.is_indirect THEN 'column_' || coalesce(c.transform, 'indirect')
                ELSE 'column' END,
           {_PARSED}, c.source_key, f.path, f.commit_sha, NULL
    FROM column_edges c LEFT JOIN sql_files f USING (source_key)
    """,
    # LOCATION and UNLOAD: the table's rows live in (or go to) the path; COPY loads the table.
    f"""
    SELECT CASE WHEN l.direction = 'copy' THEN {_LOCATION_DATA} ELSE {_LOCATION_TABLE} END,
           CASE WHEN l.direction = 'copy' THEN {_LOCATION_TABLE} ELSE {_LOCATION_DATA} END,
           l.direction, {_PARSED}, l.source_key, f.path, f.commit_sha, NULL
    FROM table_locations l LEFT JOIN sql_files f USING (source_key)
    """,
)

# The columns a table is read or written with in SQL (`*` names no column).
NODE_COLUMNS: tuple[str, ...] = column_edge_node_columns("column_edges")

# Direct column edges from a known table, with their transform (PII follows carrying ones).
COLUMN_FLOWS: tuple[str, ...] = column_edge_flows("column_edges")
