"""The tables whose columns we know: the caller's schema plus tables the script itself defines.

A `MappingSchema` keyed by our own dotted names, so `orders` and `proj.ds.t` may live side by
side (sqlglot's nested mapping needs one depth for all tables).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.errors import SqlglotError
from sqlglot.schema import MappingSchema

from lineage_assets.sql.names import table_name

_LOWERCASING = (NormalizationStrategy.LOWERCASE, NormalizationStrategy.CASE_INSENSITIVE)


class Catalog(MappingSchema):
    """Known table columns by lower-case name, usable wherever sqlglot wants a `Schema`."""

    def __init__(self, dialect: Dialect, tables: dict[str, Any] | None = None) -> None:
        self.tables: dict[str, dict[str, str]] = {}
        super().__init__(dialect=dialect, normalize=False)
        self._lowercases = dialect.normalization_strategy in _LOWERCASING
        for name, columns in (tables or {}).items():
            if isinstance(columns, dict):
                self.define(str(name), {str(c): str(t) for c, t in columns.items()})

    @property
    def empty(self) -> bool:
        """True when no table's columns are known."""
        return not self.tables

    def define(self, name: str, columns: dict[str, str]) -> None:
        """Record (or replace) the columns of table `name`, normalised as the dialect does."""
        if columns:
            self.tables[name.lower()] = {self.normal(c): t for c, t in columns.items()}
            self._find_cache.clear()

    def normal(self, column: str) -> str:
        """A column name as the dialect normalises an unquoted identifier."""
        if column.islower() and self._lowercases:
            return column
        return self.dialect.normalize_identifier(exp.to_identifier(column)).name

    def columns_of(self, name: str | None) -> list[str] | None:
        """The known columns of a table, in order; None when unknown."""
        columns = self.tables.get(name) if name else None
        return list(columns) if columns else None

    def find(
        self, table: exp.Table, raise_on_missing: bool = True, ensure_data_types: bool = False
    ) -> dict[str, Any] | None:
        """The columns of `table` (an `exp.Table`) by our naming; None when unknown."""
        columns = self.tables.get(table_name(table) or "")
        if columns is None or not ensure_data_types:
            return columns
        return {c: self._data_type(t) for c, t in columns.items()}

    def _data_type(self, text: str) -> exp.DataType:
        """A column type as sqlglot reads it; UNKNOWN for `unknown` or anything unreadable."""
        try:
            return self._to_data_type(text)
        except SqlglotError:
            return exp.DataType.build("unknown")
