"""Read-only SQL over the published copy: only read statements run, vetted by DuckDB's parser first.

The connection is locked down (no file or network access, no extensions, configuration locked);
this module stops a statement before it gets there. Every statement is classified by DuckDB's own
parser before any of them runs, and a SELECT's syntax tree is walked so that table functions with
effects the settings miss (logging to files, profiling, checkpoints, executing SQL held in a
string) are refused by name.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from lineage_assets import config
from lineage_assets.store.connection import reader_config
from lineage_assets.store.deadline import interrupted_after
from lineage_assets.store.errors import StoreError
from lineage_assets.store.schema import MIGRATIONS

MAX_ROWS = 100_000  # rows fetched into memory for printing; the rest is left off, with a note
MAX_FETCH_BYTES = 256 << 20  # of values fetched for printing (a quarter of the memory bound)
FETCH_BATCH = 2_048
READ_FORMS = "SELECT, FROM, WITH, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN"

# Table functions a read query may call besides the store's own table macros: generators and
# catalog introspection. Everything else (read_*, glob, query, query_table, histogram (it calls
# query_table), enable_logging, checkpoint, arrow_scan, which_secret, ...) is refused unrun.
SAFE_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "summary",
        "icu_calendar_names",
        "pg_timezone_names",
        "duckdb_columns",
        "duckdb_constraints",
        "duckdb_databases",
        "duckdb_dependencies",
        "duckdb_functions",
        "duckdb_indexes",
        "duckdb_keywords",
        "duckdb_memory",
        "duckdb_optimizers",
        "duckdb_schemas",
        "duckdb_sequences",
        "duckdb_settings",
        "duckdb_tables",
        "duckdb_temporary_files",
        "duckdb_types",
        "duckdb_variables",
        "duckdb_views",
        "pragma_collations",
        "pragma_database_size",
        "pragma_metadata_info",
        "pragma_platform",
        "pragma_show",
        "pragma_storage_info",
        "pragma_table_info",
        "pragma_version",
    }
)

# Scalar functions that would run SQL the vetting never saw.
REFUSED_SCALAR_FUNCTIONS = frozenset({"json_execute_serialized_sql", "json_deserialize_sql"})

# A table name that a replacement scan would read as a file or URL ('/etc/passwd', 'x.csv').
_PATH_LIKE = re.compile(r"[/\\:~]|\.[A-Za-z0-9]+$")
_TOKEN = re.compile(r"\w+|\S")
_ANALYZE = ("ANALYZE", "ANALYSE")


class RefusedStatementError(StoreError):
    """The console was given something other than a read query; nothing ran."""


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of the last statement run; `truncated` when rows were left off."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a serialized syntax tree, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_TABLE_MACRO = re.compile(r"\bMACRO\s+(\w+)\s*\([^)]*\)\s+AS\s+TABLE\b", re.IGNORECASE)
# The table macros the store's migrations define (`downstream`, `upstream`, ...).
SCHEMA_TABLE_MACROS = frozenset(
    name.lower() for migration in MIGRATIONS for name in _TABLE_MACRO.findall(migration.sql)
)


class _StoreMacros:
    """The table macros the store defines: those of the schema, else the store's catalog, read
    once and only when a query calls another table function (listing functions takes ~30 ms)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self._conn = conn
        self._names: frozenset[str] | None = None

    def __contains__(self, name: object) -> bool:
        if name in SCHEMA_TABLE_MACROS:
            return True
        if self._names is None:
            rows = self._conn.execute(
                "SELECT function_name FROM duckdb_functions() "
                "WHERE NOT internal AND function_type = 'table_macro'"
            ).fetchall()
            self._names = frozenset(str(found).lower() for (found,) in rows)
        return name in self._names


_scratch = threading.local()


def _parser_connection() -> duckdb.DuckDBPyConnection:
    """A fresh connection (no transaction or session state left by an earlier input) to this
    thread's scratch in-memory database, locked down like readers, for parsing only."""
    database = getattr(_scratch, "database", None)
    if database is None:
        database = _scratch.database = duckdb.connect(":memory:", config=reader_config())
    return database.cursor()


def _serialized_select(conn: duckdb.DuckDBPyConnection, text: str) -> dict[str, Any]:
    """DuckDB's syntax tree of one SELECT (parsing only); refused when it is not a SELECT."""
    raw = conn.execute("SELECT json_serialize_sql(?::VARCHAR)", [text]).fetchone()
    try:
        tree = json.loads(raw[0] if raw else "{}")
    except (RecursionError, ValueError) as error:
        raise RefusedStatementError("refused: the query is too deeply nested to vet") from error
    if tree.get("error"):
        raise RefusedStatementError(f"refused: {tree.get('error_message', 'not a read query')}")
    return tree


