"""The serving tables (models and their containers, endpoint configs and their variants,
endpoints, monitoring schedules and what they read and write, batch transform jobs) and their
edges in `lineage_edges`: model package → model → endpoint config → endpoint → capture prefix,
data → transform job → data, capture prefix → monitoring schedule → reports."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import sql_node
from lineage_assets.store.migration import Migration

SERVING = """
CREATE TABLE serving_models (
    source_key         VARCHAR NOT NULL,
    account_id         VARCHAR NOT NULL,
    region             VARCHAR NOT NULL,
    model_name         VARCHAR NOT NULL,
    model_arn          VARCHAR NOT NULL,
    created_at         TIMESTAMPTZ,
    execution_role_arn VARCHAR,
    network_isolation  BOOLEAN,
    inference_mode     VARCHAR
);
CREATE TABLE serving_model_containers (
    source_key        VARCHAR NOT NULL,
    account_id        VARCHAR NOT NULL,
    region            VARCHAR NOT NULL,
    model_arn         VARCHAR NOT NULL,
    position          INTEGER NOT NULL,
    hostname          VARCHAR,
    image             VARCHAR,
    mode              VARCHAR,
    model_data_url    VARCHAR,
    model_data_field  VARCHAR,
    model_package_arn VARCHAR
);
CREATE TABLE serving_endpoint_configs (
    source_key                  VARCHAR NOT NULL,
    account_id                  VARCHAR NOT NULL,
    region                      VARCHAR NOT NULL,
    config_name                 VARCHAR NOT NULL,
    config_arn                  VARCHAR NOT NULL,
    created_at                  TIMESTAMPTZ,
    kms_key_id                  VARCHAR,
    capture_enabled             BOOLEAN,
    capture_destination         VARCHAR,
    capture_options             VARCHAR[],
    capture_sampling_percentage INTEGER,
    capture_kms_key_id          VARCHAR,
    async_output_uri            VARCHAR,
    async_failure_uri           VARCHAR
);
CREATE TABLE serving_variants (
    source_key             VARCHAR NOT NULL,
    account_id             VARCHAR NOT NULL,
    region                 VARCHAR NOT NULL,
    config_arn             VARCHAR NOT NULL,
    variant_name           VARCHAR NOT NULL,
    variant_type           VARCHAR NOT NULL,
    model_name             VARCHAR,
    model_arn              VARCHAR,
    instance_type          VARCHAR,
    initial_instance_count INTEGER,
    serverless             BOOLEAN
);
CREATE TABLE serving_endpoints (
    source_key                  VARCHAR NOT NULL,
    account_id                  VARCHAR NOT NULL,
    region                      VARCHAR NOT NULL,
    endpoint_name               VARCHAR NOT NULL,
    endpoint_arn                VARCHAR NOT NULL,
    status                      VARCHAR,
    failure_reason              VARCHAR,
    config_name                 VARCHAR,
    config_arn                  VARCHAR,
    pending_config_name         VARCHAR,
    created_at                  TIMESTAMPTZ,
    last_modified_at            TIMESTAMPTZ,
    capture_enabled             BOOLEAN,
    capture_status              VARCHAR,
    capture_destination         VARCHAR,
    capture_sampling_percentage INTEGER,
    capture_kms_key_id          VARCHAR,
    capture_options             VARCHAR[],
    async_output_uri            VARCHAR
);
CREATE TABLE serving_monitoring_schedules (
    source_key          VARCHAR NOT NULL,
    account_id          VARCHAR NOT NULL,
    region              VARCHAR NOT NULL,
    schedule_name       VARCHAR NOT NULL,
    schedule_arn        VARCHAR NOT NULL,
    status              VARCHAR,
    monitoring_type     VARCHAR,
    endpoint_name       VARCHAR,
    job_definition_name VARCHAR,
    created_at          TIMESTAMPTZ,
    last_modified_at    TIMESTAMPTZ,
    failure_reason      VARCHAR
);
CREATE TABLE serving_monitoring_io (
    source_key   VARCHAR NOT NULL,
    account_id   VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    schedule_arn VARCHAR NOT NULL,
    direction    VARCHAR NOT NULL,
    channel      VARCHAR NOT NULL,
    uri          VARCHAR NOT NULL
);
CREATE TABLE serving_transform_jobs (
    source_key             VARCHAR NOT NULL,
    account_id             VARCHAR NOT NULL,
    region                 VARCHAR NOT NULL,
    job_name               VARCHAR NOT NULL,
    job_arn                VARCHAR NOT NULL,
    status                 VARCHAR,
    failure_reason         VARCHAR,
    model_name             VARCHAR,
    model_arn              VARCHAR,
    created_at             TIMESTAMPTZ,
    last_modified_at       TIMESTAMPTZ,
    input_uri              VARCHAR,
    input_data_type        VARCHAR,
    output_uri             VARCHAR,
    capture_destination    VARCHAR,
    pipeline_execution_arn VARCHAR
);
"""

# Models hosted on an endpoint as inference components (variants then name no model).
INFERENCE_COMPONENTS = """
CREATE TABLE serving_inference_components (
    source_key       VARCHAR NOT NULL,
    account_id       VARCHAR NOT NULL,
    region           VARCHAR NOT NULL,
    component_name   VARCHAR NOT NULL,
    component_arn    VARCHAR NOT NULL,
    endpoint_name    VARCHAR,
    endpoint_arn     VARCHAR,
    variant_name     VARCHAR,
    model_name       VARCHAR,
    model_arn        VARCHAR,
    artifact_url     VARCHAR,
    status           VARCHAR,
    created_at       TIMESTAMPTZ,
    last_modified_at TIMESTAMPTZ
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(160, "serving: models, endpoint configs, endpoints, monitoring, transform", SERVING),
    Migration(161, "serving: inference components", INFERENCE_COMPONENTS),
)

