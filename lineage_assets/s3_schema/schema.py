"""The S3 tables (buckets, datasets, schema versions and drift, classifications) and the
columns of each dataset's latest sampled schema; S3 sampling adds no edges of its own."""

# ruff: noqa: S608  (the fragments are SQL over the schema's own tables; they hold no values)

from __future__ import annotations

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import sql_node
from lineage_assets.store.migration import Migration

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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(4, "s3: buckets, datasets, schema versions, classifications", S3_DATASETS),
)

EDGES: tuple[str, ...] = ()

# The columns of the schema version a dataset was last sampled with.
NODE_COLUMNS: tuple[str, ...] = (
    f"""
    SELECT {sql_node(NodeKind.DATA, "c.dataset_uri")} AS node, c.column_path AS column_name,
           d.source_key
    FROM s3_schema_columns c
    JOIN s3_datasets d ON d.dataset_uri = c.dataset_uri AND d.schema_version = c.version
    """,
)
