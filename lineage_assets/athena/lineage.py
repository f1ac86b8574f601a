"""What a successful execution's SQL observably did, from the SQL engine (dialect `athena`,
which reads DDL as Hive and DML as Trino, as Athena routes them), with unqualified names in the
execution's catalog and database, and the Glue catalog's declared columns (so `SELECT *` and
unqualified columns of a join resolve). Identical texts in one context are parsed once per
crawl: scheduled and dashboard queries repeat thousands of times."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from lineage_assets.athena.ids import DEFAULT_CATALOG, default_database
from lineage_assets.sql import ScriptLineage, extract_lineage

DIALECT = "athena"
CACHE_ENTRIES = 4_096


@dataclass(frozen=True)
class Parsed:
    """The engine's result for one query text, or why it was not parsed."""

    lineage: ScriptLineage | None
    error: str | None = None


class LineageCache:
    """Parses query texts with the SQL engine, remembering the latest `size` results."""

    def __init__(
        self,
        max_query_bytes: int,
        size: int = CACHE_ENTRIES,
        schema: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.max_query_bytes = max_query_bytes
        self.size = size
        self.parsed = 0
        self._cache: OrderedDict[tuple[str, str | None, str | None], Parsed] = OrderedDict()
        # The catalog's declared tables by their last name part, to hand the engine only
        # the tables a query can name (building its schema is per parse).
        self._tables: dict[str, list[tuple[str, Mapping[str, str]]]] = defaultdict(list)
        for name, columns in (schema or {}).items():
            self._tables[name.rpartition(".")[2]].append((name, columns))

    def schema_for(self, query: str, catalog: str | None) -> dict[str, dict[str, str]]:
        """The declared tables whose name occurs in `query` (the default catalog's only)."""
        if not self._tables or (catalog and catalog.lower() != DEFAULT_CATALOG):
            return {}
        text = query.lower()
        return {
            name: dict(columns)
            for short, tables in self._tables.items()
            if short in text
            for name, columns in tables
        }

    def lineage(self, query: str, catalog: str | None, database: str | None) -> Parsed:
        """The lineage of `query` run in `catalog`.`database` (never raises on bad SQL)."""
        key = (query, catalog, database)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        result = self._parse(query, catalog, database)
        self._cache[key] = result
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return result

    def _parse(self, query: str, catalog: str | None, database: str | None) -> Parsed:
        size = len(query.encode("utf-8"))
        if size > self.max_query_bytes:
            return Parsed(
                None,
                f"query of {size} bytes is over the {self.max_query_bytes}-byte bound; not parsed",
            )
        if not query.strip():
            return Parsed(None, "empty query text")
        self.parsed += 1
        schema = self.schema_for(query, catalog)
        return Parsed(
            extract_lineage(
                query,
                DIALECT,
                schema or None,
                default_db=default_database(catalog, database),
            )
        )
