"""Listings page the way Glue pages (moto never returns a NextToken): every page is read, a
repeated token ends the listing, bounds cut it and say so, partitions are counted up to a cap."""

from __future__ import annotations

from typing import Any

from lineage_assets.glue import fetch
from lineage_assets.glue.bounds import MAX_PARTITION_PAGES, PARTITION_PAGE


class PagedGlue:
    """A Glue stand-in answering from lists in pages of `size`, recording each call."""

    def __init__(self, tables: int, partitions: int, size: int, loop: bool = False) -> None:
        self.tables = [{"Name": f"t{i}"} for i in range(tables)]
        self.partitions = partitions
        self.size = size
        self.loop = loop
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _page(self, items: list[Any], key: str, token: str | None) -> dict[str, Any]:
        start = int(token or 0)
        page: dict[str, Any] = {key: items[start : start + self.size]}
        if start + self.size < len(items):
            page["NextToken"] = "0" if self.loop else str(start + self.size)
        return page

    def get_databases(self, **parameters: Any) -> dict[str, Any]:
        self.calls.append(("get_databases", parameters))
        return self._page([{"Name": "db"}], "DatabaseList", parameters.get("NextToken"))

    def get_tables(self, **parameters: Any) -> dict[str, Any]:
        self.calls.append(("get_tables", parameters))
        return self._page(self.tables, "TableList", parameters.get("NextToken"))

    def get_partitions(self, **parameters: Any) -> dict[str, Any]:
        self.calls.append(("get_partitions", parameters))
        size = parameters["MaxResults"]
        start = int(parameters.get("NextToken") or 0)
        count = max(0, min(size, self.partitions - start))
        page: dict[str, Any] = {"Partitions": [{"Values": ["x"]}] * count}
        if start + size < self.partitions:
            page["NextToken"] = str(start + size)
        return page


def test_every_page_is_read():
    glue = PagedGlue(tables=25, partitions=0, size=10)
    listing = fetch.list_tables(glue, "db", catalog_id="210987654321")
    assert [t["Name"] for t in listing.items] == [f"t{i}" for i in range(25)]
    assert not listing.truncated
    assert [c[1].get("NextToken") for c in glue.calls] == [None, "10", "20"]
    assert all(c[1]["CatalogId"] == "210987654321" for c in glue.calls)


def test_a_repeated_token_ends_the_listing():
    glue = PagedGlue(tables=25, partitions=0, size=10, loop=True)
    listing = fetch.list_tables(glue, "db")
    assert len(glue.calls) == 2 and len(listing.items) == 20


def test_the_item_bound_truncates(monkeypatch):
    monkeypatch.setattr(fetch, "MAX_TABLES", 15)
    listing = fetch.list_tables(PagedGlue(tables=25, partitions=0, size=10), "db")
    assert len(listing.items) == 15 and listing.truncated


def test_partitions_are_counted_up_to_a_cap():
    small = PagedGlue(tables=0, partitions=2_500, size=10)
    assert fetch.count_partitions(small, "db", "t") == fetch.PartitionCount(2_500, False)
    assert all(c[1]["ExcludeColumnSchema"] for c in small.calls)
    huge = PagedGlue(tables=0, partitions=10_000_000, size=10)
    counted = fetch.count_partitions(huge, "db", "t")
    assert counted == fetch.PartitionCount(PARTITION_PAGE * MAX_PARTITION_PAGES, True)
    assert len(huge.calls) == MAX_PARTITION_PAGES
