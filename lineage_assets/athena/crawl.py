"""The crawl of one account and region: list workgroups, then per workgroup only the
executions newer than the last crawl's (its state read from a connection passed in), parse the
successful ones and write them through a `RecordSink`. One bad workgroup or execution is an
error row naming it; the rest lands."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

import duckdb

from lineage_assets.athena import views
from lineage_assets.athena.clients import AthenaClient, ClientFactory
from lineage_assets.athena.fetch import Execution, Listing, Workgroup, list_new, list_workgroups
from lineage_assets.athena.ids import (
    EXECUTION_KIND,
    REGION_KIND,
    WORKGROUP_KIND,
    execution_key,
    region_key,
    workgroup_key,
)
from lineage_assets.athena.lineage import LineageCache
from lineage_assets.athena.records import WorkgroupState, execution_records
from lineage_assets.athena.settings import AthenaSettings
from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.glue import views as glue_views
from lineage_assets.store.records import SourceRecords
from lineage_assets.store.sink import RecordSink

WRITE_BATCH = 2_000  # executions per replace_sources call (each call has a fixed cost)
DEFAULT_WORKERS = 8  # accounts and regions listed at once
AHEAD = 2  # workgroups of one region listed ahead of the one being written
SUCCEEDED = "SUCCEEDED"


@dataclass
class AthenaReport:
    """What one crawl did, for metadata and logs."""

    workgroups: int = 0
    listed: int = 0
    written: int = 0
    ignored: int = 0  # FAILED / CANCELLED
    pending: int = 0  # QUEUED / RUNNING, read again next time
    parsed: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: AthenaReport) -> None:
        """Add another crawl's counts and errors."""
        self.workgroups += other.workgroups
        self.listed += other.listed
        self.written += other.written
        self.ignored += other.ignored
        self.pending += other.pending
        self.parsed += other.parsed
        self.errors += other.errors


@dataclass(frozen=True)
class RegionState:
    """What the store knows of one account and region before its crawl (read on the calling
    thread: a DuckDB connection is not shared between threads)."""

    workgroups: dict[str, views.StoredWorkgroup]
    seen: dict[str, set[str]]
    schema: dict[str, dict[str, str]]


def read_state(reads: duckdb.DuckDBPyConnection, account_id: str, region: str) -> RegionState:
    """The workgroups' states, stored execution ids and Glue's declared columns."""
    return RegionState(
        views.workgroup_states(reads, account_id, region),
        views.stored_ids_by_workgroup(reads, account_id, region),
        glue_views.declared_schema(reads, account_id, region),
    )


@dataclass
class WorkgroupFetch:
    """One workgroup's listing (or the error that stopped it)."""

    workgroup: Workgroup
    since: datetime
    catch_up: datetime | None
    listing: Listing | None = None
    error: BaseException | None = None


@dataclass
class RegionFetch:
    """Everything one account and region answered (AWS calls only, no store access)."""

    account_id: str
    region: str
    workgroups: list[WorkgroupFetch] = field(default_factory=list)
    error: BaseException | None = None


def fetch_region(
    client_factory: ClientFactory,
    account_id: str,
    region: str,
    state: RegionState,
    settings: AthenaSettings,
    moment: datetime,
) -> RegionFetch:
    """List the workgroups and each one's new executions (safe to run on a worker thread)."""
    fetched = RegionFetch(account_id, region)
    try:
        athena: AthenaClient = client_factory("athena", region)
        workgroups = list_workgroups(athena)
    except AWS_ERRORS as error:
        fetched.error = error
        return fetched
    fetched.workgroups = [
        fetch_workgroup(athena, workgroup, state, settings, moment) for workgroup in workgroups
    ]
    return fetched


def fetch_workgroup(
    athena: AthenaClient,
    workgroup: Workgroup,
    state: RegionState,
    settings: AthenaSettings,
    moment: datetime,
) -> WorkgroupFetch:
    """One workgroup's new executions (AWS calls only; safe on a worker thread)."""
    since = moment - timedelta(days=settings.days)
    stored = state.workgroups.get(workgroup.name)
    seen = set(state.seen.get(workgroup.name, ()))
    if stored is not None and stored.newest_execution_id:
        seen.add(stored.newest_execution_id)
    # After a bounded crawl, list past what is stored down to where the gap ends.
    catch_up = stored.catch_up_until if stored else None
    item = WorkgroupFetch(workgroup, since, catch_up)
    try:
        item.listing = list_new(
            athena,
            workgroup.name,
            known=set() if catch_up else seen,
            skip=frozenset(seen) if catch_up else frozenset(),
            since=since,
            seen_until=catch_up or (stored.newest_submitted_at if stored else None),
            limit=settings.max_executions,
            pending=stored.pending_ids if stored else (),
        )
    except AWS_ERRORS as error:
        item.error = error
    return item


