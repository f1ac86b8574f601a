"""The Athena calls the crawl makes, as a protocol: any boto3 Athena client (or a double)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Answer = dict[str, Any]
"""A boto3 response: JSON-like and untrusted."""


class AthenaClient(Protocol):
    """ListWorkGroups, ListQueryExecutions and BatchGetQueryExecution (read-only)."""

    def list_work_groups(self, **parameters: Any) -> Answer:
        """ListWorkGroups (one page)."""
        ...

    def list_query_executions(self, **parameters: Any) -> Answer:
        """ListQueryExecutions (one page of ids, newest first)."""
        ...

    def batch_get_query_execution(self, **parameters: Any) -> Answer:
        """BatchGetQueryExecution (≤ 50 ids)."""
        ...


ClientFactory = Callable[[str, str], Any]
"""`(service, region)` → a boto3 client acting in one account (`lineage_assets.aws.client`,
an account's client factory)."""
