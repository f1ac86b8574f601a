"""Typed reads over the S3 crawl's tables, for the crawl itself (URIs to sample, bucket
regions, the previous schema, overrides), its checks and the CLI (latest drift, PII in
unprotected buckets, a dataset's versions and columns). Every value travels as a query
parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from lineage_assets.core.enums import NodeKind, Provenance
from lineage_assets.core.ids import data_node, key_of
from lineage_assets.core.uris import normalize
from lineage_assets.s3_schema.drift import is_breaking
from lineage_assets.s3_schema.union import ColumnSchema

if TYPE_CHECKING:
    import duckdb

# Every storage location the sources name in `lineage_edges` (step I/O, feature stores, table
# LOCATIONs): read, not inferred, edges only.
_EDGE_DATA_NODES = """
SELECT DISTINCT node FROM (
    SELECT source_node AS node, provenance FROM lineage_edges
    UNION ALL
    SELECT target_node, provenance FROM lineage_edges
)
WHERE starts_with(node, ?) AND provenance <> ?
"""

# Drift found by each dataset's latest sample (its rows carry that sample's time).
_LATEST_DRIFT = """
SELECT d.dataset_uri, d.from_version, d.to_version, d.change_kind, d.column_path, d.detail
FROM schema_drift d
JOIN s3_datasets s ON s.dataset_uri = d.dataset_uri AND s.schema_version = d.to_version
                  AND s.sampled_at = d.detected_at
ORDER BY d.dataset_uri, d.column_path
"""

# Datasets with a PII column whose bucket lacks default encryption or a full public-access
# block; a bucket whose posture was never read counts as unprotected.
_EXPOSED_PII = """
SELECT s.dataset_uri, s.bucket,
       list(DISTINCT c.pii_class ORDER BY c.pii_class) AS pii_classes,
       count(DISTINCT c.column_path) AS pii_columns,
       coalesce(any_value(b.encryption), 'unknown') AS encryption,
       coalesce(any_value(b.public_access), 'unknown') AS public_access
FROM s3_datasets s
JOIN column_classifications c ON c.dataset_uri = s.dataset_uri AND c.pii_class IS NOT NULL
LEFT JOIN s3_buckets b ON b.bucket = s.bucket
GROUP BY s.dataset_uri, s.bucket
HAVING coalesce(any_value(b.encryption), 'unknown') IN ('none', 'unknown')
    OR coalesce(any_value(b.public_access), 'unknown') <> 'blocked'
ORDER BY s.dataset_uri
"""

# Every version of a dataset, newest first, with its column count and the drift into it.
_VERSIONS = """
SELECT v.version, v.first_seen_at, v.last_seen_at,
       (SELECT count(*) FROM s3_schema_columns c WHERE c.dataset_uri = v.dataset_uri
        AND c.version = v.version) AS columns,
       (SELECT count(*) FROM schema_drift d WHERE d.dataset_uri = v.dataset_uri
        AND d.to_version = v.version) AS changes_from_previous
FROM s3_schema_versions v WHERE v.dataset_uri = ? ORDER BY v.first_seen_at DESC
"""

# A version's columns with the effective PII class: an analyst's override wins, `none` clears.
_VERSION_COLUMNS = """
SELECT c.column_path, c.column_type, c.nullable, c.is_partition,
       CASE WHEN o.pii_class = 'none' THEN NULL ELSE coalesce(o.pii_class, k.pii_class) END
         AS pii_class,
       CASE WHEN o.pii_class IS NOT NULL THEN 1.0 ELSE k.confidence END AS confidence,
       k.masked_example
FROM s3_schema_columns c
LEFT JOIN column_classifications k
  ON k.dataset_uri = c.dataset_uri AND k.column_path = c.column_path
LEFT JOIN classification_overrides o
  ON o.dataset_uri = c.dataset_uri AND o.column_path = c.column_path
WHERE c.dataset_uri = ? AND c.version = ? ORDER BY c.is_partition, c.column_path
"""

_S3_SCHEME = "s3://"  # `normalize` spells s3a:// and s3n:// this way too


@dataclass(frozen=True)
class StoredSchema:
    """A version already in the store, with its columns."""

    version: str
    columns: tuple[ColumnSchema, ...]


class Override(NamedTuple):
    """An analyst's decision on one column: a class (`none` = not PII) and a note."""

    pii_class: str
    note: str | None


@dataclass(frozen=True)
class DriftRow:
    """One stored change with its severity."""

    dataset_uri: str
    from_version: str | None
    to_version: str
    change_kind: str
    column_path: str
    detail: str | None

    @property
    def breaking(self) -> bool:
        """Whether readers of the old schema may break (removed, changed, partitions)."""
        return is_breaking(self.change_kind, self.detail)


