"""The graph's tables (inferred edges, snapshots, PII tags and exposure) and the inferred
edges' fragment of `lineage_edges`."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import Provenance
from lineage_assets.store.derived import DerivedView
from lineage_assets.store.migration import Migration

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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(5, "graph: inferred edges, snapshots", GRAPH),
    Migration(9, "graph: PII tags and exposure", PII),
)

EDGES: tuple[str, ...] = (
    f"""
    SELECT i.source_node, i.target_node, i.edge_kind, '{Provenance.INFERRED.value}' AS provenance,
           i.source_key, i.reason AS location, NULL AS commit_sha, NULL AS execution_arn
    FROM inferred_edges i
    """,
)

NODE_COLUMNS: tuple[str, ...] = ()

# `pii_exposure` as a derived view (it replaces migration 9's): the exposure paths with the
# model package's approval, and for an endpoint's rows (`served_by`, and `captures` whose
# path ends endpoint → prefix) the endpoint's account, status and the capture bucket's
# posture. The writer recreates it after every migration, so it may read any package's tables.
PII_EXPOSURE = """
CREATE OR REPLACE VIEW pii_exposure AS
WITH exposed AS (
    SELECT e.*,
           CASE e.exposure WHEN 'served_by' THEN e.node WHEN 'captures' THEN e.path[-2]
           END AS endpoint_node,
           CASE e.exposure WHEN 'captures' THEN regexp_extract(e.node, '^data:s3://([^/]+)', 1)
           END AS bucket
    FROM pii_exposure_paths e
), buckets AS (
    SELECT bucket, encryption, public_access FROM s3_buckets
    QUALIFY row_number() OVER (PARTITION BY bucket ORDER BY checked_at DESC NULLS LAST) = 1
)
SELECT e.node, e.node_kind, e.exposure, e.pii_classes, e.via_node, e.path,
       m.approval_status, m.group_name AS model_package_group,
       coalesce(s.account_id, nullif(regexp_extract(
           e.node, '^[a-z_]+:arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):', 1), '')) AS account_id,
       s.region, s.endpoint_name, s.status AS endpoint_status, e.bucket AS capture_bucket,
       b.encryption AS capture_encryption, b.public_access AS capture_public_access
FROM exposed e
LEFT JOIN sagemaker_model_packages m ON e.node = 'model_package:' || m.model_package_arn
LEFT JOIN serving_endpoints s ON e.endpoint_node = 'endpoint:' || s.endpoint_arn
LEFT JOIN buckets b ON b.bucket = e.bucket
"""

VIEWS: tuple[DerivedView, ...] = (DerivedView("pii_exposure", PII_EXPOSURE.strip()),)