def write_region(
    sink: RecordSink,
    fetched: RegionFetch,
    state: RegionState,
    settings: AthenaSettings,
    moment: datetime,
    run_id: str | None = None,
) -> AthenaReport:
    """Parse and write what one account and region answered, with each workgroup's state."""
    account_id, region = fetched.account_id, fetched.region
    report = AthenaReport()
    if fetched.error is not None:
        key = region_key(account_id, region)
        report.errors.append(_fail(sink, key, REGION_KIND, fetched.error, run_id))
        return report
    cache = LineageCache(settings.max_query_bytes, schema=state.schema)
    for item in fetched.workgroups:
        _write_workgroup(sink, account_id, region, item, state, settings, moment, cache, report,
                         run_id)  # fmt: skip
    report.parsed = cache.parsed
    return report


def _write_workgroup(
    sink: RecordSink,
    account_id: str,
    region: str,
    item: WorkgroupFetch,
    state: RegionState,
    settings: AthenaSettings,
    moment: datetime,
    cache: LineageCache,
    report: AthenaReport,
    run_id: str | None,
) -> None:
    """Parse and write one workgroup's executions, then its state in the same last batch."""
    report.workgroups += 1
    workgroup, listing = item.workgroup, item.listing
    key = workgroup_key(account_id, region, workgroup.name)
    if listing is None:
        error = item.error or RuntimeError("no listing")
        report.errors.append(_fail(sink, key, WORKGROUP_KIND, error, run_id))
        return
    stored = state.workgroups.get(workgroup.name)
    pending, batch = _write_executions(sink, account_id, region, listing, cache, report, run_id)
    gap_end = None
    if listing.stopped == "bound":
        gap_end = item.catch_up or (stored.newest_submitted_at if stored else None) or item.since
        message = (
            f"listing stopped after {settings.max_executions} new executions; the older "
            "ones are read by the next crawls"
        )
        sink.log_error(key, WORKGROUP_KIND, message, run_id=run_id, error_type="Bound")
        report.errors.append(f"{key}: {message}")
    newest = listing.executions[0] if listing.executions else None
    workgroup_state = WorkgroupState(
        account_id=account_id,
        region=region,
        workgroup=workgroup.name,
        state=workgroup.state,
        engine_version=workgroup.engine_version,
        newest_execution_id=listing.newest_id or (stored.newest_execution_id if stored else None),
        newest_submitted_at=_newest_time(newest, stored),
        pending_ids=tuple(pending),
        listed=len(listing.executions),
        stopped=listing.stopped,
        catch_up_until=gap_end,
        crawled_at=moment,
    )
    # The last executions and the state land together: a state never runs ahead of them.
    executions = len(batch)
    batch.append(workgroup_state.records())
    report.written += min(executions, _flush(sink, batch, run_id, report))


def crawl_region(
    sink: RecordSink,
    client_factory: ClientFactory,
    account_id: str,
    region: str,
    reads: duckdb.DuckDBPyConnection,
    settings: AthenaSettings | None = None,
    *,
    run_id: str | None = None,
    now: datetime | None = None,
) -> AthenaReport:
    """Crawl every workgroup of one account and region."""
    settings = settings or AthenaSettings()
    moment = now or datetime.now(UTC)
    state = read_state(reads, account_id, region)
    try:
        athena: AthenaClient = client_factory("athena", region)
        workgroups = list_workgroups(athena)
    except AWS_ERRORS as error:
        failed = RegionFetch(account_id, region, error=error)
        return write_region(sink, failed, state, settings, moment, run_id)
    report = AthenaReport()
    cache = LineageCache(settings.max_query_bytes, schema=state.schema)
    # The next workgroups are listed on worker threads while this one parses and writes;
    # at most AHEAD listings wait in memory.
    with ThreadPoolExecutor(max_workers=AHEAD) as pool:
        waiting: deque[Future[WorkgroupFetch]] = deque()
        queue = iter(workgroups)
        for workgroup in islice(queue, AHEAD):
            waiting.append(pool.submit(fetch_workgroup, athena, workgroup, state, settings, moment))
        while waiting:
            item = waiting.popleft().result()
            for workgroup in islice(queue, 1):
                waiting.append(
                    pool.submit(fetch_workgroup, athena, workgroup, state, settings, moment)
                )
            _write_workgroup(sink, account_id, region, item, state, settings, moment, cache,
                             report, run_id)  # fmt: skip
    report.parsed = cache.parsed
    return report


