"""Sampling many datasets into the store: which URIs, one source per dataset, one bad dataset
never stopping the rest, and a crawl-wide byte budget that skips (and records) what is left.

A dataset where nothing could be read (every object failed, or the budget ran out) keeps its
last good schema and classifications, marked stale with the error naming the objects.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from lineage_assets import aws
from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.s3_schema.budget import BudgetExhausted, CrawlBudget
from lineage_assets.s3_schema.client import S3Client
from lineage_assets.s3_schema.ids import DATASET_SOURCE_KIND, dataset_source_key
from lineage_assets.s3_schema.listing import parse_s3_uri
from lineage_assets.s3_schema.objects import describe_error
from lineage_assets.s3_schema.records import classify_sample, dataset_records
from lineage_assets.s3_schema.sampler import DatasetSample, SamplingConfig, sample_dataset
from lineage_assets.s3_schema.views import (
    StoredSchema,
    bucket_regions,
    overrides_for,
    previous_schema,
)
from lineage_assets.store import LineageStore, RecordError


@dataclass
class CrawlResult:
    """What a crawl sampled, what failed (uri → message) and what the budget skipped."""

    budget: CrawlBudget
    samples: list[DatasetSample] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def region_readers(default_region: str | None = None) -> Callable[[str | None], S3Client]:
    """S3 clients that read objects, by bucket region, each made once; an unknown region uses
    `default_region`."""

    @functools.cache
    def reader(region: str | None) -> S3Client:
        """The client for one region."""
        return aws.client("s3", region or default_region)

    return reader


def dataset_uris(uris: Iterable[str]) -> list[str]:
    """Unique, valid dataset URIs in order; `s3a://b/p` and `s3://b/p` are one dataset."""
    seen: dict[str, None] = {}
    for uri in uris:
        try:
            seen.setdefault(parse_s3_uri(uri).uri, None)
        except ValueError:
            continue
    return list(seen)


def _unreadable(sample: DatasetSample, previous: StoredSchema | None) -> str | None:
    """Why the sample must not replace the dataset's rows: nothing was readable and either
    objects failed (or were skipped) or a good schema is already stored; None otherwise
    (a prefix with no data objects yet is stored as such, with its note)."""
    objects_failed = any(o.error for o in sample.objects) or bool(sample.skipped)
    if sample.version is not None or (previous is None and not objects_failed):
        return None
    return sample.error or f"{sample.uri}: no readable data objects ({sample.format})"


def _first_failed_object(sample: DatasetSample) -> str | None:
    """The URI of the first object that could not be read, for the error row's location."""
    failed = [o.key for o in sample.objects if o.error]
    return sample.location.uri_of(failed[0]) if failed else None


def _record_failure(
    store: LineageStore,
    result: CrawlResult,
    uri: str,
    failure: tuple[str, str, str | None],
    run_id: str | None,
) -> None:
    """Record a dataset's failure (message, error type, location); its last good rows stay,
    marked stale."""
    message, error_type, location = failure
    result.failed[uri] = message
    store.mark_failed(
        dataset_source_key(uri),
        DATASET_SOURCE_KIND,
        message,
        run_id=run_id,
        error_type=error_type,
        location=location,
    )


def _sample_and_store(
    store: LineageStore,
    uri: str,
    s3: S3Client,
    reader: S3Client,
    result: CrawlResult,
    config: SamplingConfig,
    run_id: str | None,
) -> tuple[str, str, str | None] | DatasetSample:
    """Sample one dataset and replace its rows, logging an error row per object that could
    not be read (the dataset still lands); the failure instead when nothing was readable."""
    sample = sample_dataset(uri, s3, reader, result.budget, config)
    previous = previous_schema(store.conn, uri)
    unreadable = _unreadable(sample, previous)
    if unreadable is not None:
        return unreadable, "NothingReadable", _first_failed_object(sample)
    classifications = classify_sample(sample, overrides_for(store.conn, uri))
    store.replace_source(dataset_records(sample, previous, classifications), run_id)
    for failed in (o for o in sample.objects if o.error):
        location = sample.location.uri_of(failed.key)
        store.log_error(
            dataset_source_key(uri),
            DATASET_SOURCE_KIND,
            f"{location}: {failed.error}",
            run_id=run_id,
            error_type="ObjectUnreadable",
            location=location,
        )
    return sample


def crawl_datasets(
    store: LineageStore,
    uris: Iterable[str],
    s3: S3Client,
    readers: Callable[[str | None], S3Client],
    *,
    budget: CrawlBudget | None = None,
    config: SamplingConfig | None = None,
    run_id: str | None = None,
) -> CrawlResult:
    """Sample each dataset and replace its source; failures keep the last good rows (stale).
    `readers` maps a bucket's region (from `s3_buckets`, None if unknown) to the S3 client
    that reads its objects, so buckets in other regions are read through their own endpoint.
    Whatever one dataset raises becomes its error row; the next dataset is still sampled."""
    result = CrawlResult(budget or CrawlBudget())
    config = config or SamplingConfig()
    regions = bucket_regions(store.conn)
    for uri in dataset_uris(uris):
        failure: tuple[str, str, str | None]
        try:
            reader = readers(regions.get(parse_s3_uri(uri).bucket))
            outcome = _sample_and_store(store, uri, s3, reader, result, config, run_id)
        except BudgetExhausted as error:
            result.skipped.append(uri)
            store.mark_failed(
                dataset_source_key(uri),
                DATASET_SOURCE_KIND,
                str(error),
                run_id=run_id,
                error_type="BudgetExhausted",
            )
            continue
        except AWS_ERRORS as error:
            code = error_code(error)
            failure = (f"{uri}: {code}: {describe_error(error)}", code, None)
        except (RecordError, duckdb.Error) as error:
            failure = (f"{uri}: not stored: {describe_error(error)}", "RecordError", None)
        except Exception as error:  # RecursionError, MemoryError, a reader bug: this dataset's
            kind = type(error).__name__
            failure = (f"{uri}: {kind}: {describe_error(error)}", kind, None)
        else:
            if isinstance(outcome, DatasetSample):
                # The sampled values were only for classification: drop them now.
                result.samples.append(dataclasses.replace(outcome, values={}))
                continue
            failure = outcome
        _record_failure(store, result, uri, failure, run_id)
    return result
