"""Reads over the stored schemas for checks and the CLI: latest drift, PII in unprotected
buckets, a dataset's versions and columns. Every value travels as a query parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage_assets.s3_schema.drift import is_breaking

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


def latest_drift(conn: Any) -> list[DriftRow]:
    """Changes each dataset's latest sample found against its previous version."""
    return [DriftRow(*row) for row in conn.execute(_LATEST_DRIFT).fetchall()]


def exposed_pii(conn: Any) -> list[ExposedDataset]:
    """The DSPM finding: PII datasets in buckets that are unencrypted or not fully blocked."""
    return [ExposedDataset(*row) for row in conn.execute(_EXPOSED_PII).fetchall()]


def current_version(conn: Any, dataset_uri: str) -> str | None:
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


def versions(conn: Any, dataset_uri: str) -> tuple[list[str], list[tuple]]:
    """(columns, rows) of every version, newest first, with column and drift counts."""
    result = conn.execute(
        "SELECT v.version, v.first_seen_at, v.last_seen_at, "
        "(SELECT count(*) FROM s3_schema_columns c WHERE c.dataset_uri = v.dataset_uri "
        " AND c.version = v.version) AS columns, "
        "(SELECT count(*) FROM schema_drift d WHERE d.dataset_uri = v.dataset_uri "
        " AND d.to_version = v.version) AS changes_from_previous "
        "FROM s3_schema_versions v WHERE v.dataset_uri = ? ORDER BY v.first_seen_at DESC",
        [dataset_uri],
    )
    return [d[0] for d in result.description], result.fetchall()


def version_columns(conn: Any, dataset_uri: str, version: str) -> tuple[list[str], list[tuple]]:
    """(columns, rows): a version's columns with the effective PII class (overrides win)."""
    result = conn.execute(
        "SELECT c.column_path, c.column_type, c.nullable, c.is_partition, "
        "CASE WHEN o.pii_class = 'none' THEN NULL ELSE coalesce(o.pii_class, k.pii_class) END "
        "  AS pii_class, "
        "CASE WHEN o.pii_class IS NOT NULL THEN 1.0 ELSE k.confidence END AS confidence, "
        "k.masked_example "
        "FROM s3_schema_columns c "
        "LEFT JOIN column_classifications k "
        "  ON k.dataset_uri = c.dataset_uri AND k.column_path = c.column_path "
        "LEFT JOIN classification_overrides o "
        "  ON o.dataset_uri = c.dataset_uri AND o.column_path = c.column_path "
        "WHERE c.dataset_uri = ? AND c.version = ? ORDER BY c.is_partition, c.column_path",
        [dataset_uri, version],
    )
    return [d[0] for d in result.description], result.fetchall()
