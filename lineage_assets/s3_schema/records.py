"""A sampled dataset as store records: the per-source `s3_datasets` and
`column_classifications` rows, and the upserted version, column and drift history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_assets.pii.classifier import ColumnClassification, apply_override, classify_column
from lineage_assets.s3_schema.drift import SchemaChange, diff
from lineage_assets.s3_schema.ids import DATASET_SOURCE_KIND, dataset_source_key
from lineage_assets.s3_schema.sampler import DatasetSample
from lineage_assets.s3_schema.versions import schema_document
from lineage_assets.s3_schema.views import Override, StoredSchema
from lineage_assets.store import SourceRecords, Upsert


def classify_sample(
    sample: DatasetSample, overrides: Mapping[str, Override] | None = None
) -> list[ColumnClassification]:
    """Every file column classified from its name and in-memory values; overrides win."""
    overrides = overrides or {}
    results = []
    for column in sample.columns:
        if column.is_partition:
            continue
        found = classify_column(column.path, column.type, sample.values.get(column.path, ()))
        override = overrides.get(column.path)
        if override is not None:
            found = apply_override(found, override.pii_class, override.note)
        results.append(found)
    return results


def _drift_rows(
    sample: DatasetSample, previous: StoredSchema | None, now: datetime
) -> list[dict[str, Any]]:
    """Drift from the previous version to this one; none for a first or unchanged schema."""
    if previous is None or sample.version in (None, previous.version):
        return []
    changes: list[SchemaChange] = diff(previous.columns, sample.columns)
    return [
        {
            "dataset_uri": sample.uri,
            "from_version": previous.version,
            "to_version": sample.version,
            "change_kind": change.change_kind,
            "column_path": change.column_path,
            "detail": change.detail,
            "detected_at": now,
        }
        for change in changes
    ]


def dataset_records(
    sample: DatasetSample,
    previous: StoredSchema | None,
    classifications: Sequence[ColumnClassification],
) -> SourceRecords:
    """The dataset as a store source: its row, classifications, and history upserts."""
    now = sample.sampled_at
    records = SourceRecords(dataset_source_key(sample.uri), DATASET_SOURCE_KIND, sample.uri)
    records.content_hash = sample.version
    records.add(
        "s3_datasets",
        [
            {
                "dataset_uri": sample.uri,
                "bucket": sample.location.bucket,
                "prefix": sample.location.prefix,
                "format": sample.format,
                "partition_columns": sample.partition_columns,
                "schema_version": sample.version,
                "objects_sampled": len(sample.sampled_from),
                "bytes_read": sample.bytes_read,
                "requests_made": sample.requests_made,
                "sampled_at": now,
                "error": sample.error,
            }
        ],
    )
    records.add(
        "column_classifications",
        [
            {
                "dataset_uri": sample.uri,
                "column_path": c.column_path,
                "pii_class": c.pii_class,
                "confidence": c.confidence,
                "evidence": c.evidence,
                "masked_example": c.masked_example,
                "classified_at": now,
            }
            for c in classifications
        ],
    )
    if sample.version is None:
        return records
    version_key = {"dataset_uri": sample.uri, "version": sample.version}
    records.history = [
        Upsert(
            "s3_schema_versions",
            ("dataset_uri", "version"),
            [
                version_key
                | {
                    "schema": schema_document(sample.columns, sample.format),
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "sampled_from": sample.sampled_from,
                }
            ],
            keep=("first_seen_at",),
        ),
        Upsert(
            "s3_schema_columns",
            ("dataset_uri", "version", "column_path"),
            [
                version_key
                | {
                    "column_path": c.path,
                    "column_type": c.type,
                    "nullable": c.nullable,
                    "is_partition": c.is_partition,
                }
                for c in sample.columns
            ],
        ),
        Upsert(
            "schema_drift",
            ("dataset_uri", "to_version", "change_kind", "column_path"),
            _drift_rows(sample, previous, now),
            keep=("detected_at",),
        ),
    ]
    return records
