"""The store's schema as ordered migrations; the column meanings are documented in docs/tables.md.

Conventions that the writer relies on:
- a table with a ``source_key`` column holds one source's records and is replaced per key;
- a table without one is history or user-owned (versions, snapshots, overrides) and is upserted.
Node ids in ``lineage_edges``: ``table:<name>``, ``column:<table>.<column>``, ``data:<s3 uri>``,
``step:<region>/<pipeline>/<step>``, ``model_package:<arn>``, ``feature_group:<region>/<name>``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step; `sql` may hold several statements separated by semicolons."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Fingerprint of the SQL, to notice a migration edited after it was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


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

SAGEMAKER = """
CREATE TABLE sagemaker_domains (
    source_key  VARCHAR NOT NULL,
    region      VARCHAR NOT NULL,
    domain_id   VARCHAR NOT NULL,
    domain_name VARCHAR,
    domain_arn  VARCHAR,
    status      VARCHAR,
    url         VARCHAR,
    created_at  TIMESTAMPTZ
);
CREATE TABLE sagemaker_pipelines (
    source_key        VARCHAR NOT NULL,
    region            VARCHAR NOT NULL,
    pipeline_name     VARCHAR NOT NULL,
    pipeline_arn      VARCHAR,
    display_name      VARCHAR,
    description       VARCHAR,
    role_arn          VARCHAR,
    status            VARCHAR,
    created_at        TIMESTAMPTZ,
    last_modified_at  TIMESTAMPTZ,
    last_execution_at TIMESTAMPTZ,
    domain_id         VARCHAR,
    domain_name       VARCHAR,
    tags              JSON,
    definition_hash   VARCHAR
);
CREATE TABLE sagemaker_pipeline_versions (
    pipeline_arn    VARCHAR NOT NULL,
    definition_hash VARCHAR NOT NULL,
    definition      JSON NOT NULL,
    first_seen_at   TIMESTAMPTZ,
    last_seen_at    TIMESTAMPTZ,
    PRIMARY KEY (pipeline_arn, definition_hash)
);
CREATE TABLE sagemaker_pipeline_parameters (
    source_key      VARCHAR NOT NULL,
    pipeline_arn    VARCHAR,
    definition_hash VARCHAR,
    name            VARCHAR NOT NULL,
    type            VARCHAR,
    default_value   VARCHAR,
    enum_values     VARCHAR[]
);
CREATE TABLE sagemaker_executions (
    source_key       VARCHAR NOT NULL,
    pipeline_arn     VARCHAR,
    execution_arn    VARCHAR NOT NULL,
    execution_id     VARCHAR,
    display_name     VARCHAR,
    status           VARCHAR,
    failure_reason   VARCHAR,
    started_at       TIMESTAMPTZ,
    last_modified_at TIMESTAMPTZ,
    definition_hash  VARCHAR,
    created_by       VARCHAR
);
CREATE TABLE sagemaker_execution_parameters (
    source_key    VARCHAR NOT NULL,
    execution_arn VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    value         VARCHAR,
    is_override   BOOLEAN
);
CREATE TABLE sagemaker_steps (
    source_key      VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    pipeline_name   VARCHAR NOT NULL,
    definition_hash VARCHAR,
    step_name       VARCHAR NOT NULL,
    step_type       VARCHAR,
    parent_step     VARCHAR,
    branch          VARCHAR,
    display_name    VARCHAR,
    description     VARCHAR,
    cache_enabled   BOOLEAN,
    arguments       JSON
);
CREATE TABLE sagemaker_step_edges (
    source_key    VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    pipeline_name VARCHAR NOT NULL,
    from_step     VARCHAR NOT NULL,
    to_step       VARCHAR NOT NULL,
    via           VARCHAR
);
CREATE TABLE sagemaker_step_runs (
    source_key                 VARCHAR NOT NULL,
    execution_arn              VARCHAR NOT NULL,
    step_name                  VARCHAR NOT NULL,
    step_type                  VARCHAR,
    status                     VARCHAR,
    started_at                 TIMESTAMPTZ,
    ended_at                   TIMESTAMPTZ,
    attempt_count              INTEGER,
    failure_reason             VARCHAR,
    cache_source_execution_arn VARCHAR,
    job_arn                    VARCHAR,
    model_package_arn          VARCHAR,
    condition_outcome          VARCHAR,
    metadata                   JSON
);
CREATE TABLE sagemaker_step_io (
    source_key    VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    pipeline_name VARCHAR NOT NULL,
    execution_arn VARCHAR,
    step_name     VARCHAR NOT NULL,
    direction     VARCHAR NOT NULL,
    channel       VARCHAR,
    uri           VARCHAR,
    data_kind     VARCHAR,
    provenance    VARCHAR NOT NULL,
    query_string  VARCHAR,
    expression    JSON
);
CREATE TABLE sagemaker_jobs (
    source_key     VARCHAR NOT NULL,
    job_arn        VARCHAR NOT NULL,
    job_type       VARCHAR,
    job_name       VARCHAR,
    execution_arn  VARCHAR,
    step_name      VARCHAR,
    status         VARCHAR,
    started_at     TIMESTAMPTZ,
    ended_at       TIMESTAMPTZ,
    failure_reason VARCHAR,
    description    JSON
);
CREATE TABLE sagemaker_job_metrics (
    source_key  VARCHAR NOT NULL,
    job_arn     VARCHAR NOT NULL,
    metric_name VARCHAR NOT NULL,
    value       DOUBLE,
    origin      VARCHAR
);
CREATE TABLE sagemaker_model_packages (
    source_key        VARCHAR NOT NULL,
    model_package_arn VARCHAR NOT NULL,
    region            VARCHAR,
    pipeline_name     VARCHAR,
    group_name        VARCHAR,
    version           INTEGER,
    approval_status   VARCHAR,
    model_data_url    VARCHAR,
    created_at        TIMESTAMPTZ,
    execution_arn     VARCHAR,
    step_name         VARCHAR
);
CREATE TABLE feature_groups (
    source_key           VARCHAR NOT NULL,
    region               VARCHAR NOT NULL,
    feature_group_name   VARCHAR NOT NULL,
    feature_group_arn    VARCHAR,
    record_identifier    VARCHAR,
    event_time_feature   VARCHAR,
    offline_store_uri    VARCHAR,
    resolved_offline_uri VARCHAR,
    kms_key_id           VARCHAR,
    glue_database        VARCHAR,
    glue_table           VARCHAR,
    online_store_enabled BOOLEAN,
    status               VARCHAR,
    created_at           TIMESTAMPTZ
);
CREATE TABLE features (
    source_key         VARCHAR NOT NULL,
    feature_group_name VARCHAR NOT NULL,
    feature_name       VARCHAR NOT NULL,
    feature_type       VARCHAR
);
"""

S3_DATASETS = """
CREATE TABLE s3_buckets (
    source_key         VARCHAR NOT NULL,
    bucket             VARCHAR NOT NULL,
    region             VARCHAR,
    encryption         VARCHAR,
    kms_key_id         VARCHAR,
    versioning         VARCHAR,
    public_access      VARCHAR,
    tags               JSON,
    checked_at         TIMESTAMPTZ,
    errors             JSON
);
CREATE TABLE s3_datasets (
    source_key        VARCHAR NOT NULL,
    dataset_uri       VARCHAR NOT NULL,
    bucket            VARCHAR,
    prefix            VARCHAR,
    format            VARCHAR,
    partition_columns VARCHAR[],
    schema_version    VARCHAR,
    objects_sampled   INTEGER,
    bytes_read        BIGINT,
    requests_made     INTEGER,
    sampled_at        TIMESTAMPTZ,
    error             VARCHAR
);
CREATE TABLE s3_schema_versions (
    dataset_uri   VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    schema        JSON NOT NULL,
    first_seen_at TIMESTAMPTZ,
    last_seen_at  TIMESTAMPTZ,
    sampled_from  VARCHAR[],
    PRIMARY KEY (dataset_uri, version)
);
CREATE TABLE s3_schema_columns (
    dataset_uri  VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    column_path  VARCHAR NOT NULL,
    column_type  VARCHAR,
    nullable     BOOLEAN,
    is_partition BOOLEAN,
    PRIMARY KEY (dataset_uri, version, column_path)
);
CREATE TABLE schema_drift (
    dataset_uri  VARCHAR NOT NULL,
    from_version VARCHAR,
    to_version   VARCHAR NOT NULL,
    change_kind  VARCHAR NOT NULL,
    column_path  VARCHAR NOT NULL,
    detail       VARCHAR,
    detected_at  TIMESTAMPTZ,
    PRIMARY KEY (dataset_uri, to_version, change_kind, column_path)
);
CREATE TABLE column_classifications (
    source_key     VARCHAR NOT NULL,
    dataset_uri    VARCHAR NOT NULL,
    column_path    VARCHAR NOT NULL,
    pii_class      VARCHAR,
    confidence     DOUBLE,
    evidence       JSON,
    masked_example VARCHAR,
    classified_at  TIMESTAMPTZ
);
CREATE TABLE classification_overrides (
    dataset_uri VARCHAR NOT NULL,
    column_path VARCHAR NOT NULL,
    pii_class   VARCHAR NOT NULL,
    note        VARCHAR,
    created_at  TIMESTAMPTZ,
    PRIMARY KEY (dataset_uri, column_path)
);
"""

GRAPH = """
CREATE TABLE inferred_edges (
    source_key  VARCHAR NOT NULL,
    source_node VARCHAR NOT NULL,
    target_node VARCHAR NOT NULL,
    edge_kind   VARCHAR NOT NULL,
    reason      VARCHAR
);
CREATE TABLE graph_snapshots (
    snapshot_id  VARCHAR PRIMARY KEY,
    run_id       VARCHAR,
    scope        VARCHAR NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    content_hash VARCHAR NOT NULL,
    node_count   INTEGER,
    edge_count   INTEGER,
    snapshot     JSON NOT NULL
);
"""

# Every edge the store knows, one shape: an analyst's first query.
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

# PII propagated along column edges, and what it exposes (written by the graph build).
PII = """
CREATE TABLE pii_tags (
    source_key  VARCHAR NOT NULL,
    column_node VARCHAR NOT NULL,
    owner_node  VARCHAR NOT NULL,
    pii_class   VARCHAR NOT NULL,
    seed_node   VARCHAR NOT NULL,
    hops        INTEGER NOT NULL,
    path        VARCHAR[] NOT NULL
);
CREATE TABLE pii_exposure_paths (
    source_key  VARCHAR NOT NULL,
    node        VARCHAR NOT NULL,
    node_kind   VARCHAR NOT NULL,
    exposure    VARCHAR NOT NULL,
    pii_classes VARCHAR[] NOT NULL,
    via_node    VARCHAR NOT NULL,
    path        VARCHAR[] NOT NULL
);
CREATE OR REPLACE VIEW pii_exposure AS
SELECT e.node, e.node_kind, e.exposure, e.pii_classes, e.via_node, e.path,
       m.approval_status, m.group_name AS model_package_group