@dataclass(frozen=True)
class Target:
    """One account and region to crawl, with the account's client factory."""

    account_id: str
    region: str
    client_factory: ClientFactory


def crawl_targets(
    sink: RecordSink,
    targets: Iterable[Target],
    reads: duckdb.DuckDBPyConnection,
    settings: AthenaSettings | None = None,
    *,
    run_id: str | None = None,
    workers: int = DEFAULT_WORKERS,
    now: datetime | None = None,
) -> AthenaReport:
    """Crawl many accounts and regions: their AWS calls on `workers` threads (real latency),
    the parsing and every write on this thread, one account and region as each is answered."""
    settings = settings or AthenaSettings()
    moment = now or datetime.now(UTC)
    chosen = list(targets)
    states = {(t.account_id, t.region): read_state(reads, t.account_id, t.region) for t in chosen}
    report = AthenaReport()
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen) or 1))) as pool:
        futures = [
            pool.submit(
                fetch_region,
                t.client_factory,
                t.account_id,
                t.region,
                states[(t.account_id, t.region)],
                settings,
                moment,
            )
            for t in chosen
        ]
        for future in as_completed(futures):
            fetched = future.result()
            state = states[(fetched.account_id, fetched.region)]
            report.merge(write_region(sink, fetched, state, settings, moment, run_id))
    return report


def _newest_time(newest: Execution | None, stored: views.StoredWorkgroup | None) -> datetime | None:
    times = [
        t
        for t in (
            newest.submitted_at if newest else None,
            stored.newest_submitted_at if stored else None,
        )
        if t
    ]
    return max(times) if times else None


def _write_executions(
    sink: RecordSink,
    account_id: str,
    region: str,
    listing: Listing,
    cache: LineageCache,
    report: AthenaReport,
    run_id: str | None,
) -> tuple[list[str], list[SourceRecords]]:
    """Write the successful executions (new and re-read) in batches, log the ones AWS or the
    engine could not read; returns the ids still running and the last, unwritten batch."""
    # Listed but not described (AWS answers a just-listed id later): read again next crawl,
    # once; an id a re-read cannot describe either is dropped, so none is retried for ever.
    pending: list[str] = list(listing.retry)
    batch: list[SourceRecords] = []
    report.listed += len(listing.executions)
    for execution_id, why in listing.unprocessed:
        key = execution_key(account_id, region, execution_id)
        sink.log_error(key, EXECUTION_KIND, f"not described: {why}", run_id=run_id,
                       error_type="Unprocessed", location=execution_id)  # fmt: skip
        report.errors.append(f"{key}: not described: {why}")
    for execution in [*listing.executions, *listing.refreshed]:
        if not execution.finished:
            pending.append(execution.execution_id)
            report.pending += 1
            continue
        if execution.state != SUCCEEDED:
            report.ignored += 1
            continue
        key = execution_key(account_id, region, execution.execution_id)
        try:
            parsed = cache.lineage(execution.query, execution.catalog, execution.database)
            records, errors = execution_records(account_id, region, execution, parsed)
        except Exception as error:
            report.errors.append(_fail(sink, key, EXECUTION_KIND, error, run_id))
            continue
        for message in errors:
            sink.log_error(key, EXECUTION_KIND, message, run_id=run_id, error_type="SqlError",
                           location=execution.execution_id)  # fmt: skip
            report.errors.append(f"{key}: {message}")
        batch.append(records)
        if len(batch) >= WRITE_BATCH:
            report.written += _flush(sink, batch, run_id, report)
    return pending, batch


def _flush(
    sink: RecordSink, batch: list[SourceRecords], run_id: str | None, report: AthenaReport
) -> int:
    """Write a batch at once; if that fails, one by one so one bad execution fails alone."""
    if not batch:
        return 0
    written = len(batch)
    try:
        sink.replace_sources(batch, run_id)
    except Exception:
        written = 0
        for records in batch:
            try:
                sink.replace_source(records, run_id)
                written += 1
            except Exception as error:
                report.errors.append(_fail(sink, records.source_key, EXECUTION_KIND, error, run_id))
    batch.clear()
    return written


def _fail(sink: RecordSink, key: str, kind: str, error: BaseException, run_id: str | None) -> str:
    """Record a failed source and return the line naming it."""
    error_type = error_code(error)
    message = str(error)[:2_000]
    sink.mark_failed(key, kind, message, run_id=run_id, error_type=error_type)
    return f"{key}: {error_type}: {message}"
