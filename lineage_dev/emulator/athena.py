"""Extends moto 5.2.5's Athena so today's boto3 reads query history from the emulator.

botocore models Athena as `rest-json` (GET /query-executions, POST /batch-get-query-executions…)
while moto 5.2.5 routes only `POST /`, so every call answers 404. `install()` adds the REST paths
moto's router needs and the reads a crawl makes: ListWorkGroups, ListQueryExecutions (newest
first, per workgroup, paged with an opaque token), BatchGetQueryExecution (≤ 50 ids,
UnprocessedQueryExecutionIds) and GetQueryExecution, answering botocore's output shapes.
Executions are kept per backend in API shape; `record_query_execution` seeds them with any
state, statement type and times (moto runs nothing). Pinned to moto==5.2.5 (touches internals);
tests/test_athena_emulator.py holds the canary.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import moto.athena.urls as athena_urls
from moto.athena.models import AthenaBackend, athena_backends
from moto.athena.responses import AthenaResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

ACCOUNT_ID = "123456789012"
EXECUTIONS_ATTRIBUTE = "lineage_query_executions"
WORKGROUP_TIMES_ATTRIBUTE = "lineage_workgroup_created"
DEFAULT_CATALOG = "AwsDataCatalog"
ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}
MAX_BATCH_IDS = 50  # BatchGetQueryExecution: "up to 50 query execution IDs"
MAX_PAGE = 50  # ListQueryExecutions and ListWorkGroups: MaxResults ≤ 50, default 50
WORKGROUP_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# The REST paths of the Athena operations botocore sends (rest-json), for moto's Flask app and
# its in-process URL matcher; moto's router then finds the operation by method and path.
REST_PATHS = (
    "{0}/workgroups$",
    "{0}/workgroups/(?P<WorkGroup>[^/]+)$",
    "{0}/query-executions$",
    "{0}/query-executions/(?P<QueryExecutionId>[^/]+)$",
    "{0}/query-executions/(?P<QueryExecutionId>[^/]+)/stop$",
    "{0}/batch-get-query-executions$",
)

ADDED_OPERATIONS = ("batch_get_query_execution",)
REPLACED_OPERATIONS = (
    "list_work_groups",
    "list_query_executions",
    "get_query_execution",
    "start_query_execution",
)
_ORIGINAL_METHODS: dict[str, Any] = {
    name: vars(AthenaResponse).get(name) for name in ADDED_OPERATIONS + REPLACED_OPERATIONS
}


class InvalidRequestException(ServiceException):
    """Athena's client error (bad token, too many ids, unknown execution)."""

    code = "InvalidRequestException"


@dataclass
class ExecutionLog:
    """A backend's query executions in API shape, by id, and the ids per workgroup."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_workgroup: dict[str, list[str]] = field(default_factory=dict)

    def add(self, execution: dict[str, Any]) -> None:
        """Store (or replace) one execution under its id and workgroup."""
        execution_id = execution["QueryExecutionId"]
        previous = self.by_id.get(execution_id)
        if previous is not None:
            self.by_workgroup[previous["WorkGroup"]].remove(execution_id)
        self.by_id[execution_id] = execution
        self.by_workgroup.setdefault(execution["WorkGroup"], []).append(execution_id)

    def newest_first(self, workgroup: str) -> list[str]:
        """The workgroup's execution ids, newest submission first (as AWS lists them)."""
        ids = self.by_workgroup.get(workgroup, [])
        return sorted(
            ids,
            key=lambda i: (self.by_id[i]["Status"]["SubmissionDateTime"], i),
            reverse=True,
        )


def backend_for(account_id: str, region: str) -> AthenaBackend:
    """moto's Athena backend of one account and region."""
    return athena_backends[account_id][region]


def execution_log(backend: AthenaBackend) -> ExecutionLog:
    """The backend's execution log, created on first use (a moto reset drops it)."""
    log = getattr(backend, EXECUTIONS_ATTRIBUTE, None)
    if log is None:
        log = ExecutionLog()
        setattr(backend, EXECUTIONS_ATTRIBUTE, log)
    return log


