"""The Glue calls the crawl makes, as protocols: any boto3 Glue client (or a test double) with
these methods will do, and a type checker sees what the crawl may call."""

from __future__ import annotations

from typing import Any, Protocol

Answer = dict[str, Any]
"""A boto3 response: JSON-like and untrusted."""


class GlueClient(Protocol):
    """GetDatabases, GetTables and GetPartitions, one page per call (`NextToken` to go on)."""

    def get_databases(self, **parameters: Any) -> Answer:
        """GetDatabases (one page)."""
        ...

    def get_tables(self, **parameters: Any) -> Answer:
        """GetTables (one page of full table definitions of one database)."""
        ...

    def get_partitions(self, **parameters: Any) -> Answer:
        """GetPartitions (one page of one table's partitions)."""
        ...


class ClientFactory(Protocol):
    """`client(service, region)`, e.g. `lineage_assets.aws.client` or an account's factory."""

    def __call__(self, service: str, region: str, /) -> Any:
        """A client of `service` ("glue") in `region`."""
        ...
