"""The catalog's tables (databases, tables and views, declared columns, view lineage), their
edges in `lineage_edges` and the declared columns of each table node.

Edges: a table → its storage location (`location`, as SQL's LOCATION makes it), a view's base
table → the view (`view`) and base column → view column (`column`), a resource link's target
→ the link (`resource_link`).
"""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_node
from lineage_assets.store.migration import Migration

GLUE_CATALOG = """
CREATE TABLE glue_databases (
    source_key     VARCHAR NOT NULL,
    account_id     VARCHAR NOT NULL,
    region         VARCHAR NOT NULL,
    catalog_id     VARCHAR,
    database_name  VARCHAR NOT NULL,
    description    VARCHAR,
    location_uri   VARCHAR,
    parameters     JSON,
    shared_from    VARCHAR,
    create_time    TIMESTAMPTZ,
    table_count    INTEGER,
    tables_truncated BOOLEAN,
    crawled_at     TIMESTAMPTZ
);
CREATE TABLE glue_tables (
    source_key        VARCHAR NOT NULL,
    account_id        VARCHAR NOT NULL,
    region            VARCHAR NOT NULL,
    catalog_id        VARCHAR,
    database_name     VARCHAR NOT NULL,
    table_name        VARCHAR NOT NULL,
    node              VARCHAR NOT NULL,
    table_type        VARCHAR,
    location          VARCHAR,
    input_format      VARCHAR,
    output_format     VARCHAR,
    serde             VARCHAR,
    serde_parameters  JSON,
    parameters        JSON,
    owner             VARCHAR,
    create_time       TIMESTAMPTZ,
    update_time       TIMESTAMPTZ,
    version_id        VARCHAR,
    column_count      INTEGER,
    columns_truncated BOOLEAN,
    partition_keys    VARCHAR[],
    partition_count   INTEGER,
    partitions_capped BOOLEAN,
    target_table      VARCHAR,
    view_dialect      VARCHAR,
    view_sql          VARCHAR,
    view_error        VARCHAR,
    crawled_at        TIMESTAMPTZ
);
CREATE TABLE glue_columns (
    source_key       VARCHAR NOT NULL,
    account_id       VARCHAR NOT NULL,
    region           VARCHAR NOT NULL,
    database_name    VARCHAR NOT NULL,
    table_name       VARCHAR NOT NULL,
    node             VARCHAR NOT NULL,
    column_name      VARCHAR NOT NULL,
    column_type      VARCHAR,
    comment          VARCHAR,
    position         INTEGER NOT NULL,
    is_partition_key BOOLEAN NOT NULL,
    pii_class        VARCHAR,
    pii_phrase       VARCHAR
);
CREATE TABLE glue_view_sources (
    source_key   VARCHAR NOT NULL,
    view_node    VARCHAR NOT NULL,
    source_table VARCHAR NOT NULL
);
CREATE TABLE glue_view_columns (
    source_key    VARCHAR NOT NULL,
    view_table    VARCHAR NOT NULL,
    view_column   VARCHAR NOT NULL,
    source_table  VARCHAR NOT NULL,
    source_column VARCHAR NOT NULL,
    transform     VARCHAR
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(120, "glue: databases, tables, declared columns, view lineage", GLUE_CATALOG),
)

_DECLARED = f"'{Provenance.DECLARED.value}'"
_PARSED = f"'{Provenance.PARSED.value}'"
_TABLE_ARN = (
    "'arn:aws:glue:' || t.region || ':' || t.account_id || ':table/' || t.database_name "
    "|| '/' || t.table_name"
)

EDGES: tuple[str, ...] = (
    # The table's rows live at its location: the edge SQL's LOCATION makes (table → data).
    f"""
    SELECT t.node AS source_node, {sql_node(NodeKind.DATA, "t.location")} AS target_node,
           'location' AS edge_kind, {_DECLARED} AS provenance, t.source_key,
           {_TABLE_ARN} AS location, NULL AS commit_sha, NULL AS execution_arn
    FROM glue_tables t WHERE t.location IS NOT NULL AND coalesce(t.table_type, '') <> 'VIRTUAL_VIEW'
    """,
    f"""
    SELECT {sql_node(NodeKind.TABLE, "v.source_table")}, v.view_node, 'view', {_PARSED},
           v.source_key, {_TABLE_ARN}, NULL, NULL
    FROM glue_view_sources v JOIN glue_tables t USING (source_key)
    """,
    f"""
    SELECT {sql_node(NodeKind.COLUMN, "c.source_table || '.' || c.source_column")},
           {sql_node(NodeKind.COLUMN, "c.view_table || '.' || c.view_column")},
           'column', {_PARSED}, c.source_key, NULL, NULL, NULL
    FROM glue_view_columns c
    """,
    f"""
    SELECT {sql_node(NodeKind.TABLE, "t.target_table")}, t.node, 'resource_link', {_DECLARED},
           t.source_key, {_TABLE_ARN}, NULL, NULL
    FROM glue_tables t WHERE t.target_table IS NOT NULL
    """,
)

# The columns (and partition keys) each catalog table declares.
NODE_COLUMNS: tuple[str, ...] = (
    """
    SELECT c.node, c.column_name, c.source_key FROM glue_columns c
    """,
)

# A view's column lineage, as SQL's direct column edges (PII follows the carrying ones).
COLUMN_FLOWS: tuple[str, ...] = (
    """
    SELECT c.source_table, c.source_column, c.view_table, c.view_column, c.transform,
           c.source_key
    FROM glue_view_columns c
    """,
)
