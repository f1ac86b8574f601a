"""The store's own schema: crawl bookkeeping (sources, runs, errors), the walk macros and the
ledger of derived views. Each source package declares its tables in its own `schema.py`;
`store.registry` lists them. Column meanings are documented in docs/tables.md.

Conventions that the writer relies on:
- a table with a ``source_key`` column holds one source's records and is replaced per key;
- a table without one is history or user-owned (versions, snapshots, overrides) and is upserted.
"""

from __future__ import annotations

from lineage_assets.store.migration import Migration

CORE = """
CREATE TABLE sources (
    source_key      VARCHAR PRIMARY KEY,
    source_kind     VARCHAR NOT NULL,
    display_name    VARCHAR,
    status          VARCHAR NOT NULL,
    row_count       BIGINT,
    tables          VARCHAR[],
    content_hash    VARCHAR,
    last_run_id     VARCHAR,
    last_success_at TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_error      VARCHAR
);
CREATE TABLE crawl_runs (
    run_id         VARCHAR PRIMARY KEY,
    trigger        VARCHAR,
    dagster_run_id VARCHAR,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,
    sources_ok     INTEGER,
    sources_failed INTEGER
);
CREATE TABLE crawl_errors (
    run_id      VARCHAR,
    source_key  VARCHAR NOT NULL,
    source_kind VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL,
    error_type  VARCHAR,
    message     VARCHAR NOT NULL,
    location    VARCHAR
);
"""

# The view as first released, kept verbatim because migration 6 applied it; the store now
# derives `lineage_edges` from the packages' EDGES fragments (see `store.derived`).
LINEAGE_EDGES_VIEW = """
CREATE OR REPLACE VIEW lineage_edges AS
WITH edges AS (
    SELECT 'table:' || t.source_table AS source_node, 'table:' || t.target_table AS target_node,
           'sql' AS edge_kind, 'parsed' AS provenance, t.source_key,
           f.path || coalesce(':' || t.start_line, '') AS location, f.commit_sha,
           NULL AS execution_arn
    FROM table_edges t LEFT JOIN sql_files f USING (source_key)
    UNION ALL
    SELECT 'column:' || coalesce(c.source_table || '.', '') || c.source_column,
           'column:' || c.target_table || '.' || c.target_column,
           CASE WHEN c.is_indirect THEN 'column_' || coalesce(c.transform, 'indirect')
                ELSE 'column' END,
           'parsed', c.source_key, f.path, f.commit_sha, NULL
    FROM column_edges c LEFT JOIN sql_files f USING (source_key)
    UNION ALL
    -- LOCATION and UNLOAD: the table's rows live in (or go to) the path; COPY loads the table.
    SELECT CASE WHEN l.direction = 'copy' THEN 'data:' || l.location_uri
                ELSE 'table:' || l.table_name END,
           CASE WHEN l.direction = 'copy' THEN 'table:' || l.table_name
                ELSE 'data:' || l.location_uri END,
           l.direction, 'parsed', l.source_key, f.path, f.commit_sha, NULL
    FROM table_locations l LEFT JOIN sql_files f USING (source_key)
    UNION ALL
    SELECT CASE WHEN io.direction = 'input' THEN 'data:' || io.uri
                ELSE 'step:' || io.region || '/' || io.pipeline_name || '/' || io.step_name END,
           CASE WHEN io.direction = 'input'
                THEN 'step:' || io.region || '/' || io.pipeline_name || '/' || io.step_name
                ELSE 'data:' || io.uri END,
           CASE WHEN io.direction = 'input' THEN 'read' ELSE 'write' END,
           io.provenance, io.source_key, io.pipeline_name || '/' || io.step_name, NULL,
           io.execution_arn
    FROM sagemaker_step_io io WHERE io.uri IS NOT NULL
    UNION ALL
    SELECT 'step:' || e.region || '/' || e.pipeline_name || '/' || e.from_step,
           'step:' || e.region || '/' || e.pipeline_name || '/' || e.to_step,
           'step_' || coalesce(e.via, 'dependency'), 'declared', e.source_key,
           e.pipeline_name, NULL, NULL
    FROM sagemaker_step_edges e
    UNION ALL
    SELECT 'step:' || m.region || '/' || m.pipeline_name || '/' || m.step_name,
           'model_package:' || m.model_package_arn, 'registers', 'observed', m.source_key,
           m.pipeline_name || '/' || m.step_name, NULL, m.execution_arn
    FROM sagemaker_model_packages m
    WHERE m.step_name IS NOT NULL AND m.pipeline_name IS NOT NULL AND m.region IS NOT NULL
    UNION ALL
    SELECT 'data:' || coalesce(g.resolved_offline_uri, g.offline_store_uri),
           'feature_group:' || g.region || '/' || g.feature_group_name,
           'offline_store', 'declared', g.source_key, g.feature_group_name, NULL, NULL
    FROM feature_groups g WHERE coalesce(g.resolved_offline_uri, g.offline_store_uri) IS NOT NULL
    UNION ALL
    SELECT i.source_node, i.target_node, i.edge_kind, 'inferred', i.source_key, i.reason,
           NULL, NULL
    FROM inferred_edges i
)
SELECT e.*, coalesce(s.status <> 'ok', false) AS is_stale
FROM edges e LEFT JOIN sources s USING (source_key);
"""

