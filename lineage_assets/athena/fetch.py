"""Reads of Athena's history: workgroups, then each workgroup's executions newest first until
one already seen, the window's start or the bound; details in batches of 50 (AWS's limit).
Everything AWS answers is untrusted: each field is checked and bounded here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage_assets.athena.clients import Answer, AthenaClient

BATCH_IDS = 50  # BatchGetQueryExecution takes at most 50 ids
PAGE_SIZE = 50  # ListQueryExecutions and ListWorkGroups answer at most 50 per page
MAX_WORKGROUPS = 1_000  # AWS allows 1,000 workgroups per account and region
MAX_PAGES = 10_000  # a listing that never ends (a token that repeats) stops here
MAX_NAME_CHARS = 256
MAX_ERROR_CHARS = 2_000
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


@dataclass(frozen=True)
class Workgroup:
    """A workgroup as ListWorkGroups summarises it."""

    name: str
    state: str | None
    engine_version: str | None


@dataclass(frozen=True)
class Execution:
    """One query execution as GetQueryExecution describes it, checked and bounded (the query
    text is kept whole here; the records cut what is stored)."""

    execution_id: str
    workgroup: str
    query: str
    statement_type: str | None
    catalog: str | None
    database: str | None
    state: str | None
    submitted_at: datetime | None
    completed_at: datetime | None
    output_location: str | None
    engine_version: str | None
    scanned_bytes: int | None
    reason: str | None

    @property
    def finished(self) -> bool:
        """Whether the execution will not change any more."""
        return self.state in FINAL_STATES


@dataclass
class Listing:
    """What one workgroup's listing found: new executions (newest first), executions of
    earlier crawls re-read, ids AWS could not describe, and why the listing stopped."""

    executions: list[Execution] = field(default_factory=list)
    refreshed: list[Execution] = field(default_factory=list)
    unprocessed: list[tuple[str, str]] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)  # newly listed ids AWS did not describe
    newest_id: str | None = None
    stopped: str = "end"
    pages: int = 0


def _text(value: Any, limit: int = MAX_NAME_CHARS) -> str | None:
    """A string field, cut to `limit`; anything else is None."""
    return clean(value)[:limit] if isinstance(value, str) else None


def clean(text: str) -> str:
    """Text storable as UTF-8: lone surrogates (bytes JSON could not decode) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_execution(answer: Answer, workgroup: str) -> Execution | None:
    """An execution from one `QueryExecutions` entry; None without a usable id."""
    execution_id = _text(answer.get("QueryExecutionId"), 128)
    if not execution_id:
        return None
    context = _mapping(answer.get("QueryExecutionContext"))
    status = _mapping(answer.get("Status"))
    statistics = _mapping(answer.get("Statistics"))
    engine = _mapping(answer.get("EngineVersion"))
    scanned = statistics.get("DataScannedInBytes")
    query = answer.get("Query")
    return Execution(
        execution_id=execution_id,
        workgroup=_text(answer.get("WorkGroup")) or workgroup,
        query=clean(query) if isinstance(query, str) else "",
        statement_type=_text(answer.get("StatementType"), 32),
        catalog=_text(context.get("Catalog")),
        database=_text(context.get("Database")),
        state=_text(status.get("State"), 32),
        submitted_at=_time(status.get("SubmissionDateTime")),
        completed_at=_time(status.get("CompletionDateTime")),
        output_location=_text(
            _mapping(answer.get("ResultConfiguration")).get("OutputLocation"), 2048
        ),
        engine_version=_text(engine.get("EffectiveEngineVersion"), 128),
        scanned_bytes=scanned if isinstance(scanned, int) else None,
        reason=_text(status.get("StateChangeReason"), MAX_ERROR_CHARS),
    )


def list_workgroups(athena: AthenaClient) -> list[Workgroup]:
    """Every workgroup of the region (ListWorkGroups has no paginator: pages by token)."""
    found: dict[str, Workgroup] = {}
    token: str | None = None
    for _ in range(MAX_PAGES):
        answer = athena.list_work_groups(MaxResults=PAGE_SIZE, **_token(token))
        for summary in answer.get("WorkGroups") or []:
            summary = _mapping(summary)
            name = _text(summary.get("Name"), 128)
            if name and name not in found and len(found) < MAX_WORKGROUPS:
                engine = _mapping(summary.get("EngineVersion"))
                found[name] = Workgroup(
                    name,
                    _text(summary.get("State"), 32),
                    _text(engine.get("EffectiveEngineVersion")),
                )
        token = _next(answer, token)
        if token is None:
            break
    return sorted(found.values(), key=lambda group: group.name)


