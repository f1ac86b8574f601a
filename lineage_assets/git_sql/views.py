"""Typed reads of SQL from git: what the store holds of a repository (for planning a sync),
the lineage summary of every synced file, and the statements that failed to parse."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lineage_assets.git_sql import ids
from lineage_assets.git_sql.plan import StoredState

# Tables by how many table edges touch them: written from (as target) and read by (as source).
_TOP_TABLES_SQL = """
WITH ends AS (
    SELECT target_table AS table_name, 'in' AS side FROM table_edges
    UNION ALL SELECT source_table, 'out' FROM table_edges
)
SELECT table_name, count(*) FILTER (WHERE side = 'in') AS written_from,
       count(*) FILTER (WHERE side = 'out') AS read_by
FROM ends GROUP BY table_name ORDER BY count(*) DESC, table_name LIMIT ?
"""

_PARSE_ERRORS_SQL = """
SELECT coalesce(f.path, st.source_key) AS file, st.start_line AS line, st.error
FROM sql_statements st LEFT JOIN sql_files f USING (source_key)
WHERE st.error IS NOT NULL ORDER BY file, line
"""

_COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM table_edges), "
    "(SELECT count(*) FROM column_edges WHERE NOT is_indirect), "
    "(SELECT count(*) FROM column_edges WHERE is_indirect), "
    "(SELECT count(*) FROM sql_files), (SELECT count(*) FROM sql_statements)"
)


@dataclass(frozen=True)
class TableUse:
    """How many table edges write a table and read it."""

    table_name: str
    written_from: int
    read_by: int


@dataclass(frozen=True)
class ParseError:
    """A statement that failed to parse: its file (or source key), line and error."""

    file: str
    line: int
    error: str


@dataclass(frozen=True)
class SyncSummary:
    """The SQL lineage in the store, counted, with the most connected tables and every error."""

    table_edges: int
    column_edges: int
    indirect_column_edges: int
    sql_files: int
    statements: int
    top_tables: tuple[TableUse, ...]
    parse_errors: tuple[ParseError, ...]


def stored_state(conn: duckdb.DuckDBPyConnection, repo_name: str) -> StoredState:
    """The last synced commit of a repository and every stored file of it, with its blob
    (`None` when its lineage is not current: stale or failed)."""
    rows = conn.execute(
        "SELECT s.source_key, CASE WHEN s.status = 'ok' THEN f.blob_sha END "
        "FROM sources s LEFT JOIN sql_files f USING (source_key) "
        "WHERE starts_with(s.source_key, ?)",
        [ids.file_key(repo_name, "")],
    ).fetchall()
    files = {ids.file_path(key, repo_name) or "": blob for key, blob in rows}
    row = conn.execute(
        "SELECT content_hash FROM sources WHERE source_key = ?", [ids.repository_key(repo_name)]
    ).fetchone()
    return StoredState(row[0] if row else None, files)


def file_keys(conn: duckdb.DuckDBPyConnection, repo_name: str) -> list[str]:
    """The source key of every stored file of a repository, whatever its status."""
    rows = conn.execute(
        "SELECT source_key FROM sources WHERE starts_with(source_key, ?)",
        [ids.file_key(repo_name, "")],
    ).fetchall()
    return [key for (key,) in rows]


def top_tables(conn: duckdb.DuckDBPyConnection, limit: int) -> list[TableUse]:
    """The `limit` tables touched by the most table edges, most first, then by name."""
    rows = conn.execute(_TOP_TABLES_SQL, [limit]).fetchall()
    return [TableUse(name, written, read) for name, written, read in rows]


def parse_errors(conn: duckdb.DuckDBPyConnection) -> list[ParseError]:
    """Every statement that failed to parse, by file and line."""
    return [ParseError(*row) for row in conn.execute(_PARSE_ERRORS_SQL).fetchall()]


def sync_summary(conn: duckdb.DuckDBPyConnection, top: int = 15) -> SyncSummary:
    """Counts of the SQL lineage, the `top` most connected tables and every parse error."""
    row = conn.execute(_COUNTS_SQL).fetchone()
    tables, columns, indirect, files, statements = row if row else (0, 0, 0, 0, 0)
    return SyncSummary(
        table_edges=tables,
        column_edges=columns,
        indirect_column_edges=indirect,
        sql_files=files,
        statements=statements,
        top_tables=tuple(top_tables(conn, top)),
        parse_errors=tuple(parse_errors(conn)),
    )