def _encode_token(value: str) -> str:
    """An opaque page token (AWS's tokens are opaque; ours carry the last id of the page)."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestException(f"Invalid pagination token {token!r}.") from error


def _max_results(response: AthenaResponse) -> int:
    value = response._get_int_param("MaxResults", MAX_PAGE)
    if value is None or not 0 <= value <= MAX_PAGE:
        raise InvalidRequestException(f"MaxResults must be between 0 and {MAX_PAGE}.")
    return value or MAX_PAGE


def _page_after(ids: list[str], token: str | None, size: int) -> tuple[list[str], str | None]:
    """One page of `ids` after the id a token names; a token of an id no longer listed fails
    (AWS answers InvalidRequestException for a token it does not know)."""
    start = 0
    if token:
        last = _decode_token(token)
        if last not in ids:
            raise InvalidRequestException(f"Invalid pagination token {token!r}.")
        start = ids.index(last) + 1
    chunk = ids[start : start + size]
    more = start + size < len(ids)
    return chunk, (_encode_token(chunk[-1]) if more and chunk else None)


# --------------------------------------------------------------------------- operations


def list_work_groups(self: AthenaResponse) -> ActionResult:
    """ListWorkGroups: summaries (name, state, description, creation time, engine version)."""
    backend = self.athena_backend
    created = getattr(backend, WORKGROUP_TIMES_ATTRIBUTE, {})
    names = sorted(backend.work_groups)
    chunk, token = _page_after(names, self._get_param("NextToken"), _max_results(self))
    summaries = []
    for name in chunk:
        group = backend.work_groups[name]
        engine = group.configuration.get("EngineVersion") or ENGINE_VERSION
        summaries.append(
            {
                "Name": name,
                "State": group.state,
                "Description": group.description or "",
                "CreationTime": created.get(name, WORKGROUP_EPOCH),
                "EngineVersion": engine,
            }
        )
    body: dict[str, Any] = {"WorkGroups": summaries}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


def list_query_executions(self: AthenaResponse) -> ActionResult:
    """ListQueryExecutions: one workgroup's ids (`primary` when none is named), newest first."""
    backend = self.athena_backend
    workgroup = self._get_param("WorkGroup") or "primary"
    if workgroup not in backend.work_groups:
        raise InvalidRequestException(f"WorkGroup {workgroup} is not found.")
    ids = execution_log(backend).newest_first(workgroup)
    chunk, token = _page_after(ids, self._get_param("NextToken"), _max_results(self))
    body: dict[str, Any] = {"QueryExecutionIds": chunk}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


def batch_get_query_execution(self: AthenaResponse) -> ActionResult:
    """BatchGetQueryExecution: known executions, the rest as UnprocessedQueryExecutionIds."""
    ids = self._get_param("QueryExecutionIds") or []
    if not 1 <= len(ids) <= MAX_BATCH_IDS:
        raise InvalidRequestException(
            f"QueryExecutionIds must hold between 1 and {MAX_BATCH_IDS} ids, not {len(ids)}."
        )
    log = execution_log(self.athena_backend)
    found, unprocessed = [], []
    for execution_id in ids:
        if execution_id in log.by_id:
            found.append(log.by_id[execution_id])
        else:
            unprocessed.append(
                {
                    "QueryExecutionId": execution_id,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": f"QueryExecution {execution_id} was not found",
                }
            )
    return ActionResult({"QueryExecutions": found, "UnprocessedQueryExecutionIds": unprocessed})


def get_query_execution(self: AthenaResponse) -> ActionResult:
    """GetQueryExecution of a recorded execution; InvalidRequestException when unknown."""
    execution_id = self._get_param("QueryExecutionId")
    execution = execution_log(self.athena_backend).by_id.get(execution_id)
    if execution is None:
        raise InvalidRequestException(f"QueryExecution {execution_id} was not found")
    return ActionResult({"QueryExecution": execution})


def start_query_execution(self: AthenaResponse) -> ActionResult:
    """StartQueryExecution: recorded at once as SUCCEEDED (moto runs nothing)."""
    backend = self.athena_backend
    workgroup = self._get_param("WorkGroup") or "primary"
    if workgroup not in backend.work_groups:
        raise InvalidRequestException(f"WorkGroup {workgroup} is not found.")
    context = self._get_param("QueryExecutionContext") or {}
    now = datetime.now(UTC)
    execution_id = record_query_execution(
        backend,
        query=self._get_param("QueryString"),
        workgroup=workgroup,
        database=context.get("Database"),
        catalog=context.get("Catalog"),
        output_location=(self._get_param("ResultConfiguration") or {}).get("OutputLocation"),
        submitted=now,
        completed=now,
    )
    return ActionResult({"QueryExecutionId": execution_id})


_OPERATIONS: Mapping[str, Callable[[AthenaResponse], ActionResult]] = {
    "list_work_groups": list_work_groups,
    "list_query_executions": list_query_executions,
    "batch_get_query_execution": batch_get_query_execution,
    "get_query_execution": get_query_execution,
    "start_query_execution": start_query_execution,
}


