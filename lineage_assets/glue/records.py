"""A catalog table or database, read from GetTables/GetDatabases, as typed store records.

Everything is bounded on the way in: names checked (a bad one fails its table), columns cut at
`MAX_COLUMNS`, texts and parameters clipped, view SQL parsed within the SQL engine's bounds.
Declared columns are classified for personal data by name alone (`pii.classify_column`
without values), so a masked or partial column (`email_sha256`, `card_last4`) is not PII.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_assets.glue.bounds import (
    MAX_COLUMNS,
    MAX_COMMENT_CHARS,
    MAX_LOCATION_CHARS,
    MAX_PARAMETER_CHARS,
    MAX_PARAMETERS_BYTES,
    MAX_TYPE_CHARS,
    MAX_VIEW_TEXT_KEPT,
    clip,
)
from lineage_assets.glue.fetch import PartitionCount
from lineage_assets.glue.ids import (
    DATABASE_KIND,
    TABLE_KIND,
    checked_name,
    database_key,
    glue_table_node,
    relation,
    table_key,
)
from lineage_assets.glue.viewsql import ViewLineage, ViewTextError, view_lineage, view_text
from lineage_assets.pii import classify_column
from lineage_assets.store import SourceRecords

VIEW_TYPE = "VIRTUAL_VIEW"
# Fields Glue changes without the table changing (read statistics), left out of its hash.
_VOLATILE = ("LastAccessTime", "LastAnalyzedTime")

Known = Mapping[str, Mapping[str, str]]
"""Declared columns of catalog tables: `db.table` → column → type (what a view parse needs)."""


@dataclass(frozen=True)
class DeclaredColumn:
    """A column or partition key as the table declares it."""

    name: str
    type: str | None
    comment: str | None
    position: int
    is_partition_key: bool


def fingerprint(table: Mapping[str, Any]) -> str:
    """A hash of the table's definition as GetTables returned it (its version id and update
    time included): equal hashes mean nothing to rewrite."""
    stable = {k: v for k, v in table.items() if k not in _VOLATILE}
    text = json.dumps(stable, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _text(value: object, limit: int) -> str | None:
    """A string field, clipped; anything else is None."""
    if not isinstance(value, str) or not value:
        return None
    return clip(value.encode("utf-8", "replace").decode("utf-8"), limit)


def bounded_parameters(value: object) -> str | None:
    """Parameters as JSON text: string keys and values, each clipped, dropped past
    `MAX_PARAMETERS_BYTES` in key order (a `__truncated__` count says how many)."""
    if not isinstance(value, Mapping) or not value:
        return None
    kept: dict[str, str] = {}
    size, dropped = 2, 0
    for key in sorted(str(k) for k in value)[:10_000]:
        item = _text(key, 256) or ""
        text = _text(str(value.get(key, "")), MAX_PARAMETER_CHARS) or ""
        cost = len(item.encode()) + len(text.encode()) + 8
        if size + cost > MAX_PARAMETERS_BYTES:
            dropped += 1
            continue
        kept[item], size = text, size + cost
    dropped += max(0, len(value) - 10_000)
    if dropped:
        kept["__truncated__"] = str(dropped)
    return json.dumps(kept, ensure_ascii=False)


def declared_columns(table: Mapping[str, Any]) -> tuple[list[DeclaredColumn], bool]:
    """The table's columns then its partition keys, numbered from 1, at most `MAX_COLUMNS`;
    whether any were cut. A column with a bad name fails the table (BadName)."""
    storage = table.get("StorageDescriptor")
    listed = storage.get("Columns") if isinstance(storage, Mapping) else None
    partition_keys = table.get("PartitionKeys")
    entries = [
        *((c, False) for c in (listed if isinstance(listed, list) else [])[: MAX_COLUMNS + 1]),
        *(
            (c, True)
            for c in (partition_keys if isinstance(partition_keys, list) else [])[: MAX_COLUMNS + 1]
        ),
    ]
    columns: list[DeclaredColumn] = []
    for entry, is_key in entries[:MAX_COLUMNS]:
        if not isinstance(entry, Mapping):
            continue
        columns.append(
            DeclaredColumn(
                name=checked_name(entry.get("Name"), "column"),
                type=_text(entry.get("Type"), MAX_TYPE_CHARS),
                comment=_text(entry.get("Comment"), MAX_COMMENT_CHARS),
                position=len(columns) + 1,
                is_partition_key=is_key,
            )
        )
    return columns, len(entries) > MAX_COLUMNS


def _time(value: object) -> datetime | None:
    """A timestamp field (boto3 parses them to datetimes)."""
    return value if isinstance(value, datetime) else None


def _storage(table: Mapping[str, Any]) -> Mapping[str, Any]:
    storage = table.get("StorageDescriptor")
    return storage if isinstance(storage, Mapping) else {}


def _target_table(table: Mapping[str, Any]) -> str | None:
    """The table a resource link points at (Lake Formation sharing), by its SQL name."""
    target = table.get("TargetTable")
    if not isinstance(target, Mapping):
        return None
    database, name = target.get("DatabaseName"), target.get("Name")
    return relation(checked_name(database, "target database"), checked_name(name, "target table"))


@dataclass(frozen=True)
class TableCrawl:
    """One table as read: where it is, its definition, partitions counted (if asked)."""

    account_id: str
    region: str
    database: str
    table: Mapping[str, Any]
    catalog_id: str | None = None
    partitions: PartitionCount | None = None


def is_view(table: Mapping[str, Any]) -> bool:
    """Whether a catalog entry is a view (its type, or view text without a location)."""
    return table.get("TableType") == VIEW_TYPE


def table_name_of(table: Mapping[str, Any]) -> str:
    """The table's checked, lower-case name."""
    return checked_name(table.get("Name"), "table")


