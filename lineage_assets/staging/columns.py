"""The store's tables and column types, known without the store: the registry's migrations
applied to an in-memory database once per process, so a crawl that holds no writer still
stages typed columns (and refuses unknown tables and columns as the store would)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from lineage_assets.store import registry
from lineage_assets.store.errors import RecordError
from lineage_assets.store.memory import empty_store
from lineage_assets.store.writer import Catalog, json_text, quote, valid_utf8

SEQ = "_seq"
ROW = "_row"
# A row staged as JSON text (when its values do not fit the column types) is at most this big.
MAX_JSON_ROW_BYTES = 4 << 20


@dataclass(frozen=True)
class Tables:
    """Per table: its columns' DuckDB types and Arrow types; which tables are per-source."""

    types: Mapping[str, Mapping[str, str]]
    arrow: Mapping[str, pa.Schema]
    source_tables: frozenset[str]

    def check(self, table: str, columns: Sequence[str]) -> None:
        """RecordError for an unknown table or column, in the store's words."""
        if table not in self.types:
            raise RecordError(f"unknown table {table!r}")
        unknown = sorted(set(columns) - set(self.types[table]))
        if unknown:
            raise RecordError(f"table {table!r} has no column(s) {unknown}")

    def schema(self, table: str, columns: Sequence[str]) -> pa.Schema:
        """`_seq` then the named columns, typed as the store's table has them."""
        full = self.arrow[table]
        fields = [pa.field(c, full.field(c).type) for c in columns]
        return pa.schema([pa.field(SEQ, pa.int32()), *fields])


@cache
def tables(schemas: registry.Registry | None = None) -> Tables:
    """The tables of a store migrated with `schemas` (by default the registry's)."""
    with empty_store(schemas) as conn:
        catalog = Catalog(conn)
        arrow = {
            table: conn.execute(f"SELECT * FROM {quote(table)} LIMIT 0").to_arrow_table().schema  # noqa: S608
            for table in catalog.columns
        }
    return Tables(catalog.columns, arrow, frozenset(catalog.source_tables))


def typed(
    known: Tables, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> pa.Table | None:
    """Rows (each with `_seq`) as an Arrow table of the store's column types, or None when
    their values do not fit those types (they are then staged as JSON)."""
    json_columns = {c for c in columns if known.types[table][c] == "JSON"}
    schema = known.schema(table, columns)
    values = [
        {c: (json_text(v) if c in json_columns and v is not None else v) for c, v in row.items()}
        for row in rows
    ]
    try:
        try:
            return pa.Table.from_pylist(values, schema=schema)
        except UnicodeEncodeError:
            return pa.Table.from_pylist([valid_utf8(row) for row in values], schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        return None


def as_json(table: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows as (`_seq`, `_row` JSON text), each bounded: the store types them when applying."""
    texts = []
    for row in rows:
        fields = {k: v for k, v in row.items() if k != SEQ}
        text = json.dumps(valid_utf8(fields), default=str, sort_keys=True)
        if len(text) > MAX_JSON_ROW_BYTES:
            raise RecordError(f"a row for {table!r} is {len(text)} bytes as JSON, too big")
        texts.append(text)
    return pa.table(
        {SEQ: pa.array([row[SEQ] for row in rows], pa.int32()), ROW: pa.array(texts, pa.string())}
    )
