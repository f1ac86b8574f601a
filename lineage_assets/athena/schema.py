"""Athena query history tables (executions, their table and column edges, storage links and
reads, each workgroup's crawl state), their observed edges in `lineage_edges`, the columns
they know per table and their column flows."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_node
from lineage_assets.store.derived import (
    SqlEdgeTables,
    column_edge_flows,
    column_edge_node_columns,
    sql_edge_fragments,
)
from lineage_assets.store.migration import Migration

QUERY_HISTORY = """
CREATE TABLE athena_executions (
    source_key      VARCHAR NOT NULL,
    account_id      VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    workgroup       VARCHAR NOT NULL,
    execution_id    VARCHAR NOT NULL,
    query_node      VARCHAR NOT NULL,
    statement_type  VARCHAR,
    statement_kinds VARCHAR[],
    catalog         VARCHAR,
    database        VARCHAR,
    state           VARCHAR,
    submitted_at    TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    engine_version  VARCHAR,
    scanned_bytes   BIGINT,
    output_location VARCHAR,
    query_chars     BIGINT,
    query_text      VARCHAR,
    text_truncated  BOOLEAN,
    targets         VARCHAR[],
    sources         VARCHAR[],
    error           VARCHAR,
    warnings        VARCHAR[]
);
CREATE TABLE athena_table_edges (
    source_key   VARCHAR NOT NULL,
    query_node   VARCHAR NOT NULL,
    source_table VARCHAR NOT NULL,
    target_table VARCHAR NOT NULL
);
CREATE TABLE athena_column_edges (
    source_key    VARCHAR NOT NULL,
    query_node    VARCHAR NOT NULL,
    source_table  VARCHAR,
    source_column VARCHAR NOT NULL,
    target_table  VARCHAR NOT NULL,
    target_column VARCHAR NOT NULL,
    transform     VARCHAR,
    is_indirect   BOOLEAN DEFAULT false
);
CREATE TABLE athena_locations (
    source_key   VARCHAR NOT NULL,
    query_node   VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    location_uri VARCHAR NOT NULL,
    direction    VARCHAR NOT NULL
);
CREATE TABLE athena_reads (
    source_key VARCHAR NOT NULL,
    query_node VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL
);
CREATE TABLE athena_workgroups (
    source_key          VARCHAR NOT NULL,
    account_id          VARCHAR NOT NULL,
    region              VARCHAR NOT NULL,
    workgroup           VARCHAR NOT NULL,
    state               VARCHAR,
    engine_version      VARCHAR,
    newest_execution_id VARCHAR,
    newest_submitted_at TIMESTAMPTZ,
    pending_ids         VARCHAR[],
    listed              INTEGER,
    stopped             VARCHAR,
    crawled_at          TIMESTAMPTZ
);
"""

# Where a workgroup's listing must still reach after a crawl cut by its bound.
CATCH_UP = "ALTER TABLE athena_workgroups ADD COLUMN catch_up_until TIMESTAMPTZ;"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(140, "athena: query executions, observed edges, workgroup state", QUERY_HISTORY),
    Migration(141, "athena: a workgroup's catch-up point after a bounded crawl", CATCH_UP),
)

_OBSERVED = f"'{Provenance.OBSERVED.value}'"
_LOCATION = "x.workgroup || '/' || x.execution_id"

# Every edge names the execution that made it (its query node) where SageMaker edges name a
# pipeline execution, and its location is `<workgroup>/<execution id>`.
EDGES: tuple[str, ...] = (
    *sql_edge_fragments(
        SqlEdgeTables(
            table_edges="athena_table_edges",
            column_edges="athena_column_edges",
            locations="athena_locations",
            provenance=Provenance.OBSERVED,
            join="JOIN athena_executions x USING (source_key)",
            location=_LOCATION,
            execution="query_node",
        )
    ),
    # A SELECT-only query read these tables: table → the query that read it.
    f"""
    SELECT {sql_node(NodeKind.TABLE, "r.table_name")}, r.query_node, 'read', {_OBSERVED},
           r.source_key, {_LOCATION}, NULL, r.query_node
    FROM athena_reads r JOIN athena_executions x USING (source_key)
    """,
)

NODE_COLUMNS: tuple[str, ...] = column_edge_node_columns("athena_column_edges")

COLUMN_FLOWS: tuple[str, ...] = column_edge_flows("athena_column_edges")