def _view(
    database: str, name: str, table: Mapping[str, Any], known: Known
) -> tuple[str | None, str | None, ViewLineage]:
    """(dialect, SQL kept, lineage) of a view; the lineage's error says why there is none."""
    parameters = table.get("Parameters")
    try:
        text = view_text(
            table.get("ViewOriginalText"),
            table.get("ViewExpandedText"),
            parameters if isinstance(parameters, Mapping) else {},
        )
    except ViewTextError as error:
        return None, None, ViewLineage(error=str(error))
    kept = _text(text.sql, MAX_VIEW_TEXT_KEPT)
    return text.dialect, kept, view_lineage(database, name, text, known)


def table_records(
    crawl: TableCrawl, known: Known, crawled_at: datetime
) -> tuple[SourceRecords, str | None]:
    """The table's records, and the error of its view's parse (the table still lands)."""
    table, database = crawl.table, crawl.database
    name = table_name_of(table)
    key = table_key(crawl.account_id, crawl.region, database, name)
    node = glue_table_node(database, name)
    columns, truncated = declared_columns(table)
    storage = _storage(table)
    serde = storage.get("SerdeInfo")
    serde = serde if isinstance(serde, Mapping) else {}
    view = is_view(table)
    dialect, view_sql, lineage = (
        _view(database, name, table, known) if view else (None, None, ViewLineage())
    )
    partitions = crawl.partitions
    records = SourceRecords(key, TABLE_KIND, f"{database}.{name}", content_hash=fingerprint(table))
    records.add(
        "glue_tables",
        [
            {
                "account_id": crawl.account_id,
                "region": crawl.region,
                "catalog_id": _text(table.get("CatalogId"), 64) or crawl.catalog_id,
                "database_name": database,
                "table_name": name,
                "node": node,
                "table_type": _text(table.get("TableType"), 64),
                "location": _text(storage.get("Location"), MAX_LOCATION_CHARS),
                "input_format": _text(storage.get("InputFormat"), 512),
                "output_format": _text(storage.get("OutputFormat"), 512),
                "serde": _text(serde.get("SerializationLibrary"), 512),
                "serde_parameters": bounded_parameters(serde.get("Parameters")),
                "parameters": bounded_parameters(table.get("Parameters")),
                "owner": _text(table.get("Owner"), 256),
                "create_time": _time(table.get("CreateTime")),
                "update_time": _time(table.get("UpdateTime")),
                "version_id": _text(table.get("VersionId"), 64),
                "column_count": len(columns),
                "columns_truncated": truncated,
                "partition_keys": [c.name for c in columns if c.is_partition_key],
                "partition_count": partitions.count if partitions else None,
                "partitions_capped": partitions.capped if partitions else None,
                "target_table": _target_table(table),
                "view_dialect": dialect if view else None,
                "view_sql": view_sql,
                "view_error": lineage.error,
                "crawled_at": crawled_at,
            }
        ],
    )
    rows = []
    for column in columns:
        pii_class, phrase = name_pii(column.name, column.type or "")
        rows.append(
            {
                "account_id": crawl.account_id,
                "region": crawl.region,
                "database_name": database,
                "table_name": name,
                "node": node,
                "column_name": column.name,
                "column_type": column.type,
                "comment": column.comment,
                "position": column.position,
                "is_partition_key": column.is_partition_key,
                "pii_class": pii_class,
                "pii_phrase": phrase,
            }
        )
    records.add("glue_columns", rows)
    records.add(
        "glue_view_sources", [{"view_node": node, "source_table": s} for s in lineage.sources]
    )
    records.add(
        "glue_view_columns",
        [
            {
                "view_table": relation(database, name),
                "view_column": c.column,
                "source_table": c.source_table,
                "source_column": c.source_column,
                "transform": c.transform,
            }
            for c in lineage.columns
        ],
    )
    return records, lineage.error


