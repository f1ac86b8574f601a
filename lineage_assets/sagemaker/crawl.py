"""The SageMaker crawl of whole regions of one account: list, crawl changed pipelines, write.

One failing pipeline or region is recorded with `mark_failed` (last good rows kept) and the
rest goes on, whatever it raised (RecursionError and MemoryError included); a part of a
pipeline that failed on its own (an execution, a job, a report file) is an error row naming it
while the pipeline lands. A pipeline deleted between listing and describing is removed.
Changed pipelines are written in batches (one transaction per batch, per source if a batch
fails), since a per-pipeline transaction costs more than the pipeline's API calls.

The pipelines of one account and region are fetched by a bounded pool of threads
(`LINEAGE_AWS_WORKERS`), sharing one boto3 client per service (thread-safe, and botocore's
adaptive retry mode then keeps one rate limiter for them all); their results are taken in
listing order and every write happens in the calling thread, so the sink has one writer and
the stored rows are the same as a sequential crawl's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb

from lineage_assets import config
from lineage_assets.aws import error_code
from lineage_assets.sagemaker.bounds import DEFAULT_EXECUTIONS, BoundExceeded, clip
from lineage_assets.sagemaker.clients import (
    ClientFactory,
    S3Client,
    S3OnFirstUse,
    SageMakerClient,
)
from lineage_assets.sagemaker.fetch import (
    CrawlCache,
    CrawlItemError,
    PipelineCrawl,
    PipelineState,
    crawl_pipeline,
)
from lineage_assets.sagemaker.inventory import (
    PIPELINE_KIND,
    REGION_KIND,
    Domain,
    list_domains,
    list_pipeline_summaries,
    list_tags,
    match_domain,
    pipeline_source_key,
    region_source_key,
)
from lineage_assets.sagemaker.records import crawl_records, domain_records
from lineage_assets.sagemaker.views import load_states, stored_pipeline_keys
from lineage_assets.store import SourceRecords
from lineage_assets.store.sink import RecordSink

GONE_CODES = ("ResourceNotFound", "ValidationException")
GONE_WORDS = ("not exist", "not found", "could not find")
WRITE_BATCH = 50

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class CrawlReport:
    """What one crawl did: pipelines written, skipped as unchanged, removed, and errors."""

    crawled: list[PipelineCrawl] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def of_pipeline(self, account_id: str, region: str, name: str) -> CrawlReport:
        """The part of this report about one pipeline: its crawl, skip, removal, and the errors
        naming it or its account and region."""
        key = pipeline_source_key(account_id, region, name)
        own = (f"{key}: ", f"{region_source_key(account_id, region)}: ")
        return CrawlReport(
            [c for c in self.crawled if c.pipeline.source_key == key],
            [k for k in self.unchanged if k == key],
            [k for k in self.removed if k == key],
            [line for line in self.errors if line.startswith(own)],
        )

    def merge(self, other: CrawlReport) -> None:
        """Add another report's entries to this one."""
        self.crawled += other.crawled
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.errors += other.errors


def _is_gone(error: BaseException) -> bool:
    """Whether AWS says the pipeline does not exist (any more)."""
    text = str(error).lower()
    return error_code(error) in GONE_CODES and any(w in text for w in GONE_WORDS)


def _where(error: BaseException) -> tuple[str, str | None]:
    """The error type and the part of a source an error names (an ARN, `definition`)."""
    if isinstance(error, CrawlItemError):
        return error_code(error.error), error.location
    if isinstance(error, BoundExceeded):
        return error.code, "definition"
    return error_code(error), None


def _fail(sink: RecordSink, key: str, kind: str, error: BaseException, run_id: str | None) -> str:
    """Record a failed source (its last good rows kept, stale); returns the report's line."""
    error_type, location = _where(error)
    message = clip(f"{key}: {error_type}: {error}")
    sink.mark_failed(key, kind, message, run_id=run_id, error_type=error_type, location=location)
    return message


def _log_parts(sink: RecordSink, key: str, crawl: PipelineCrawl, run_id: str | None) -> list[str]:
    """Error rows for the parts of a landed pipeline that failed on their own."""
    lines = []
    for item in crawl.errors:
        message = clip(f"{key}: {item.message}")
        sink.log_error(
            key,
            PIPELINE_KIND,
            message,
            run_id=run_id,
            error_type=item.error_type,
            location=item.location,
        )
        lines.append(message)
    return lines


