"""The serving crawl of one account and region into a `RecordSink`: list each kind, describe
what is new or changed, write in batches, remove what is gone, and read the posture of the
buckets endpoints capture requests into.

One failing listing is an error row (`sagemaker_serving_listing:<account>/<region>/<kind>`,
removed by the next listing that works) and the other kinds go on; one failing resource is
marked failed under its own source key, naming its ARN, its last good rows kept, and the rest
lands. Nothing is removed after a listing that failed or was cut at its bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import duckdb

from lineage_assets.aws import error_code
from lineage_assets.s3_schema.ids import BUCKET_SOURCE_KIND, bucket_source_key
from lineage_assets.s3_schema.posture import BucketPosture, bucket_posture, posture_records
from lineage_assets.sagemaker.bounds import clip
from lineage_assets.serving import fetch, parse
from lineage_assets.serving.clients import ServingClient, ServingClientFactory
from lineage_assets.serving.ids import LISTING_KIND, ResourceKind, listing_key, resource_key
from lineage_assets.serving.records import CaptureConfig, ConfigRow, EndpointRow, Place, Resource
from lineage_assets.serving.views import StoredState, stored_state
from lineage_assets.store.records import SourceRecords
from lineage_assets.store.sink import RecordSink, replace_batch

WRITE_BATCH = 50
Describe = Callable[[Mapping[str, Any]], Resource]
# Posture calls that must answer for a bucket's posture to be written: a capture bucket of
# another account usually refuses them, and its owner's crawl knows better.
POSTURE_NEEDED = ("encryption", "public_access")


@dataclass
class ServingReport:
    """What one crawl of an account and region did."""

    account_id: str
    region: str
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped_pipeline_jobs: int = 0
    postures: list[BucketPosture] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _Run:
    """One crawl's context: where, what the store held, where to write, what happened."""

    sink: RecordSink
    sagemaker: ServingClient
    place: Place
    state: StoredState
    run_id: str | None
    force: bool
    report: ServingReport
    pending: list[SourceRecords] = field(default_factory=list)

    def fail(self, key: str, kind: str, error: BaseException, location: str | None) -> None:
        """Mark one source failed (its last good rows kept) and report it."""
        code = error_code(error)
        message = clip(f"{key}: {code}: {error}")
        self.sink.mark_failed(
            key, kind, message, run_id=self.run_id, error_type=code, location=location
        )
        self.report.errors.append(message)

    def write(self, resource: Resource) -> None:
        """Queue one resource; a full batch is written."""
        self.pending.append(resource.records())
        if len(self.pending) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued resources in one transaction; if that fails, one by one."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        written = replace_batch(self.sink, batch, self.run_id, self._failed_write)
        self.report.written += [records.source_key for records in written]

    def _failed_write(self, records: SourceRecords, error: Exception) -> None:
        """One resource's write failed: its error row names it."""
        self.fail(records.source_key, records.source_kind, error, records.display_name)


def _listing(run: _Run, kind: ResourceKind, since: datetime | None) -> fetch.Listing | None:
    """One kind's listing; None after recording why it failed."""
    key = listing_key(kind, run.place.account_id, run.place.region)
    try:
        listing = fetch.list_kind(run.sagemaker, kind, since=since)
    except Exception as error:  # one listing never stops the other kinds
        run.fail(key, LISTING_KIND, error, fetch.LISTINGS[kind][0])
        return None
    if key in run.state.failed_listings:
        run.sink.remove_source(key)
    if not listing.complete:
        message = f"{key}: listing cut at {len(listing.summaries)} items"
        run.sink.log_error(
            key, LISTING_KIND, message, run_id=run.run_id, error_type="too_many_items"
        )
        run.report.errors.append(message)
    return listing


def _crawl_kind(
    run: _Run,
    listing: fetch.Listing,
    describe: Describe,
    *,
    skip: Callable[[Mapping[str, Any]], bool] = lambda summary: False,
    remove_unlisted: bool = True,
) -> list[Resource]:
    """Describe the new or changed resources of one listing and queue them; remove the stored
    ones it no longer lists. Returns the resources described."""
    kind, (_, _, name_field, arn_field) = listing.kind, fetch.LISTINGS[listing.kind]
    place, described, listed = run.place, [], set()
    for summary in listing.summaries:
        key = resource_key(kind, place.account_id, place.region, str(summary[name_field]))
        listed.add(key)
        if skip(summary):
            run.report.skipped_pipeline_jobs += 1
            continue
        if not run.force and run.state.fingerprints.get(key) == parse.fingerprint(summary):
            run.report.unchanged.append(key)
            continue
        try:
            resource = describe(summary)
        except Exception as error:  # one resource never stops its kind
            run.fail(key, kind.value, error, str(summary[arn_field]))
            continue
        described.append(resource)
        run.write(resource)
    if remove_unlisted and listing.complete:
        for key in sorted(run.state.keys[kind] - listed):
            run.sink.remove_source(key)
            run.report.removed.append(key)
    return described


