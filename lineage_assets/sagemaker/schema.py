"""The SageMaker tables (domains, pipelines, executions, steps, jobs, models, feature groups,
warnings, tables read by step input queries), their edges in `lineage_edges` and the feature
columns of offline stores."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_feature_group_node, sql_node, sql_step_node
from lineage_assets.store.migration import Migration

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

# Tables that the Athena/Redshift queries of step inputs read, parsed when the pipeline is crawled
# (one row without a table for a query that reads none, so a crawl knows the query was seen).
SAGEMAKER_STEP_QUERIES = """
CREATE TABLE sagemaker_step_queries (
    source_key    VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    pipeline_name VARCHAR NOT NULL,
    step_name     VARCHAR NOT NULL,
    data_kind     VARCHAR,
    engine        VARCHAR,
    table_name    VARCHAR
);
"""

# Pipeline names are unique per account and region only: every key and node names the account.
# Rows crawled before that are removed with their sources (the next crawl writes them again
# under account-qualified keys; definition versions, keyed by ARN, stay as history).
SAGEMAKER_ACCOUNTS = """
ALTER TABLE sagemaker_domains ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_pipelines ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_steps ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_step_edges ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_step_io ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_model_packages ADD COLUMN account_id VARCHAR;
ALTER TABLE feature_groups ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_pipeline_warnings ADD COLUMN account_id VARCHAR;
ALTER TABLE sagemaker_step_queries ADD COLUMN account_id VARCHAR;
DELETE FROM sagemaker_domains;
DELETE FROM sagemaker_pipelines;
DELETE FROM sagemaker_steps;
DELETE FROM sagemaker_step_edges;
DELETE FROM sagemaker_step_io;
DELETE FROM sagemaker_model_packages;
DELETE FROM feature_groups;
DELETE FROM sagemaker_pipeline_warnings;
DELETE FROM sagemaker_step_queries;
DELETE FROM sagemaker_pipeline_parameters;
DELETE FROM sagemaker_executions;
DELETE FROM sagemaker_execution_parameters;
DELETE FROM sagemaker_step_runs;
DELETE FROM sagemaker_jobs;
DELETE FROM sagemaker_job_metrics;
DELETE FROM features;
DELETE FROM lineage_edge_index WHERE source_key IN (
    SELECT source_key FROM sources
    WHERE source_kind IN ('sagemaker_pipeline', 'sagemaker_region', 'sagemaker_domains')
);
DELETE FROM sources
WHERE source_kind IN ('sagemaker_pipeline', 'sagemaker_region', 'sagemaker_domains');
"""

# Every container of a registered model package: a PipelineModel registers several models,
# and the trained one is seldom the first (sagemaker_model_packages keeps the first only).
SAGEMAKER_PACKAGE_CONTAINERS = """
CREATE TABLE sagemaker_model_package_containers (
    source_key        VARCHAR NOT NULL,
    account_id        VARCHAR,
    model_package_arn VARCHAR NOT NULL,
    position          INTEGER NOT NULL,
    image             VARCHAR,
    model_data_url    VARCHAR
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(3, "sagemaker: pipelines, executions, steps, jobs, models, features", SAGEMAKER),
    Migration(20, "sagemaker: pipeline warnings", SAGEMAKER_WARNINGS),
    Migration(22, "sagemaker: tables read by step input queries", SAGEMAKER_STEP_QUERIES),
    Migration(23, "sagemaker: account ids in keys and rows", SAGEMAKER_ACCOUNTS),
    Migration(24, "sagemaker: every container of a model package", SAGEMAKER_PACKAGE_CONTAINERS),
)

_IO_STEP = sql_step_node("io.account_id", "io.region", "io.pipeline_name", "io.step_name")
_IO_DATA = sql_node(NodeKind.DATA, "io.uri")
_OFFLINE_URI = "coalesce(g.resolved_offline_uri, g.offline_store_uri)"
_INFERRED = Provenance.INFERRED.value