# Graph walks: each reachable node once, at its shortest depth, with one path that explains
# it. `USING KEY` plus the anti-join on the recurring table ends on cycles. They read
# `lineage_edge_index`, the view's edges kept as a table that the writer updates per source
# in the same transaction: walking the view itself rebuilds every node id on every hop.
WALK_MACROS = """
CREATE TABLE lineage_edge_index AS SELECT * EXCLUDE (is_stale) FROM lineage_edges LIMIT 0;

CREATE OR REPLACE MACRO downstream(start_node, max_depth) AS TABLE
WITH RECURSIVE walk(node, depth, path, edge_kind) USING KEY (node) AS (
    SELECT start_node, 0, [start_node], NULL::VARCHAR
    UNION
    SELECT e.target_node, w.depth + 1, list_append(w.path, e.target_node), e.edge_kind
    FROM walk w
    JOIN lineage_edge_index e ON e.source_node = w.node
    LEFT JOIN recurring.walk seen ON seen.node = e.target_node
    WHERE w.depth < max_depth AND seen.node IS NULL
)
SELECT node, depth, path, edge_kind FROM walk WHERE depth > 0;

CREATE OR REPLACE MACRO upstream(start_node, max_depth) AS TABLE
WITH RECURSIVE walk(node, depth, path, edge_kind) USING KEY (node) AS (
    SELECT start_node, 0, [start_node], NULL::VARCHAR
    UNION
    SELECT e.source_node, w.depth + 1, list_append(w.path, e.source_node), e.edge_kind
    FROM walk w
    JOIN lineage_edge_index e ON e.target_node = w.node
    LEFT JOIN recurring.walk seen ON seen.node = e.source_node
    WHERE w.depth < max_depth AND seen.node IS NULL
)
SELECT node, depth, path, edge_kind FROM walk WHERE depth > 0;
"""

STALE_SOURCES_VIEW = """
CREATE OR REPLACE VIEW stale_sources AS
SELECT source_key, source_kind, display_name, status, last_success_at, last_attempt_at, last_error
FROM sources WHERE status <> 'ok';
"""

# The process that owns a crawl run, so that the next run can close one whose owner died.
CRAWL_RUN_OWNERS = """
ALTER TABLE crawl_runs ADD COLUMN owner_host VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN owner_pid BIGINT;
ALTER TABLE crawl_runs ADD COLUMN owner_boot_id VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN owner_started VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN last_activity_at TIMESTAMPTZ;
ALTER TABLE crawl_runs ADD COLUMN status_reason VARCHAR;
"""

# The text hash of each derived view as last created, so a view is recreated only when the
# fragments that compose it changed.
DERIVED_VIEWS = """
CREATE TABLE derived_views (
    view_name  VARCHAR PRIMARY KEY,
    text_hash  VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
"""

# The walk index keeps what walks and graphs read (see `derived.INDEX_COLUMNS`); where an edge
# is stated is read from `lineage_edges`.
NARROW_EDGE_INDEX = """
ALTER TABLE lineage_edge_index DROP COLUMN location;
ALTER TABLE lineage_edge_index DROP COLUMN commit_sha;
ALTER TABLE lineage_edge_index DROP COLUMN execution_arn;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core: sources, crawl runs, crawl errors", CORE),
    Migration(6, "views and walk macros", LINEAGE_EDGES_VIEW + STALE_SOURCES_VIEW + WALK_MACROS),
    Migration(10, "derived views: text hash of each composed view", DERIVED_VIEWS),
    Migration(11, "walk index: nodes, kind, provenance and source only", NARROW_EDGE_INDEX),
    Migration(21, "crawl runs: owner process, last activity, status reason", CRAWL_RUN_OWNERS),
)

# The store's bookkeeping tables carry no edges and know no columns.
EDGES: tuple[str, ...] = ()
NODE_COLUMNS: tuple[str, ...] = ()