@dataclass(frozen=True)
class ExposedDataset:
    """A dataset holding PII in a bucket without encryption or a public-access block."""

    dataset_uri: str
    bucket: str
    pii_classes: list[str]
    pii_columns: int
    encryption: str
    public_access: str


@dataclass(frozen=True)
class SchemaVersion:
    """One version of a dataset's schema: when it was seen, its columns, the drift into it."""

    version: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    columns: int
    changes_from_previous: int


@dataclass(frozen=True)
class VersionColumn:
    """A column of one version with its effective PII class (overrides win)."""

    column_path: str
    column_type: str | None
    nullable: bool | None
    is_partition: bool | None
    pii_class: str | None
    confidence: float | None
    masked_example: str | None


def is_s3_uri(uri: str) -> bool:
    """Whether a location is in S3 (`s3://`, `s3a://`, `s3n://`, any case)."""
    return normalize(uri).startswith(_S3_SCHEME)


def store_dataset_uris(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Distinct S3 URIs the store's sources name (SageMaker step I/O and feature stores, SQL
    table locations), as spelled there (s3a/s3n included)."""
    rows = conn.execute(_EDGE_DATA_NODES, [data_node(""), Provenance.INFERRED.value]).fetchall()
    uris = (key_of(node, NodeKind.DATA) or "" for (node,) in rows)
    return sorted({uri for uri in uris if is_s3_uri(uri)})


def bucket_regions(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Bucket → region, as the posture crawl found them (`s3_buckets`)."""
    rows = conn.execute(
        "SELECT bucket, any_value(region) FROM s3_buckets WHERE region IS NOT NULL GROUP BY bucket"
    ).fetchall()
    return dict(rows)


def current_version(conn: duckdb.DuckDBPyConnection, dataset_uri: str) -> str | None:
    """The version of the dataset's latest sample, else the most recently seen one."""
    row = (
        conn.execute(
            "SELECT schema_version FROM s3_datasets WHERE dataset_uri = ? "
            "AND schema_version IS NOT NULL",
            [dataset_uri],
        ).fetchone()
        or conn.execute(
            "SELECT version FROM s3_schema_versions WHERE dataset_uri = ? "
            "ORDER BY last_seen_at DESC LIMIT 1",
            [dataset_uri],
        ).fetchone()
    )
    return row[0] if row else None


def previous_schema(conn: duckdb.DuckDBPyConnection, dataset_uri: str) -> StoredSchema | None:
    """The version the dataset had at its last successful sample (else the latest seen)."""
    version = current_version(conn, dataset_uri)
    if version is None:
        return None
    columns = conn.execute(
        "SELECT column_path, column_type, nullable, is_partition FROM s3_schema_columns "
        "WHERE dataset_uri = ? AND version = ? ORDER BY column_path",
        [dataset_uri, version],
    ).fetchall()
    return StoredSchema(version, tuple(ColumnSchema(*column) for column in columns))


def overrides_for(conn: duckdb.DuckDBPyConnection, dataset_uri: str) -> dict[str, Override]:
    """The analysts' decisions for a dataset, by column."""
    rows = conn.execute(
        "SELECT column_path, pii_class, note FROM classification_overrides WHERE dataset_uri = ?",
        [dataset_uri],
    ).fetchall()
    return {path: Override(pii_class, note) for path, pii_class, note in rows}


def latest_drift(conn: duckdb.DuckDBPyConnection) -> list[DriftRow]:
    """Changes each dataset's latest sample found against its previous version."""
    return [DriftRow(*row) for row in conn.execute(_LATEST_DRIFT).fetchall()]


def exposed_pii(conn: duckdb.DuckDBPyConnection) -> list[ExposedDataset]:
    """The DSPM finding: PII datasets in buckets that are unencrypted or not fully blocked."""
    return [ExposedDataset(*row) for row in conn.execute(_EXPOSED_PII).fetchall()]


def known_datasets(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every dataset with a stored schema version (to suggest close matches for a name)."""
    rows = conn.execute("SELECT DISTINCT dataset_uri FROM s3_schema_versions").fetchall()
    return [uri for (uri,) in rows]


def versions(conn: duckdb.DuckDBPyConnection, dataset_uri: str) -> list[SchemaVersion]:
    """Every version of the dataset, newest first, with column and drift counts."""
    return [SchemaVersion(*row) for row in conn.execute(_VERSIONS, [dataset_uri]).fetchall()]


def version_columns(
    conn: duckdb.DuckDBPyConnection, dataset_uri: str, version: str
) -> list[VersionColumn]:
    """A version's columns with the effective PII class (overrides win)."""
    rows = conn.execute(_VERSION_COLUMNS, [dataset_uri, version]).fetchall()
    return [VersionColumn(*row) for row in rows]