def _token(token: str | None) -> dict[str, str]:
    return {"NextToken": token} if token else {}


def _next(answer: Answer, previous: str | None) -> str | None:
    """The next page's token; None at the end or when AWS repeats the token it was given."""
    token = answer.get("NextToken")
    return token if isinstance(token, str) and token and token != previous else None


def describe(
    athena: AthenaClient, ids: Iterable[str], workgroup: str
) -> tuple[list[Execution], list[tuple[str, str]]]:
    """Executions of `ids` in batches of 50, and (id, error) of those AWS could not describe."""
    wanted = list(dict.fromkeys(ids))
    found: list[Execution] = []
    unprocessed: list[tuple[str, str]] = []
    for start in range(0, len(wanted), BATCH_IDS):
        answer = athena.batch_get_query_execution(
            QueryExecutionIds=wanted[start : start + BATCH_IDS]
        )
        for entry in answer.get("QueryExecutions") or []:
            execution = parse_execution(_mapping(entry), workgroup)
            if execution is not None:
                found.append(execution)
        for entry in answer.get("UnprocessedQueryExecutionIds") or []:
            entry = _mapping(entry)
            execution_id = _text(entry.get("QueryExecutionId"), 128) or "?"
            why = " ".join(
                text
                for text in (
                    _text(entry.get("ErrorCode")),
                    _text(entry.get("ErrorMessage"), MAX_ERROR_CHARS),
                )
                if text
            )
            unprocessed.append((execution_id, why or "not described"))
    return found, unprocessed


def _pages(athena: AthenaClient, workgroup: str) -> Iterator[list[str]]:
    """Pages of execution ids of one workgroup, newest first."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        answer = athena.list_query_executions(
            WorkGroup=workgroup, MaxResults=PAGE_SIZE, **_token(token)
        )
        ids = [i for i in answer.get("QueryExecutionIds") or [] if isinstance(i, str) and i]
        yield [i[:128] for i in ids]
        token = _next(answer, token)
        if token is None:
            return


def list_new(
    athena: AthenaClient,
    workgroup: str,
    *,
    known: set[str],
    skip: frozenset[str] = frozenset(),
    since: datetime,
    seen_until: datetime | None,
    limit: int,
    pending: Iterable[str] = (),
) -> Listing:
    """The workgroup's executions newer than what earlier crawls saw, newest first: listing
    stops at the first known id, at an execution submitted before `since` (the window) or
    before `seen_until` (the newest one already seen), or after `limit` executions; ids in
    `skip` are passed over without stopping (catching up after a bounded crawl). Executions
    still running at the last crawl (`pending`) are described again."""
    listing = Listing()
    for ids in _pages(athena, workgroup):
        listing.pages += 1
        if listing.newest_id is None and ids:
            listing.newest_id = ids[0]
        fresh: list[str] = []
        for execution_id in ids:
            if execution_id in known:
                listing.stopped = "seen"
                break
            if execution_id not in skip:
                fresh.append(execution_id)
        fresh = fresh[: limit - len(listing.executions)]
        found, unprocessed = describe(athena, fresh, workgroup) if fresh else ([], [])
        listing.unprocessed += unprocessed
        listing.retry += [i for i, _ in unprocessed if i in fresh]
        found.sort(key=lambda e: (e.submitted_at is not None, e.submitted_at), reverse=True)
        for execution in found:
            submitted = execution.submitted_at
            if submitted is not None and submitted < since:
                listing.stopped = "window"
                break
            if submitted is not None and seen_until is not None and submitted < seen_until:
                listing.stopped = "seen"
                break
            listing.executions.append(execution)
        if listing.stopped != "end":
            break
        if len(listing.executions) >= limit:
            listing.stopped = "bound"
            break
    again = [i for i in pending if i not in {e.execution_id for e in listing.executions}]
    if again:
        listing.refreshed, unprocessed = describe(athena, again, workgroup)
        listing.unprocessed += [(i, why) for i, why in unprocessed]
    return listing