def install() -> None:
    """Add the REST paths and operations (idempotent; before the server answers requests)."""
    for path in REST_PATHS:
        athena_urls.url_paths.setdefault(path, AthenaResponse.dispatch)
    for name, function in _OPERATIONS.items():
        setattr(AthenaResponse, name, function)


def is_installed() -> bool:
    """Whether every path and operation of this module is in place."""
    return all(path in athena_urls.url_paths for path in REST_PATHS) and all(
        vars(AthenaResponse).get(name) is fn for name, fn in _OPERATIONS.items()
    )


def natively_implemented() -> list[str]:
    """Added operations moto itself defined before install(): each makes the patch stale."""
    return [name for name in ADDED_OPERATIONS if _ORIGINAL_METHODS[name] is not None]


def missing_originals() -> list[str]:
    """Replaced operations moto no longer defines: their replacements may no longer fit."""
    return [name for name in REPLACED_OPERATIONS if _ORIGINAL_METHODS[name] is None]


# --------------------------------------------------------------------------- seeding


_DDL_WORDS = ("ALTER", "CREATE", "DROP", "MSCK", "SHOW", "DESCRIBE")
_UTILITY_WORDS = ("EXPLAIN", "USE")


def statement_type(query: str) -> str:
    """DDL, DML or UTILITY as Athena reports it (CTAS and CREATE VIEW are DDL on Athena)."""
    words = query.lstrip(" \t\r\n(").split(None, 1)
    first = words[0].upper() if words else ""
    if first in _DDL_WORDS:
        return "DDL"
    if first in _UTILITY_WORDS:
        return "UTILITY"
    return "DML"


def ensure_workgroup(
    backend: AthenaBackend, name: str, *, created: datetime = WORKGROUP_EPOCH
) -> None:
    """Create a workgroup (with a creation time) when the backend lacks it."""
    if name not in backend.work_groups:
        backend.create_work_group(name=name, configuration={}, description="", tags=[])
    if not hasattr(backend, WORKGROUP_TIMES_ATTRIBUTE):
        setattr(backend, WORKGROUP_TIMES_ATTRIBUTE, {})
    getattr(backend, WORKGROUP_TIMES_ATTRIBUTE).setdefault(name, created)


def record_query_execution(
    backend: AthenaBackend,
    *,
    query: str,
    workgroup: str,
    submitted: datetime,
    completed: datetime | None = None,
    state: str = "SUCCEEDED",
    database: str | None = None,
    catalog: str | None = None,
    output_location: str | None = None,
    statement: str | None = None,
    execution_id: str | None = None,
    reason: str | None = None,
    scanned_bytes: int = 0,
) -> str:
    """Record one execution as GetQueryExecution answers it; returns its id. The output
    location is the workgroup's prefix plus `<id>.csv`, as Athena writes results."""
    ensure_workgroup(backend, workgroup)
    execution_id = execution_id or str(uuid.uuid4())
    status: dict[str, Any] = {"State": state, "SubmissionDateTime": submitted}
    if completed is not None:
        status["CompletionDateTime"] = completed
    if reason is not None:
        status["StateChangeReason"] = reason
    if state == "FAILED":
        status["AthenaError"] = {
            "ErrorCategory": 2,
            "ErrorType": 1301,
            "Retryable": False,
            "ErrorMessage": reason or "FAILED",
        }
    context = {"Catalog": catalog or DEFAULT_CATALOG}
    if database:
        context["Database"] = database
    execution: dict[str, Any] = {
        "QueryExecutionId": execution_id,
        "Query": query,
        "StatementType": statement or statement_type(query),
        "QueryExecutionContext": context,
        "Status": status,
        "WorkGroup": workgroup,
        "EngineVersion": dict(ENGINE_VERSION),
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        "Statistics": {
            "EngineExecutionTimeInMillis": _millis(submitted, completed),
            "DataScannedInBytes": scanned_bytes,
            "TotalExecutionTimeInMillis": _millis(submitted, completed),
        },
    }
    if output_location:
        prefix = output_location if output_location.endswith("/") else output_location + "/"
        execution["ResultConfiguration"] = {"OutputLocation": f"{prefix}{execution_id}.csv"}
    execution_log(backend).add(execution)
    return execution_id


def _millis(start: datetime, end: datetime | None) -> int:
    return int((end - start).total_seconds() * 1000) if end is not None else 0
