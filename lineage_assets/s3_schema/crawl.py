"""Sampling many datasets into the store: which URIs, one source per dataset, one bad dataset
never stopping the rest, and a crawl-wide byte budget that skips (and records) what is left."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from lineage_assets import aws
from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.s3_schema.budget import BudgetExhausted, CrawlBudget
from lineage_assets.s3_schema.listing import parse_s3_uri
from lineage_assets.s3_schema.records import (
    SOURCE_KIND,
    classify_sample,
    dataset_records,
    overrides_for,
    previous_schema,
    source_key,
)
from lineage_assets.s3_schema.sampler import DatasetSample, SamplingConfig, sample_dataset
from lineage_assets.store import LineageStore, RecordError

# Every place the crawl found an S3 location: step I/O, feature stores, table LOCATIONs.
_STORE_URIS = """
SELECT uri FROM sagemaker_step_io WHERE uri IS NOT NULL
UNION SELECT coalesce(resolved_offline_uri, offline_store_uri) FROM feature_groups
UNION SELECT location_uri FROM table_locations
"""


@dataclass
class CrawlResult:
    """What a crawl sampled, what failed (uri → message) and what the budget skipped."""

    budget: CrawlBudget
    samples: list[DatasetSample] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def store_dataset_uris(conn: Any) -> list[str]:
    """Distinct S3 URIs the store knows from SageMaker and SQL lineage (s3a/s3n included)."""
    rows = conn.execute(_STORE_URIS).fetchall()
    return sorted(
        {uri for (uri,) in rows if uri and uri.lower().startswith(("s3://", "s3a://", "s3n://"))}
    )


def region_filesystems(default_region: str | None = None) -> Callable[[str | None], Any]:
    """pyarrow S3 filesystems by bucket region, each made once (endpoint and credentials as
    boto3 has them); an unknown region uses `default_region`."""

    @functools.cache
    def filesystem(region: str | None) -> Any:
        """The filesystem for one region."""
        return aws.s3_filesystem(region or default_region)

    return filesystem


def bucket_regions(conn: Any) -> dict[str, str]:
    """Bucket → region, as the posture crawl found them (`s3_buckets`)."""
    rows = conn.execute(
        "SELECT bucket, any_value(region) FROM s3_buckets WHERE region IS NOT NULL GROUP BY bucket"
    ).fetchall()
    return dict(rows)


def dataset_uris(uris: Iterable[str]) -> list[str]:
    """Unique, valid dataset URIs in order; `s3a://b/p` and `s3://b/p` are one dataset."""
    seen: dict[str, None] = {}
    for uri in uris:
        try:
            seen.setdefault(parse_s3_uri(uri).uri, None)
        except ValueError:
            continue
    return list(seen)


def crawl_datasets(
    store: LineageStore,
    uris: Iterable[str],
    s3: Any,
    filesystems: Callable[[str | None], Any],
    *,
    budget: CrawlBudget | None = None,
    config: SamplingConfig | None = None,
    run_id: str | None = None,
) -> CrawlResult:
    """Sample each dataset and replace its source; failures keep the last good rows (stale).
    `filesystems` maps a bucket's region (from `s3_buckets`, None if unknown) to pyarrow's
    filesystem, so buckets in other regions are read through their own endpoint."""
    result = CrawlResult(budget or CrawlBudget())
    regions = bucket_regions(store.conn)
    for uri in dataset_uris(uris):
        key = source_key(uri)
        filesystem = filesystems(regions.get(parse_s3_uri(uri).bucket))
        try:
            sample = sample_dataset(uri, s3, filesystem, result.budget, config or SamplingConfig())
        except BudgetExhausted as error:
            result.skipped.append(uri)
            store.mark_failed(
                key, SOURCE_KIND, str(error), run_id=run_id, error_type="BudgetExhausted"
            )
            continue
        except AWS_ERRORS as error:
            message = f"{uri}: {error_code(error)}: {error}"
            result.failed[uri] = message
            store.mark_failed(
                key, SOURCE_KIND, message, run_id=run_id, error_type=error_code(error)
            )
            continue
        try:
            classifications = classify_sample(sample, overrides_for(store.conn, uri))
            records = dataset_records(sample, previous_schema(store.conn, uri), classifications)
            store.replace_source(records, run_id)
        except (RecordError, duckdb.Error) as error:
            message = f"{uri}: not stored: {error}"
            result.failed[uri] = message
            store.mark_failed(key, SOURCE_KIND, message, run_id=run_id, error_type="RecordError")
            continue
        # The sampled values were only for classification: drop them before the sample lives on.
        result.samples.append(dataclasses.replace(sample, values={}))
    return result