def _rows(resources: list[Resource], table: str) -> list[Any]:
    """The rows of one table across resources."""
    return [row for resource in resources for row in resource.rows.get(table, [])]


def _capture_of(
    configs: list[Resource], stored: Mapping[str, CaptureConfig]
) -> dict[str, CaptureConfig]:
    """Data capture per endpoint config name: the stored ones, updated by this crawl's."""
    found = dict(stored)
    for row in _rows(configs, "serving_endpoint_configs"):
        assert isinstance(row, ConfigRow)
        found[row.config_name] = CaptureConfig(
            row.capture_enabled,
            row.capture_destination,
            tuple(row.capture_options),
            row.capture_sampling_percentage,
            row.capture_kms_key_id,
        )
    return found


def capture_buckets(run: _Run, endpoints: list[Resource]) -> list[str]:
    """Buckets the region's endpoints capture into: this crawl's and the stored ones."""
    uris = dict(run.state.endpoint_captures)
    for key in run.report.removed:
        uris.pop(key, None)
    for row in _rows(endpoints, "serving_endpoints"):
        assert isinstance(row, EndpointRow)
        uris.pop(row.source_key, None)
        if row.capture_destination and row.capture_enabled is not False:
            uris[row.source_key] = row.capture_destination
    buckets = {urlsplit(uri).netloc for uri in uris.values() if uri.startswith("s3://")}
    return sorted(b for b in buckets if b)


def read_postures(run: _Run, s3: Any, buckets: list[str]) -> None:
    """Each capture bucket's posture into the store (as the S3 posture crawl writes it), when
    its encryption and public-access block could be read; otherwise an error row."""
    for bucket in buckets:
        key = bucket_source_key(bucket)
        try:
            posture = bucket_posture(s3, bucket)
            refused = [name for name in POSTURE_NEEDED if name in posture.errors]
            if refused:
                message = clip(
                    f"{key}: capture bucket posture not read: "
                    + "; ".join(posture.errors[name] for name in refused)
                )
                run.sink.log_error(
                    key, BUCKET_SOURCE_KIND, message, run_id=run.run_id, error_type="posture"
                )
                run.report.errors.append(message)
                continue
            run.sink.replace_source(posture_records(posture), run.run_id)
        except Exception as error:  # one bucket never stops the others
            run.fail(key, BUCKET_SOURCE_KIND, error, f"s3://{bucket}")
            continue
        run.report.postures.append(posture)


def crawl_serving(
    sink: RecordSink,
    client: ServingClientFactory,
    account_id: str,
    region: str,
    read_conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None = None,
    force: bool = False,
    transform_days: int = fetch.TRANSFORM_DAYS,
    now: datetime | None = None,
    capture_posture: bool = True,
) -> ServingReport:
    """Crawl one account and region's models, endpoint configs, endpoints, monitoring schedules
    and the batch transform jobs of the last `transform_days` days that no pipeline ran."""
    place = Place(account_id, region)
    report = ServingReport(account_id, region)
    run = _Run(
        sink, client("sagemaker", region), place, stored_state(read_conn, account_id, region),
        run_id, force, report,
    )  # fmt: skip
    since = (now or datetime.now(UTC)) - timedelta(days=transform_days)
    listings = {kind: _listing(run, kind, since) for kind in ResourceKind}
    empty = fetch.Listing(ResourceKind.MODEL, [], complete=False)
    models = (listings[ResourceKind.MODEL] or empty).names()
    configs = (listings[ResourceKind.ENDPOINT_CONFIG] or empty).names()
    sm = run.sagemaker

    def crawled(kind: ResourceKind, describe: Describe, **options: Any) -> list[Resource]:
        listing = listings[kind]
        return [] if listing is None else _crawl_kind(run, listing, describe, **options)

    crawled(ResourceKind.MODEL, lambda s: fetch.describe_model(sm, place, s))
    new_configs = crawled(
        ResourceKind.ENDPOINT_CONFIG,
        lambda s: fetch.describe_endpoint_config(sm, place, s, models),
    )
    captured = _capture_of(new_configs, run.state.config_capture)
    endpoints = crawled(
        ResourceKind.ENDPOINT,
        lambda s: fetch.describe_endpoint(sm, place, s, configs, captured),
    )
    crawled(
        ResourceKind.MONITORING_SCHEDULE,
        lambda s: fetch.describe_monitoring_schedule(sm, place, s),
    )
    crawled(
        ResourceKind.TRANSFORM_JOB,
        lambda s: fetch.describe_transform_job(sm, place, s, models),
        skip=lambda s: s["TransformJobArn"] in run.state.pipeline_jobs,
        remove_unlisted=False,  # jobs older than the window stay as they were
    )
    crawled(
        ResourceKind.INFERENCE_COMPONENT,
        lambda s: fetch.describe_inference_component(sm, place, s, models),
    )
    run.flush()
    if capture_posture:
        buckets = capture_buckets(run, endpoints)
        if buckets:
            read_postures(run, client("s3", region), buckets)
    return report