EDGES: tuple[str, ...] = (
    f"""
    SELECT CASE WHEN io.direction = 'input' THEN {_IO_DATA} ELSE {_IO_STEP} END AS source_node,
           CASE WHEN io.direction = 'input' THEN {_IO_STEP} ELSE {_IO_DATA} END AS target_node,
           CASE WHEN io.direction = 'input' THEN 'read' ELSE 'write' END AS edge_kind,
           io.provenance, io.source_key, io.pipeline_name || '/' || io.step_name AS location,
           NULL AS commit_sha, io.execution_arn
    FROM sagemaker_step_io io WHERE io.uri IS NOT NULL
    """,
    f"""
    SELECT {sql_step_node("e.account_id", "e.region", "e.pipeline_name", "e.from_step")},
           {sql_step_node("e.account_id", "e.region", "e.pipeline_name", "e.to_step")},
           'step_' || coalesce(e.via, 'dependency'), '{Provenance.DECLARED.value}', e.source_key,
           e.pipeline_name, NULL, NULL
    FROM sagemaker_step_edges e
    """,
    f"""
    SELECT {sql_step_node("m.account_id", "m.region", "m.pipeline_name", "m.step_name")},
           {sql_node(NodeKind.MODEL_PACKAGE, "m.model_package_arn")}, 'registers',
           '{Provenance.OBSERVED.value}', m.source_key, m.pipeline_name || '/' || m.step_name,
           NULL, m.execution_arn
    FROM sagemaker_model_packages m
    WHERE m.step_name IS NOT NULL AND m.pipeline_name IS NOT NULL AND m.region IS NOT NULL
    """,
    f"""
    SELECT {sql_node(NodeKind.DATA, _OFFLINE_URI)},
           {sql_feature_group_node("g.account_id", "g.region", "g.feature_group_name")},
           'offline_store', '{Provenance.DECLARED.value}', g.source_key, g.feature_group_name,
           NULL, NULL
    FROM feature_groups g WHERE {_OFFLINE_URI} IS NOT NULL
    """,
    # Joins of the pipeline's own rows (provenance `inferred`, `location` says why): tables
    # its input queries read, each execution to the steps it ran, a feature group to its
    # offline data, a model package's data to the package.
    f"""
    SELECT {sql_node(NodeKind.TABLE, "q.table_name")},
           {sql_step_node("q.account_id", "q.region", "q.pipeline_name", "q.step_name")},
           'query', '{_INFERRED}',
           q.source_key,
           coalesce(nullif(q.data_kind, ''), 'SQL') || ' query of ' || q.pipeline_name || '/'
           || q.step_name,
           NULL, NULL
    FROM sagemaker_step_queries q WHERE q.table_name IS NOT NULL
    """,
    f"""
    SELECT DISTINCT {sql_node(NodeKind.EXECUTION, "r.execution_arn")},
           {sql_step_node("p.account_id", "p.region", "p.pipeline_name", "r.step_name")},
           'ran', '{_INFERRED}',
           r.source_key, coalesce(nullif(r.status, ''), 'unknown'), NULL, NULL
    FROM sagemaker_step_runs r JOIN sagemaker_pipelines p USING (source_key)
    """,
    f"""
    SELECT {sql_feature_group_node("g.account_id", "g.region", "g.feature_group_name")},
           {sql_node(NodeKind.DATA, _OFFLINE_URI)}, 'feature_group_data', '{_INFERRED}',
           g.source_key, g.feature_group_name, NULL, NULL
    FROM feature_groups g WHERE {_OFFLINE_URI} IS NOT NULL
    """,
    f"""
    SELECT {sql_node(NodeKind.DATA, "m.model_data_url")},
           {sql_node(NodeKind.MODEL_PACKAGE, "m.model_package_arn")}, 'model_data', '{_INFERRED}',
           m.source_key, 'ModelDataUrl of ' || m.model_package_arn, NULL, NULL
    FROM sagemaker_model_packages m WHERE m.model_data_url IS NOT NULL
    """,
    f"""
    SELECT {sql_node(NodeKind.DATA, "c.model_data_url")},
           {sql_node(NodeKind.MODEL_PACKAGE, "c.model_package_arn")}, 'model_data', '{_INFERRED}',
           c.source_key,
           'ModelDataUrl of container ' || c.position || ' of ' || c.model_package_arn, NULL, NULL
    FROM sagemaker_model_package_containers c
    WHERE c.model_data_url IS NOT NULL AND c.position > 1
    """,
)

# A feature group's features are the columns of its offline store's data.
NODE_COLUMNS: tuple[str, ...] = (
    f"""
    SELECT {sql_node(NodeKind.DATA, _OFFLINE_URI)} AS node, f.feature_name AS column_name,
           f.source_key
    FROM features f JOIN feature_groups g USING (source_key, feature_group_name)
    WHERE {_OFFLINE_URI} IS NOT NULL
    """,
)
