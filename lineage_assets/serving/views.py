"""Typed reads of the serving tables: the crawl's incremental state (what each stored resource
looked like when last described), and the endpoints a DSPM team asks about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.serving.ids import LISTING_KIND, ResourceKind, resource_prefix
from lineage_assets.serving.records import CaptureConfig


@dataclass(frozen=True)
class StoredState:
    """What the store holds of one account and region: fingerprints of the resources last
    described successfully (by source key), every stored source key per kind, the data
    capture of stored endpoint configs, and the transform jobs pipelines ran."""

    fingerprints: dict[str, str]
    keys: dict[ResourceKind, set[str]]
    config_capture: dict[str, CaptureConfig]
    endpoint_captures: dict[str, str]  # endpoint source key -> capture destination
    pipeline_jobs: frozenset[str]
    failed_listings: frozenset[str]


def stored_state(conn: duckdb.DuckDBPyConnection, account_id: str, region: str) -> StoredState:
    """The incremental state of one account and region."""
    fingerprints: dict[str, str] = {}
    keys: dict[ResourceKind, set[str]] = {kind: set() for kind in ResourceKind}
    for kind in ResourceKind:
        rows = conn.execute(
            "SELECT source_key, content_hash, status FROM sources "
            "WHERE source_kind = ? AND starts_with(source_key, ?)",
            [kind.value, resource_prefix(kind, account_id, region)],
        ).fetchall()
        for key, digest, status in rows:
            keys[kind].add(key)
            if status == "ok" and digest:
                fingerprints[key] = digest
    capture_rows = conn.execute(
        "SELECT config_name, capture_enabled, capture_destination, capture_options, "
        "capture_sampling_percentage, capture_kms_key_id FROM serving_endpoint_configs "
        "WHERE account_id = ? AND region = ?",
        [account_id, region],
    ).fetchall()
    config_capture = {
        name: CaptureConfig(enabled, destination, tuple(options or ()), sampling, kms)
        for name, enabled, destination, options, sampling, kms in capture_rows
    }
    endpoint_rows = conn.execute(
        "SELECT source_key, capture_destination FROM serving_endpoints "
        "WHERE account_id = ? AND region = ? AND capture_destination IS NOT NULL",
        [account_id, region],
    ).fetchall()
    listings = conn.execute(
        "SELECT source_key FROM sources WHERE source_kind = ? AND starts_with(source_key, ?)",
        [LISTING_KIND, f"{LISTING_KIND}:{account_id}/{region}/"],
    ).fetchall()
    return StoredState(
        fingerprints,
        keys,
        config_capture,
        dict(endpoint_rows),
        pipeline_transform_jobs(conn),
        frozenset(row[0] for row in listings),
    )


def pipeline_transform_jobs(conn: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """ARNs of the transform jobs the pipeline crawl saw a pipeline run."""
    rows = conn.execute(
        "SELECT job_arn FROM sagemaker_step_runs WHERE contains(job_arn, ':transform-job/') "
        "UNION SELECT job_arn FROM sagemaker_jobs WHERE contains(job_arn, ':transform-job/')"
    ).fetchall()
    return frozenset(row[0] for row in rows)


@dataclass(frozen=True)
class Endpoint:
    """A stored endpoint: where it lives, its status, config and data capture."""

    account_id: str
    region: str
    endpoint_name: str
    endpoint_arn: str
    status: str | None
    config_name: str | None
    capture_enabled: bool | None
    capture_destination: str | None
    capture_options: list[str]
    created_at: datetime | None


def endpoints(conn: duckdb.DuckDBPyConnection, account_id: str | None = None) -> list[Endpoint]:
    """Every stored endpoint (of one account when given), by account, region and name."""
    rows = conn.execute(
        "SELECT account_id, region, endpoint_name, endpoint_arn, status, config_name, "
        "capture_enabled, capture_destination, capture_options, created_at "
        "FROM serving_endpoints WHERE ? IS NULL OR account_id = ? ORDER BY ALL",
        [account_id, account_id],
    ).fetchall()
    return [Endpoint(*row) for row in rows]


@dataclass(frozen=True)
class ExposedCapture:
    """An endpoint serving a model trained on personal data that captures requests, from
    `pii_exposure`: where, its status, the model, the capture prefix and its bucket's posture
    (NULL when the posture was never read)."""

    account_id: str | None
    region: str | None
    endpoint_name: str | None
    status: str | None
    model: str | None
    capture: str
    bucket: str | None
    encryption: str | None
    public_access: str | None
    pii_classes: list[str]
    path: list[str]

    @property
    def exposed(self) -> bool:
        """The bucket is known to lack default encryption or a full public-access block."""
        return self.encryption == "none" or self.public_access in ("none", "partial")

    @property
    def unknown(self) -> bool:
        """The bucket's posture could not be told (never read, or refused)."""
        return self.encryption in (None, "unknown") or self.public_access in (None, "unknown")


def exposed_captures(
    conn: duckdb.DuckDBPyConnection, account_id: str | None = None
) -> list[ExposedCapture]:
    """Every `captures` row of `pii_exposure` (of one account when given), in order."""
    rows = conn.execute(
        "SELECT account_id, region, endpoint_name, endpoint_status, path, node, capture_bucket, "
        "capture_encryption, capture_public_access, pii_classes FROM pii_exposure "
        "WHERE exposure = 'captures' AND (? IS NULL OR account_id = ?) ORDER BY ALL",
        [account_id, account_id],
    ).fetchall()
    model_prefix = NodeKind.MODEL.value + ":"
    return [
        ExposedCapture(
            account, region, name, status,
            next((n for n in reversed(path) if n.startswith(model_prefix)), None),
            node, bucket, encryption, public, list(classes), list(path),
        )
        for account, region, name, status, path, node, bucket, encryption, public, classes in rows
    ]  # fmt: skip
