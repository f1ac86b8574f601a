"""A catalog view's SQL, decoded and parsed with the SQL engine (never executed).

Athena (Presto/Trino) views keep `/* Presto View: <base64 JSON> */` in `ViewOriginalText`, the
JSON's `originalSql` being what the user wrote (Athena's dialect); Spark and Hive views keep
plain SQL there (Spark's when the table's parameters say Spark made it). The view is parsed as
`USE <database>; CREATE VIEW <database>.<view> AS <sql>`, so unqualified names are the view's
database's, and only that CREATE VIEW's lineage is kept: text that holds more statements is an
error, never lineage.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from lineage_assets.core.uris import is_storage_path
from lineage_assets.glue.bounds import MAX_VIEW_CHARS, clip
from lineage_assets.sql import extract_lineage

_ENGINE_VIEW = re.compile(r"^\s*/\*\s*(Presto|Trino|Hive) View:(?P<payload>.*?)\*/\s*$", re.DOTALL)
_TRAILING = re.compile(r"[\s;]+$")
_WORD = re.compile(r"[^\W\d][\w$]*")
ATHENA = "athena"
SPARK = "spark"
HIVE = "hive"


class ViewTextError(ValueError):
    """A view whose text cannot be decoded (bad base64, JSON, too large, no SQL)."""


@dataclass(frozen=True)
class ViewText:
    """A view's SQL as written and the dialect it is written in."""

    sql: str
    dialect: str


@dataclass(frozen=True)
class ViewColumn:
    """A view column whose value comes from a base table's column."""

    column: str
    source_table: str
    source_column: str
    transform: str


@dataclass(frozen=True)
class ViewLineage:
    """The base tables a view reads and its column lineage, or why it could not be parsed."""

    sources: tuple[str, ...] = ()
    columns: tuple[ViewColumn, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _decoded_payload(payload: str) -> str:
    """The `originalSql` of an engine view's base64 JSON payload."""
    compact = "".join(payload.split())
    if len(compact) > MAX_VIEW_CHARS * 4 // 3 + 4:
        raise ViewTextError(f"view text longer than {MAX_VIEW_CHARS:,} characters")
    try:
        raw = base64.b64decode(
            compact + "=" * (-len(compact) % 4),
            altchars=b"-_" if "-" in compact or "_" in compact else None,
            validate=True,
        )
        document = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, RecursionError) as error:
        raise ViewTextError(
            f"engine view text is not base64 JSON: {clip(str(error), 120)}"
        ) from None
    sql = document.get("originalSql") if isinstance(document, dict) else None
    if not isinstance(sql, str) or not sql.strip():
        raise ViewTextError("engine view text has no originalSql")
    return sql


def view_text(original: object, expanded: object, parameters: Mapping[str, Any]) -> ViewText:
    """A view's SQL and dialect from `ViewOriginalText` (else `ViewExpandedText`)."""
    text = original if isinstance(original, str) and original.strip() else expanded
    if not isinstance(text, str) or not text.strip():
        raise ViewTextError("view has no text")
    if len(text) > MAX_VIEW_CHARS * 2:
        raise ViewTextError(f"view text longer than {MAX_VIEW_CHARS:,} characters")
    engine = _ENGINE_VIEW.match(text)
    if engine:
        return ViewText(_bounded(_decoded_payload(engine["payload"])), ATHENA)
    spark = any(str(key).startswith("spark.sql.") for key in parameters)
    return ViewText(_bounded(text), SPARK if spark else HIVE)


def _bounded(sql: str) -> str:
    """The SQL, refused past `MAX_VIEW_CHARS`."""
    if len(sql) > MAX_VIEW_CHARS:
        raise ViewTextError(f"view SQL longer than {MAX_VIEW_CHARS:,} characters")
    return sql


def _identifier(name: str, dialect: str) -> str:
    """A name quoted for the dialect."""
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def _mentioned(sql: str, known: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The known tables whose own name appears in the SQL (the catalog the parse needs)."""
    words = set(_WORD.findall(sql.lower()))
    return {
        name: dict(columns) for name, columns in known.items() if name.rpartition(".")[2] in words
    }


_LINE = re.compile(r"^line (\d+)")
_WRAPPER_LINES = 2  # `USE …;` and `CREATE VIEW … AS` come before the view's own SQL


def _view_lines(message: str) -> str:
    """An engine message with its line counted in the view's own SQL, not the wrapper."""
    return _LINE.sub(lambda m: f"line {max(1, int(m[1]) - _WRAPPER_LINES)}", message)


def view_lineage(
    database: str,
    view: str,
    text: ViewText,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> ViewLineage:
    """The base tables and column lineage of `database.view` defined by `text`; `known`:
    the declared columns of catalog tables (`db.table` → column → type), so a view's
    unqualified columns resolve to the table that declares them."""
    db = _identifier(database, text.dialect)
    body = _TRAILING.sub("", text.sql)
    try:
        if not Dialect.get_or_raise(text.dialect).tokenize(body):
            return ViewLineage(error="view text holds no SQL")
    except Exception as error:  # the tokenizer's own complaint, e.g. an unclosed string
        return ViewLineage(error=clip(f"view text cannot be read: {error}", 200))
    script = f"USE {db};\nCREATE VIEW {db}.{_identifier(view, text.dialect)} AS\n{body}"
    lineage = extract_lineage(script, text.dialect, _mentioned(body, known or {}))
    statements = lineage.statements
    if len(statements) != 2:
        return ViewLineage(error="view text is not one query")
    create = statements[1]
    if create.error:
        return ViewLineage(error=clip(_view_lines(create.error)))
    if create.kind != "CREATE VIEW":
        return ViewLineage(error="view text could not be parsed as a query")
    target = create.targets[0] if create.targets else ""
    prefix = f"{target}."
    columns = []
    for edge in create.column_lineage:
        source_table, _, source_column = edge.source.rpartition(".")
        if not edge.target.startswith(prefix) or not source_table:
            continue
        if is_storage_path(source_table):
            continue
        columns.append(
            ViewColumn(edge.target[len(prefix) :], source_table, source_column, edge.transform)
        )
    sources = tuple(s for s in dict.fromkeys(create.sources) if s and s != target)
    return ViewLineage(sources, tuple(columns), None, tuple(create.warnings))