@functools.lru_cache(maxsize=65_536)
def name_pii(name: str, column_type: str) -> tuple[str | None, str | None]:
    """(class, matched phrase) of a declared column by its name and type alone; catalogs
    repeat names, so answers are cached."""
    classified = classify_column(name, column_type)
    if classified.pii_class is None:
        return None, None
    evidence = classified.evidence.get("name") or {}
    return classified.pii_class, evidence.get("phrase")


def known_columns(database: str, tables: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Declared columns of a database's listed tables (bad names skipped), for view parses."""
    known: dict[str, dict[str, str]] = {}
    for table in tables:
        try:
            name = table_name_of(table)
            columns, _ = declared_columns(table)
        except ValueError:
            continue
        known[relation(database, name)] = {c.name: c.type or "unknown" for c in columns}
    return known


def database_records(
    account_id: str,
    region: str,
    database: Mapping[str, Any],
    table_count: int,
    truncated: bool,
    crawled_at: datetime,
) -> SourceRecords:
    """A database's own row (its tables are sources of their own)."""
    name = checked_name(database.get("Name"), "database")
    target = database.get("TargetDatabase")
    shared_from = None
    if isinstance(target, Mapping):
        shared_from = _text(f"{target.get('CatalogId', '')}:{target.get('DatabaseName', '')}", 512)
    records = SourceRecords(database_key(account_id, region, name), DATABASE_KIND, name)
    return records.add(
        "glue_databases",
        [
            {
                "account_id": account_id,
                "region": region,
                "catalog_id": _text(database.get("CatalogId"), 64),
                "database_name": name,
                "description": _text(database.get("Description"), MAX_COMMENT_CHARS),
                "location_uri": _text(database.get("LocationUri"), MAX_LOCATION_CHARS),
                "parameters": bounded_parameters(database.get("Parameters")),
                "shared_from": shared_from,
                "create_time": _time(database.get("CreateTime")),
                "table_count": table_count,
                "tables_truncated": truncated,
                "crawled_at": crawled_at,
            }
        ],
    )