def _vet_select(conn: duckdb.DuckDBPyConnection, text: str, macros: Container[str]) -> None:
    """Refuse a SELECT that calls a table function with effects or scans a path or URL."""
    for node in _walk(_serialized_select(conn, text)):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in SAFE_TABLE_FUNCTIONS and name not in macros:
                raise RefusedStatementError(
                    f"refused: table function {name}() is not available in the console "
                    "(it reads files or the network, or changes the session)"
                )
        elif kind == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in REFUSED_SCALAR_FUNCTIONS:
                raise RefusedStatementError(f"refused: {name}() is not available in the console")
        elif kind == "BASE_TABLE" and _PATH_LIKE.search(str(node.get("table_name", ""))):
            raise RefusedStatementError(
                f"refused: {node.get('table_name')!r} reads a file or URL; "
                "the console reads only the store's tables and views"
            )


def _explained_text(text: str) -> str | None:
    """The statement after `EXPLAIN [ANALYZE] [(options)]`, or None when it is not one."""
    words = [(start, _TOKEN.match(text, start)) for start, _ in duckdb.tokenize(text)]
    tokens = [(start, match.group().upper() if match else "") for start, match in words]
    if not tokens or tokens[0][1] != "EXPLAIN":
        return None
    index = 1
    if index < len(tokens) and tokens[index][1] in _ANALYZE:
        index += 1
    if index < len(tokens) and tokens[index][1] == "(":
        depth = 0
        while index < len(tokens):
            depth += {"(": 1, ")": -1}.get(tokens[index][1], 0)
            index += 1
            if depth == 0:
                break
    return text[tokens[index][0] :] if index < len(tokens) else None


def read_statements(conn: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The statements of `sql`, each a vetted read query; refuses the whole input otherwise.

    Parsing happens on a scratch in-memory connection as locked down as `conn`: DuckDB expands
    some PRAGMAs while it parses, and there they reach nothing.
    """
    parser = _parser_connection()
    try:
        return _vetted(parser, sql, _StoreMacros(conn))
    finally:
        parser.close()


def _vetted(parser: duckdb.DuckDBPyConnection, sql: str, macros: Container[str]) -> list[str]:
    """Each statement's text once it is known to be a read query (see `read_statements`)."""
    statements = parser.extract_statements(sql)
    if not statements:
        raise RefusedStatementError("no SQL statement given (only comments or semicolons)")
    vetted: list[str] = []
    for number, statement in enumerate(statements, start=1):
        kind, text = statement.type.name, statement.query
        if not kind.isidentifier():  # DuckDB names some kinds "???" (e.g. UPDATE EXTENSIONS)
            kind = " ".join(text.split()[:2]).upper() or "UNKNOWN"
        if kind == "EXPLAIN":
            inner = _explained_text(text)
            inner_statements = parser.extract_statements(inner) if inner else []
            if len(inner_statements) != 1 or inner_statements[0].type.name != "SELECT":
                raise RefusedStatementError(
                    f"refused: statement {number} explains something other than a read query"
                )
            _vet_select(parser, inner_statements[0].query, macros)
        elif kind == "SELECT":
            _vet_select(parser, text, macros)
        else:
            raise RefusedStatementError(
                f"refused: statement {number} is {kind}; the console is read-only and runs "
                f"only {READ_FORMS}; nothing ran"
            )
        vetted.append(text)
    return vetted


def run_read_query(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    max_rows: int | None = None,
    timeout_s: float | None = None,
) -> QueryResult:
    """Vet every statement of `sql`, then run them in order; up to `max_rows` rows of the last
    (default `MAX_ROWS`) and at most `fetch_budget()` bytes of their values. Running and
    fetching stop with `QueryInterrupted` after `timeout_s` (default `LINEAGE_QUERY_TIMEOUT`)."""
    max_rows = MAX_ROWS if max_rows is None else max_rows
    timeout_s = config.query_timeout_s() if timeout_s is None else timeout_s
    budget = fetch_budget()
    vetted = read_statements(conn, sql)
    result = QueryResult([], [])
    with interrupted_after(conn, timeout_s):
        for text in vetted:
            relation = conn.execute(text)
            columns = [d[0] for d in relation.description or []]
            rows, truncated = _fetch_bounded(relation, max_rows, budget)
            result = QueryResult(columns, rows, truncated=truncated)
    return result


def fetch_budget() -> int:
    """Bytes of values fetched into Python for printing: DuckDB's memory limit does not cover
    them (100,000 rows of 100 KB strings would be 10 GB)."""
    return min(MAX_FETCH_BYTES, config.query_memory_bytes() // 4)


def _fetch_bounded(
    relation: duckdb.DuckDBPyConnection, max_rows: int, budget: int
) -> tuple[list[tuple[Any, ...]], bool]:
    """Rows in batches until `max_rows` rows or `budget` bytes of values; whether rows were
    left off."""
    rows: list[tuple[Any, ...]] = []
    used = 0
    while len(rows) <= max_rows:
        batch = relation.fetchmany(min(FETCH_BATCH, max_rows + 1 - len(rows)))
        if not batch:
            return rows, False
        for row in batch:
            used += sum(len(v) if isinstance(v, str | bytes) else 16 for v in row)
            if used > budget and rows:
                return rows, True
            rows.append(row)
    return rows[:max_rows], True
