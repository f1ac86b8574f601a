"""One parsed statement to its lineage: dispatch on the statement's kind.

Handlers live by concern: queries, DDL, DML and storage (COPY / UNLOAD).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from lineage_assets.sql.analysis import Analysis, Context
from lineage_assets.sql.ddl import alter, cache, create, drop, load_data, truncate, use
from lineage_assets.sql.dml import delete, insert, merge, multi_insert, update
from lineage_assets.sql.query_lineage import select
from lineage_assets.sql.storage import command, copy_statement

_NOT_STATEMENTS = (exp.Condition, exp.Alias, exp.Identifier, exp.Tuple)


def analyse(statement: exp.Expr, context: Context) -> Analysis:
    """The lineage of one statement; raises `SqlglotError` / `ValueError` when it has none."""
    for kind, handler in _HANDLERS:
        if isinstance(statement, kind):
            return handler(statement, context)
    if isinstance(statement, _NOT_STATEMENTS):
        raise ValueError(f"not a SQL statement (an expression: {statement.sql()[:60]!r})")
    return Analysis(kind=_other_kind(statement))


def _other_kind(statement: exp.Expr) -> str:
    """The kind of a statement with no lineage (SET, ANALYZE, GRANT…)."""
    return statement.key.upper().replace("_", " ")


_HANDLERS: list[tuple[type[exp.Expr], Callable[..., Analysis]]] = [
    (exp.Query, select),
    (exp.Create, create),
    (exp.Insert, insert),
    (exp.Merge, merge),
    (exp.Update, update),
    (exp.Delete, delete),
    (exp.Copy, copy_statement),
    (exp.Command, command),
    (exp.Alter, alter),
    (exp.Drop, drop),
    (exp.Use, use),
    (exp.TruncateTable, truncate),
    (exp.Cache, cache),
    (exp.MultitableInserts, multi_insert),
    (exp.LoadData, load_data),
]
