"""The migrations' DDL for DuckLake, which has no PRIMARY KEY, UNIQUE or indexes: the keys are
taken out of each CREATE TABLE through sqlglot's syntax tree (primary-key columns stay NOT
NULL), CREATE INDEX statements are dropped, and the keys are returned so the writer enforces
them itself. Statements without a key are passed through as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import duckdb

from lineage_assets.store.migration import Migration

if TYPE_CHECKING:  # sqlglot is imported by the lake's first translation, not by every store user
    from sqlglot import exp

DIALECT = "duckdb"


@dataclass(frozen=True)
class TableKey:
    """Columns whose values are unique per row in `table` (a primary key is also NOT NULL)."""

    table: str
    columns: tuple[str, ...]
    primary: bool


@dataclass(frozen=True)
class LakeDDL:
    """A migration's SQL as DuckLake accepts it, and the keys taken out of it."""

    sql: str
    keys: tuple[TableKey, ...]


def _name(node: exp.Expression) -> str:
    """A column or identifier's name as DuckDB stores it (unquoted names keep their case)."""
    return node.name


def _not_null(column: exp.ColumnDef) -> None:
    """Add NOT NULL to a column definition unless it has it."""
    from sqlglot import exp

    constraints = column.args.get("constraints") or []
    if not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) for c in constraints):
        column.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))


def _strip_table(create: exp.Create) -> tuple[exp.Create, list[TableKey]] | None:
    """The CREATE TABLE without its keys, and the keys; None when it declares none."""
    from sqlglot import exp

    schema = create.this
    if not isinstance(schema, exp.Schema):
        return None
    table = schema.this.name
    keys: list[TableKey] = []
    columns = {_name(c.this): c for c in schema.expressions if isinstance(c, exp.ColumnDef)}
    kept: list[exp.Expression] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            constraints, primary = [], False
            for constraint in item.args.get("constraints") or []:
                kind = constraint.args.get("kind")
                if isinstance(kind, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint):
                    primary = isinstance(kind, exp.PrimaryKeyColumnConstraint)
                    keys.append(TableKey(table, (_name(item.this),), primary=primary))
                else:
                    constraints.append(constraint)
            item.set("constraints", constraints)
            if primary:
                _not_null(item)
            kept.append(item)
        elif isinstance(item, exp.PrimaryKey):
            names = tuple(_name(e) for e in item.expressions)
            keys.append(TableKey(table, names, primary=True))
            for name in names:
                if name in columns:
                    _not_null(columns[name])
        elif isinstance(item, exp.UniqueColumnConstraint) and isinstance(item.this, exp.Schema):
            keys.append(TableKey(table, tuple(_name(e) for e in item.this.expressions), False))
        else:
            kept.append(item)
    if not keys:
        return None
    schema.set("expressions", kept)
    return create, keys


def _index_key(create: exp.Create) -> TableKey | None:
    """The key a CREATE UNIQUE INDEX declares (a plain index declares none)."""
    from sqlglot import exp

    index = create.this
    if not create.args.get("unique") or not isinstance(index, exp.Index):
        return None
    table = index.args.get("table")
    params = index.args.get("params")
    columns = params.args.get("columns") if params else None
    if table is None or not columns:
        return None
    return TableKey(table.name, tuple(c.this.name for c in columns), primary=False)


def _statements(sql: str) -> list[tuple[str, str]]:
    """(DuckDB statement type, text) of each statement, split by DuckDB's own parser."""
    return [(s.type.name, s.query) for s in duckdb.extract_statements(sql)]


def translate(sql: str) -> LakeDDL:
    """The statements of `sql` as DuckLake takes them, with the keys they declared."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    out: list[str] = []
    keys: list[TableKey] = []
    for kind, text in _statements(sql):
        if kind != "CREATE":
            out.append(text)
            continue
        try:
            tree = sqlglot.parse_one(text, read=DIALECT)
        except SqlglotError:
            out.append(text)  # a macro or view sqlglot does not know: no key in it
            continue
        if isinstance(tree, exp.Create) and tree.kind == "INDEX":
            key = _index_key(tree)
            keys += [key] if key else []
            continue  # DuckLake has no indexes
        stripped = _strip_table(tree) if isinstance(tree, exp.Create) else None
        if stripped is None:
            out.append(text)
            continue
        create, found = stripped
        keys += found
        out.append(create.sql(dialect=DIALECT))
    return LakeDDL(";\n".join(s.strip().rstrip(";") for s in out) + ";\n", tuple(keys))


@cache
def _translated(sql: str) -> LakeDDL:
    return translate(sql)


def lake_sql(migration: Migration) -> str:
    """A migration's SQL for the lake (its checksum stays the original's)."""
    return _translated(migration.sql).sql


def table_keys(migrations: Iterable[Migration]) -> dict[str, tuple[TableKey, ...]]:
    """Every key the migrations declare, per table, for the writer to enforce on the lake."""
    found: dict[str, list[TableKey]] = {}
    for migration in migrations:
        for key in _translated(migration.sql).keys:
            found.setdefault(key.table, []).append(key)
    return {table: tuple(keys) for table, keys in found.items()}
