"""The retention tables: the store's salt, each report read (or refused), the deleted ids and
the ids each object holds, all ids as salted hashes (see `retention.records`)."""

from __future__ import annotations

from lineage_assets.store.migration import Migration

RETENTION = """
CREATE TABLE retention_salt (
    salt_id    INTEGER PRIMARY KEY,
    salt       VARCHAR NOT NULL,
    created_at TIMESTAMPTZ
);
CREATE TABLE retention_reports (
    source_key      VARCHAR NOT NULL,
    location        VARCHAR NOT NULL,
    report_uri      VARCHAR NOT NULL,
    modified_at     TIMESTAMPTZ,
    size_bytes      BIGINT,
    shapes          VARCHAR[],
    deleted_ids     BIGINT,
    usage_objects   BIGINT,
    usage_ids       BIGINT,
    ignored_entries BIGINT,
    usage_in_effect BOOLEAN,
    error           VARCHAR,
    read_at         TIMESTAMPTZ
);
CREATE TABLE retention_deleted_ids (
    source_key VARCHAR NOT NULL,
    report_uri VARCHAR NOT NULL,
    id_hash    VARCHAR NOT NULL,
    status     VARCHAR
);
CREATE TABLE retention_id_usage (
    source_key VARCHAR NOT NULL,
    report_uri VARCHAR NOT NULL,
    object_uri VARCHAR NOT NULL,
    id_hash    VARCHAR NOT NULL
);
CREATE VIEW retention_affected AS
SELECT u.object_uri, u.id_hash, u.report_uri AS usage_report, d.report_uri AS deletion_report,
       d.status
FROM retention_id_usage u JOIN retention_deleted_ids d USING (id_hash);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(100, "retention: salt, reports, deleted id hashes, id usage per object", RETENTION),
)

EDGES: tuple[str, ...] = ()

NODE_COLUMNS: tuple[str, ...] = ()
