"""Typed reads of the catalog's tables: what the last crawl stored (for incremental
re-crawls), the tables and declared columns, PII by name, and declared-vs-sampled drift.
Every value travels as a query parameter."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lineage_assets.core.uris import normalize
from lineage_assets.glue.drift import Declared, Difference, Sampled, compare
from lineage_assets.glue.ids import (
    DATABASE_KIND,
    TABLE_KIND,
    database_key,
    region_tables_prefix,
    table_prefix,
)

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class StoredSource:
    """A source the last crawls stored: its content hash and status."""

    source_key: str
    content_hash: str | None
    status: str


@dataclass(frozen=True)
class GlueTable:
    """One stored catalog table."""

    account_id: str
    region: str
    database_name: str
    table_name: str
    node: str
    table_type: str | None
    location: str | None
    column_count: int
    partition_keys: list[str]
    partition_count: int | None
    view_error: str | None


@dataclass(frozen=True)
class PiiColumn:
    """A declared column whose name says it holds personal data."""

    node: str
    column_name: str
    pii_class: str
    phrase: str | None


@dataclass(frozen=True)
class TableDrift:
    """How a table's declared columns differ from its location's latest sampled schema."""

    node: str
    account_id: str
    region: str
    location: str
    dataset_uri: str
    differences: tuple[Difference, ...]

    @property
    def breaking(self) -> bool:
        """Whether readers of the table fail or read wrong values (missing, type mismatch)."""
        return any(d.kind != "extra" for d in self.differences)


def _sources(conn: duckdb.DuckDBPyConnection, kind: str, prefix: str) -> dict[str, StoredSource]:
    rows = conn.execute(
        "SELECT source_key, content_hash, status FROM sources "
        "WHERE source_kind = ? AND starts_with(source_key, ?)",
        [kind, prefix],
    ).fetchall()
    return {row[0]: StoredSource(*row) for row in rows}


def stored_tables(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str, database: str
) -> dict[str, StoredSource]:
    """The database's table sources the store holds, by source key."""
    return _sources(conn, TABLE_KIND, table_prefix(account_id, region, database))


def stored_region_tables(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, dict[str, StoredSource]]:
    """The region's table sources the store holds, by database, then by source key."""
    found: dict[str, dict[str, StoredSource]] = defaultdict(dict)
    prefix = region_tables_prefix(account_id, region)
    for key, source in _sources(conn, TABLE_KIND, prefix).items():
        database = key.removeprefix(prefix).split("/", 1)[0]
        found[database][key] = source
    return dict(found)


def stored_databases(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, StoredSource]:
    """The region's database sources the store holds, by source key."""
    return _sources(conn, DATABASE_KIND, database_key(account_id, region, ""))


def tables(conn: duckdb.DuckDBPyConnection) -> list[GlueTable]:
    """Every stored catalog table, by account, region, database and name."""
    rows = conn.execute(
        "SELECT account_id, region, database_name, table_name, node, table_type, location, "
        "column_count, partition_keys, partition_count, view_error FROM glue_tables "
        "ORDER BY ALL"
    ).fetchall()
    return [GlueTable(*row) for row in rows]


def pii_columns(conn: duckdb.DuckDBPyConnection) -> list[PiiColumn]:
    """Declared columns classified as personal data by name."""
    rows = conn.execute(
        "SELECT DISTINCT node, column_name, pii_class, pii_phrase FROM glue_columns "
        "WHERE pii_class IS NOT NULL ORDER BY ALL"
    ).fetchall()
    return [PiiColumn(*row) for row in rows]


_DECLARED = """
SELECT t.node, t.account_id, t.region, t.location, c.column_name, c.column_type,
       c.is_partition_key
FROM glue_tables t JOIN glue_columns c USING (source_key)
WHERE t.location IS NOT NULL AND coalesce(t.table_type, '') <> 'VIRTUAL_VIEW'
ORDER BY t.node, t.account_id, t.region, c.position
"""

_SAMPLED = """
SELECT d.dataset_uri, c.column_path, c.column_type, c.is_partition
FROM s3_datasets d
JOIN s3_schema_columns c ON c.dataset_uri = d.dataset_uri AND c.version = d.schema_version
ORDER BY d.dataset_uri, c.column_path
"""


def schema_drift(conn: duckdb.DuckDBPyConnection) -> list[TableDrift]:
    """Every catalog table whose location was sampled and whose declared columns differ from
    the sample (locations compared as `core.uris.normalize` spells them)."""
    declared: dict[tuple[str, str, str, str], list[Declared]] = defaultdict(list)
    for node, account, region, location, name, kind, is_key in conn.execute(_DECLARED).fetchall():
        declared[(node, account, region, location)].append(Declared(name, kind, bool(is_key)))
    sampled: dict[str, tuple[str, list[Sampled]]] = {}
    for uri, path, kind, is_partition in conn.execute(_SAMPLED).fetchall():
        entry = sampled.setdefault(normalize(uri), (uri, []))
        entry[1].append(Sampled(path, kind, bool(is_partition)))
    found = []
    for (node, account, region, location), columns in declared.items():
        sample = sampled.get(normalize(location))
        if sample is None:
            continue
        differences = compare(columns, sample[1])
        if differences:
            found.append(TableDrift(node, account, region, location, sample[0], tuple(differences)))
    return found


@dataclass(frozen=True)
class RegionSummary:
    """What the store holds of one account's region: databases, tables, views, PII columns."""

    account_id: str
    region: str
    databases: int
    tables: int
    views: int
    pii_columns: int


def region_summaries(conn: duckdb.DuckDBPyConnection) -> list[RegionSummary]:
    """Counts per account and region of the stored catalog."""
    rows = conn.execute(
        "SELECT t.account_id, t.region, count(DISTINCT t.database_name), "
        "count(*) FILTER (WHERE coalesce(t.table_type, '') <> 'VIRTUAL_VIEW'), "
        "count(*) FILTER (WHERE t.table_type = 'VIRTUAL_VIEW'), "
        "coalesce(sum((SELECT count(*) FROM glue_columns c WHERE c.source_key = t.source_key "
        "AND c.pii_class IS NOT NULL)), 0) "
        "FROM glue_tables t GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return [RegionSummary(*row) for row in rows]


MAX_SCHEMA_COLUMNS = 1_000_000  # declared columns read for one account and region


def declared_schema(
    conn: duckdb.DuckDBPyConnection, account_id: str, region: str
) -> dict[str, dict[str, str]]:
    """`{<database>.<table>: {column: type}}` of one account and region's stored tables (the
    SQL engine's schema), columns in declared order, partition keys last."""
    rows = conn.execute(
        "SELECT database_name || '.' || table_name, column_name, coalesce(column_type, '') "
        "FROM glue_columns WHERE account_id = ? AND region = ? "
        "ORDER BY 1, is_partition_key, position LIMIT ?",
        [account_id, region, MAX_SCHEMA_COLUMNS],
    ).fetchall()
    schema: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        schema.setdefault(table, {})[column] = kind or "unknown"
    return schema
