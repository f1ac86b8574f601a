"""What the crawl reads from the Glue API: databases, each database's tables (full definitions,
one paginated GetTables listing per database) and a bounded count of a table's partitions.

Every listing is bounded in pages and items; GetPartitions is asked for partition values only
(`ExcludeColumnSchema`) and stops after `MAX_PARTITION_PAGES` pages, so a table with millions of
partitions costs a few calls and is reported as "at least N".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage_assets.glue.bounds import (
    MAX_DATABASES,
    MAX_PAGES,
    MAX_PARTITION_PAGES,
    MAX_TABLES,
    PARTITION_PAGE,
)
from lineage_assets.glue.clients import Answer, GlueClient


@dataclass(frozen=True)
class Listing:
    """Items of a paginated listing, and whether a bound cut it short."""

    items: list[dict[str, Any]]
    truncated: bool = False


@dataclass(frozen=True)
class PartitionCount:
    """How many partitions a table has, or at least (`capped`)."""

    count: int
    capped: bool = False


def _collect(call: Any, key: str, parameters: dict[str, Any], limit: int) -> Listing:
    """Up to `limit` mapping items of the `key` list of each page of a NextToken listing, at
    most `MAX_PAGES` pages; truncated when more were there. A repeated token ends the listing,
    so a misbehaving endpoint cannot loop it."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    token: str | None = None
    for _ in range(MAX_PAGES):
        page: Answer = call(**parameters, **({"NextToken": token} if token else {}))
        listed = page.get(key)
        for item in listed if isinstance(listed, list) else []:
            if len(items) >= limit:
                return Listing(items, truncated=True)
            if isinstance(item, dict):
                items.append(item)
        token = page.get("NextToken")
        if not isinstance(token, str) or not token or token in seen:
            return Listing(items)
        seen.add(token)
    return Listing(items, truncated=True)


def list_databases(glue: GlueClient, catalog_id: str | None = None) -> Listing:
    """Every database of the catalog, including those shared with it (`ResourceShareType`
    ALL: Lake Formation shares show as databases whose `CatalogId` is another account)."""
    parameters: dict[str, Any] = {"ResourceShareType": "ALL"}
    if catalog_id:
        parameters["CatalogId"] = catalog_id
    return _collect(glue.get_databases, "DatabaseList", parameters, MAX_DATABASES)


def list_tables(glue: GlueClient, database: str, catalog_id: str | None = None) -> Listing:
    """Every table and view of one database with its whole definition."""
    parameters: dict[str, Any] = {"DatabaseName": database}
    if catalog_id:
        parameters["CatalogId"] = catalog_id
    return _collect(glue.get_tables, "TableList", parameters, MAX_TABLES)


def count_partitions(
    glue: GlueClient, database: str, table: str, catalog_id: str | None = None
) -> PartitionCount:
    """The table's partitions counted page by page, up to `MAX_PARTITION_PAGES` pages."""
    parameters: dict[str, Any] = {
        "DatabaseName": database,
        "TableName": table,
        "MaxResults": PARTITION_PAGE,
        "ExcludeColumnSchema": True,
    }
    if catalog_id:
        parameters["CatalogId"] = catalog_id
    count, token = 0, None
    seen: set[str] = set()
    for _ in range(MAX_PARTITION_PAGES):
        page = glue.get_partitions(**parameters, **({"NextToken": token} if token else {}))
        partitions = page.get("Partitions")
        count += len(partitions) if isinstance(partitions, list) else 0
        token = page.get("NextToken")
        if not isinstance(token, str) or not token or token in seen:
            return PartitionCount(count)
        seen.add(token)
    return PartitionCount(count, capped=True)