FROM pii_exposure_paths e
LEFT JOIN sagemaker_model_packages m ON e.node = 'model_package:' || m.model_package_arn;
"""

# Oddities found in a pipeline's definitions, executions and reports, kept with the pipeline.
SAGEMAKER_WARNINGS = """
CREATE TABLE sagemaker_pipeline_warnings (
    source_key    VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    pipeline_name VARCHAR NOT NULL,
    execution_arn VARCHAR,
    code          VARCHAR NOT NULL,
    message       VARCHAR NOT NULL
);
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
    Migration(1, "core: sources, crawl runs, crawl errors", CORE),
    Migration(2, "sql lineage: files, statements, table and column edges", SQL_LINEAGE),
    Migration(3, "sagemaker: pipelines, executions, steps, jobs, models, features", SAGEMAKER),
    Migration(4, "s3: buckets, datasets, schema versions, classifications", S3_DATASETS),
    Migration(5, "graph: inferred edges, snapshots", GRAPH),
    Migration(6, "views and walk macros", LINEAGE_EDGES_VIEW + STALE_SOURCES_VIEW + WALK_MACROS),
    # 7 and 8 are reserved for the SageMaker crawl state and the S3 schema crawl.
    Migration(9, "graph: PII tags and exposure", PII),
    Migration(20, "sagemaker: pipeline warnings", SAGEMAKER_WARNINGS),
    Migration(21, "crawl runs: owner process, last activity, status reason", CRAWL_RUN_OWNERS),
    Migration(50, "dbt: project nodes with columns", DBT_NODES),
)