_DECLARED = Provenance.DECLARED.value
_OBSERVED = Provenance.OBSERVED.value
_MODEL = sql_node(NodeKind.MODEL, "{}")
_PACKAGE = sql_node(NodeKind.MODEL_PACKAGE, "{}")
_CONFIG = sql_node(NodeKind.ENDPOINT_CONFIG, "{}")
_ENDPOINT = sql_node(NodeKind.ENDPOINT, "{}")
_SCHEDULE = sql_node(NodeKind.MONITORING_SCHEDULE, "{}")
_JOB = sql_node(NodeKind.TRANSFORM_JOB, "{}")
_DATA = sql_node(NodeKind.DATA, "{}")

EDGE_MODEL_FROM_PACKAGE = "model_from_package"
EDGE_MODEL_ARTIFACT = "model_artifact"
EDGE_VARIANT = "variant"
EDGE_SHADOW_VARIANT = "shadow_variant"
EDGE_DEPLOYED = "deployed_as"
EDGE_CAPTURE = "capture"
EDGE_ASYNC_OUTPUT = "async_output"
EDGE_MONITORS = "monitor_read"
EDGE_BASELINE = "baseline"
EDGE_REPORTS = "monitor_report"
EDGE_TRANSFORM_MODEL = "transform_model"
EDGE_INFERENCE_COMPONENT = "inference_component"

# Transform jobs a pipeline ran keep a row (so they are not described again) but no edges:
# the pipeline crawl states those.
_OUTSIDE_PIPELINES = "t.pipeline_execution_arn IS NULL"

# A monitoring schedule's `monitors` edge starts at its endpoint's capture destination, which the
# endpoint's source owns: the schedule's index rows are made again when an endpoint changes.
CROSS_SOURCE_EDGES = (("serving_monitoring_schedules", "serving_endpoints"),)