def write_batch(
    sink: RecordSink, batch: list[SourceRecords], run_id: str | None, report: CrawlReport
) -> None:
    """Write pipelines in one transaction; if that fails, one by one, marking the bad ones."""
    if not batch:
        return
    try:
        sink.replace_sources(batch, run_id)
    except Exception:  # retried one by one below
        for records in batch:
            try:
                sink.replace_source(records, run_id)
            except Exception as error:  # one source at most
                report.errors.append(_fail(sink, records.source_key, PIPELINE_KIND, error, run_id))
    batch.clear()


@dataclass(frozen=True)
class _Fetched:
    """One pipeline's crawl as a worker returns it: records to write, or the error it raised."""

    key: str
    crawl: PipelineCrawl | None = None
    records: SourceRecords | None = None
    error: BaseException | None = None


def in_order(work: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """`work` over `items` by at most `workers` threads, results yielded in the items' order;
    at most four results per worker wait to be taken (workers go on while the
    caller writes), so memory stays bounded."""
    if workers <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sagemaker-crawl") as pool:
        waiting: deque[Future[R]] = deque()
        for item in items:
            waiting.append(pool.submit(work, item))
            if len(waiting) >= 4 * workers:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def crawl_listed(
    sink: RecordSink,
    sagemaker: SageMakerClient,
    account_id: str,
    region: str,
    summaries: Iterable[dict[str, Any]],
    domains: list[Domain],
    *,
    reads: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    executions: int = DEFAULT_EXECUTIONS,
    force: bool = False,
    cache: CrawlCache | None = None,
    s3: S3Client | None = None,
    workers: int | None = None,
) -> CrawlReport:
    """Crawl listed pipelines of one account and region by `workers` threads (default
    `LINEAGE_AWS_WORKERS`) and write the changed ones in batches from this thread (with an
    `s3` client, evaluation reports are read too); the incremental state comes from `reads`
    (the store's connection, or its published copy when the sink stages)."""
    report, cache = CrawlReport(), cache if cache is not None else CrawlCache()
    states = {} if force else load_states(reads, account_id, region)

    def fetch(summary: dict[str, Any]) -> _Fetched:
        """Crawl one pipeline (in a worker thread): no write, nothing shared but the cache."""
        key = pipeline_source_key(account_id, region, summary["PipelineName"])
        try:
            crawl = crawl_pipeline(
                sagemaker,
                account_id,
                region,
                summary,
                domains,
                state=states.get(key, PipelineState()),
                cache=cache,
                executions=executions,
                s3=s3,
            )
            return _Fetched(key, crawl, None if crawl is None else crawl_records(crawl))
        except Exception as error:  # one pipeline never stops the crawl
            return _Fetched(key, error=error)

    pending: list[SourceRecords] = []
    count = config.aws_workers() if workers is None else workers
    for fetched in in_order(fetch, summaries, count):
        key, crawl, records = fetched.key, fetched.crawl, fetched.records
        if fetched.error is not None:
            if _is_gone(fetched.error):
                sink.remove_source(key)
                report.removed.append(key)
            else:
                report.errors.append(_fail(sink, key, PIPELINE_KIND, fetched.error, run_id))
            continue
        if crawl is None or records is None:
            report.unchanged.append(key)
            continue
        report.crawled.append(crawl)
        report.errors += _log_parts(sink, key, crawl, run_id)
        pending.append(records)
        if len(pending) >= WRITE_BATCH:
            write_batch(sink, pending, run_id, report)
    write_batch(sink, pending, run_id, report)
    return report


def crawl_one(
    sink: RecordSink,
    sagemaker: SageMakerClient,
    account_id: str,
    region: str,
    summary: dict[str, Any],
    domains: list[Domain],
    **options: Any,
) -> CrawlReport:
    """Crawl one listed pipeline and write it (or record why not)."""
    return crawl_listed(sink, sagemaker, account_id, region, [summary], domains, **options)


def _selected(
    sagemaker: SageMakerClient,
    summaries: list[dict[str, Any]],
    domains: list[Domain],
    names: Iterable[str] | None,
    domain: str | None,
) -> list[dict[str, Any]]:
    """Summaries filtered by exact names and by domain (id or name, case-insensitive)."""
    wanted = set(names) if names else None
    chosen = [s for s in summaries if wanted is None or s["PipelineName"] in wanted]
    if domain is None:
        return chosen
    kept = []
    for summary in chosen:
        matched = match_domain(list_tags(sagemaker, summary["PipelineArn"]), domains)
        labels = (matched.domain_id.lower(), (matched.domain_name or "").lower()) if matched else ()
        if domain.lower() in labels:
            kept.append(summary)
    return kept


def list_region(
    sink: RecordSink,
    reads: duckdb.DuckDBPyConnection,
    sagemaker: SageMakerClient,
    account_id: str,
    region: str,
    run_id: str | None,
    report: CrawlReport,
) -> tuple[list[Domain], list[dict[str, Any]]] | None:
    """Domains and pipeline summaries of an account's region (domains written, deleted
    pipelines removed); None after recording the region as failed."""
    try:
        domains = list_domains(sagemaker, account_id, region)
        summaries = list_pipeline_summaries(sagemaker)
        sink.replace_source(domain_records(account_id, region, domains), run_id)
        report.removed += remove_unlisted(sink, reads, account_id, region, summaries)
    except Exception as error:  # one region never stops the others
        key = region_source_key(account_id, region)
        report.errors.append(_fail(sink, key, REGION_KIND, error, run_id))
        return None
    return domains, summaries


def crawl_region(
    sink: RecordSink,
    sagemaker: SageMakerClient,
    account_id: str,
    region: str,
    *,
    reads: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    names: Iterable[str] | None = None,
    domain: str | None = None,
    **options: Any,
) -> CrawlReport:
    """Crawl the pipelines of one account's region (all, or those named / of one domain)."""
    report = CrawlReport()
    listed = list_region(sink, reads, sagemaker, account_id, region, run_id, report)
    if listed is None:
        return report
    domains, summaries = listed
    try:
        chosen = _selected(sagemaker, summaries, domains, names, domain)
    except Exception as error:  # one region never stops the others
        key = region_source_key(account_id, region)
        report.errors.append(_fail(sink, key, REGION_KIND, error, run_id))
        return report
    report.merge(
        crawl_listed(
            sink, sagemaker, account_id, region, chosen, domains,
            reads=reads, run_id=run_id, **options,
        )
    )  # fmt: skip
    return report


def remove_unlisted(
    sink: RecordSink,
    reads: duckdb.DuckDBPyConnection,
    account_id: str,
    region: str,
    summaries: list[dict[str, Any]],
) -> list[str]:
    """Delete stored pipelines of an account's region that its complete listing no longer
    has."""
    listed = {pipeline_source_key(account_id, region, s["PipelineName"]) for s in summaries}
    stored = stored_pipeline_keys(reads, account_id, region)
    removed = [key for key in stored if key not in listed]
    for key in removed:
        sink.remove_source(key)
    return removed


def crawl_named(
    sink: RecordSink,
    client: ClientFactory,
    account_id: str,
    names_by_region: Mapping[str, Iterable[str]],
    *,
    reads: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    **options: Any,
) -> CrawlReport:
    """Crawl only the named pipelines of one account (one on-demand partition or a batch of
    them): one listing per region, then the listed ones among `names_by_region`; a pipeline
    that is no longer listed was deleted (the discovery sensor retires it)."""
    report = CrawlReport()
    for region, names in names_by_region.items():
        sagemaker = client("sagemaker", region)
        listed = list_region(sink, reads, sagemaker, account_id, region, run_id, report)
        if listed is None:
            continue
        domains, summaries = listed
        wanted = set(names)
        chosen = [s for s in summaries if s["PipelineName"] in wanted]
        report.merge(
            crawl_listed(
                sink,
                sagemaker,
                account_id,
                region,
                chosen,
                domains,
                reads=reads,
                run_id=run_id,
                s3=S3OnFirstUse(client, region),
                **options,
            )
        )
    return report


def crawl_regions(
    sink: RecordSink,
    client: ClientFactory,
    account_id: str,
    regions: Iterable[str],
    *,
    reads: duckdb.DuckDBPyConnection,
    **options: Any,
) -> CrawlReport:
    """Crawl every region of one account with `client(service, region)` (SageMaker, and S3
    for reports when a step declares any; one client each per region, shared by the crawl's
    threads); one failing region never stops the others."""
    report = CrawlReport()
    for region in regions:
        sagemaker, s3 = client("sagemaker", region), S3OnFirstUse(client, region)
        report.merge(
            crawl_region(sink, sagemaker, account_id, region, reads=reads, s3=s3, **options)
        )
    return report


def caller_account(client: ClientFactory, region: str) -> str:
    """The account the client factory acts in (one STS GetCallerIdentity call): the account of
    boto3's default chain, asked once per crawl."""
    sts: Any = client("sts", region)
    return str(sts.get_caller_identity()["Account"])
