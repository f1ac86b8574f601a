"""The SQL lineage tables (files, statements, table and column edges, locations, dbt nodes),
their edges in `lineage_edges` and the columns they know per table."""

from __future__ import annotations

from lineage_assets.core.enums import Provenance
from lineage_assets.store.derived import (
    SqlEdgeTables,
    column_edge_flows,
    column_edge_node_columns,
    sql_edge_fragments,
)
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

EDGES: tuple[str, ...] = sql_edge_fragments(
    SqlEdgeTables(
        table_edges="table_edges",
        column_edges="column_edges",
        locations="table_locations",
        provenance=Provenance.PARSED,
        join="LEFT JOIN sql_files f USING (source_key)",
        location="f.path",
        commit_sha="f.commit_sha",
        line_in_location=True,
    )
)

# The columns a table is read or written with in SQL (`*` names no column).
NODE_COLUMNS: tuple[str, ...] = column_edge_node_columns("column_edges")

# Direct column edges from a known table, with their transform (PII follows carrying ones).
COLUMN_FLOWS: tuple[str, ...] = column_edge_flows("column_edges")