EDGES: tuple[str, ...] = (
    f"""
    SELECT {_PACKAGE.format("c.model_package_arn")}, {_MODEL.format("c.model_arn")},
           '{EDGE_MODEL_FROM_PACKAGE}', '{_DECLARED}', c.source_key,
           'container ' || c.position::VARCHAR || ' of ' || c.model_arn, NULL, NULL
    FROM serving_model_containers c WHERE c.model_package_arn IS NOT NULL
    """,
    f"""
    SELECT {_DATA.format("c.model_data_url")}, {_MODEL.format("c.model_arn")},
           '{EDGE_MODEL_ARTIFACT}', '{_DECLARED}', c.source_key,
           c.model_data_field || ' of container ' || c.position::VARCHAR, NULL, NULL
    FROM serving_model_containers c WHERE c.model_data_url IS NOT NULL
    """,
    f"""
    SELECT {_MODEL.format("v.model_arn")}, {_CONFIG.format("v.config_arn")},
           CASE WHEN v.variant_type = 'shadow' THEN '{EDGE_SHADOW_VARIANT}'
                ELSE '{EDGE_VARIANT}' END,
           '{_DECLARED}', v.source_key, v.variant_type || ' variant ' || v.variant_name,
           NULL, NULL
    FROM serving_variants v WHERE v.model_arn IS NOT NULL
    """,
    f"""
    SELECT {_CONFIG.format("e.config_arn")}, {_ENDPOINT.format("e.endpoint_arn")},
           '{EDGE_DEPLOYED}', '{_OBSERVED}', e.source_key,
           coalesce(e.status, 'unknown') || ' endpoint ' || e.endpoint_name, NULL, NULL
    FROM serving_endpoints e WHERE e.config_arn IS NOT NULL
    """,
    f"""
    SELECT {_ENDPOINT.format("e.endpoint_arn")}, {_DATA.format("e.capture_destination")},
           '{EDGE_CAPTURE}', '{_OBSERVED}', e.source_key,
           'DataCaptureConfig of ' || e.endpoint_name, NULL, NULL
    FROM serving_endpoints e
    WHERE e.capture_destination IS NOT NULL AND coalesce(e.capture_enabled, true)
    """,
    f"""
    SELECT {_ENDPOINT.format("e.endpoint_arn")}, {_DATA.format("e.async_output_uri")},
           '{EDGE_ASYNC_OUTPUT}', '{_DECLARED}', e.source_key,
           'AsyncInferenceConfig of ' || e.endpoint_name, NULL, NULL
    FROM serving_endpoints e WHERE e.async_output_uri IS NOT NULL
    """,
    f"""
    SELECT {_DATA.format("e.capture_destination")}, {_SCHEDULE.format("s.schedule_arn")},
           '{EDGE_MONITORS}', '{_DECLARED}', s.source_key,
           'data captured by ' || s.endpoint_name, NULL, NULL
    FROM serving_monitoring_schedules s
    JOIN serving_endpoints e USING (account_id, region, endpoint_name)
    WHERE e.capture_destination IS NOT NULL
    """,
    f"""
    SELECT CASE WHEN io.direction = 'output' THEN {_SCHEDULE.format("io.schedule_arn")}
                ELSE {_DATA.format("io.uri")} END,
           CASE WHEN io.direction = 'output' THEN {_DATA.format("io.uri")}
                ELSE {_SCHEDULE.format("io.schedule_arn")} END,
           CASE io.direction WHEN 'output' THEN '{EDGE_REPORTS}'
                WHEN 'baseline' THEN '{EDGE_BASELINE}' ELSE '{EDGE_MONITORS}' END,
           '{_DECLARED}', io.source_key, io.channel, NULL, NULL
    FROM serving_monitoring_io io
    """,
    f"""
    SELECT {_DATA.format("t.input_uri")}, {_JOB.format("t.job_arn")}, 'read', '{_OBSERVED}',
           t.source_key, 'TransformInput of ' || t.job_name, NULL, NULL
    FROM serving_transform_jobs t WHERE t.input_uri IS NOT NULL AND {_OUTSIDE_PIPELINES}
    """,
    f"""
    SELECT {_JOB.format("t.job_arn")}, {_DATA.format("t.output_uri")}, 'write', '{_OBSERVED}',
           t.source_key, 'TransformOutput of ' || t.job_name, NULL, NULL
    FROM serving_transform_jobs t WHERE t.output_uri IS NOT NULL AND {_OUTSIDE_PIPELINES}
    """,
    f"""
    SELECT {_JOB.format("t.job_arn")}, {_DATA.format("t.capture_destination")},
           '{EDGE_CAPTURE}', '{_OBSERVED}', t.source_key,
           'DataCaptureConfig of ' || t.job_name, NULL, NULL
    FROM serving_transform_jobs t
    WHERE t.capture_destination IS NOT NULL AND {_OUTSIDE_PIPELINES}
    """,
    f"""
    SELECT {_MODEL.format("t.model_arn")}, {_JOB.format("t.job_arn")},
           '{EDGE_TRANSFORM_MODEL}', '{_OBSERVED}', t.source_key,
           'ModelName of ' || t.job_name, NULL, NULL
    FROM serving_transform_jobs t WHERE t.model_arn IS NOT NULL AND {_OUTSIDE_PIPELINES}
    """,
    f"""
    SELECT {_MODEL.format("i.model_arn")}, {_ENDPOINT.format("i.endpoint_arn")},
           '{EDGE_INFERENCE_COMPONENT}', '{_DECLARED}', i.source_key,
           'inference component ' || i.component_name, NULL, NULL
    FROM serving_inference_components i
    WHERE i.model_arn IS NOT NULL AND i.endpoint_arn IS NOT NULL
    """,
)

NODE_COLUMNS: tuple[str, ...] = ()
