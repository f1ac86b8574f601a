"""One SQL file's parsed statements as store records: statements, table and column edges,
table ↔ S3 locations, each with the file's path, line span, blob and last commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lineage_assets.core.uris import is_storage_path
from lineage_assets.git_sql.repository import Change
from lineage_assets.sql import ColumnEdge, ScriptLineage, StatementLineage
from lineage_assets.store import SourceRecords


@dataclass(frozen=True)
class ParsedUnit:
    """The engine's result for one piece of SQL and the file line it starts after."""

    lineage: ScriptLineage
    line_offset: int = 0
    dialect: str | None = None


def split_column(qualified: str) -> tuple[str | None, str]:
    """`db.table.column` → (`db.table`, `column`); a bare column has no table."""
    table, dot, column = qualified.rpartition(".")
    return (table or None, column) if dot else (None, qualified)


def _locations(statement: StatementLineage) -> list[tuple[str, str, str]]:
    """(table, uri, direction) links a statement makes between tables and storage paths."""
    tables_out = [t for t in statement.targets if not is_storage_path(t)]
    uris_out = [t for t in statement.targets if is_storage_path(t)]
    tables_in = [s for s in statement.sources if not is_storage_path(s)]
    uris_in = [s for s in statement.sources if is_storage_path(s)]
    creates = "CREATE" in statement.kind.upper()
    links = [(t, u, "location") for t in tables_out for u in uris_out]
    if uris_out and not tables_out:
        links += [(s, u, "unload") for s in tables_in for u in uris_out]
    links += [(t, u, "location" if creates else "copy") for t in tables_out for u in uris_in]
    return links


def _column_rows(index: int, edges: Iterable[ColumnEdge], indirect: bool) -> list[dict]:
    """Column edges between tables (edges touching a storage path are left to locations)."""
    rows = []
    for edge in edges:
        target_table, target_column = split_column(edge.target)
        source_table, source_column = split_column(edge.source)
        if (
            target_table is None
            or is_storage_path(target_table)
            or (source_table and is_storage_path(source_table))
        ):
            continue
        rows.append(
            {
                "statement_index": index,
                "source_table": source_table,
                "source_column": source_column,
                "target_table": target_table,
                "target_column": target_column,
                "transform": edge.transform,
                "is_indirect": indirect,
            }
        )
    return rows


def file_records(
    source_key: str,
    repo: str,
    path: str,
    blob_sha: str,
    change: Change | None,
    units: list[ParsedUnit],
) -> SourceRecords:
    """Every statement of a file (all its SQL units, numbered in file order) as records."""
    records = SourceRecords(source_key, "sql_file", path, content_hash=blob_sha)
    statements, tables, columns, locations = [], [], [], []
    index = 0
    for unit in units:
        for statement in unit.lineage.statements:
            start = statement.start_line + unit.line_offset
            end = statement.end_line + unit.line_offset
            statements.append(
                {
                    "statement_index": index,
                    "kind": statement.kind,
                    "start_line": start,
                    "end_line": end,
                    "targets": statement.targets,
                    "sources": statement.sources,
                    "error": statement.error,
                    "sql_text": statement.sql_text or None,
                }
            )
            tables += [
                {"statement_index": index, "source_table": s, "target_table": t,
                 "start_line": start, "end_line": end}
                for t in statement.targets if not is_storage_path(t)
                for s in statement.sources if not is_storage_path(s)
            ]  # fmt: skip
            columns += _column_rows(index, statement.column_lineage, indirect=False)
            columns += _column_rows(index, statement.indirect_lineage, indirect=True)
            locations += [
                {"statement_index": index, "table_name": t, "location_uri": u, "direction": d}
                for t, u, d in _locations(statement)
            ]
            index += 1
    dialects = sorted({u.dialect for u in units if u.dialect})
    records.add(
        "sql_files",
        [
            {
                "repo": repo,
                "path": path,
                "dialect": ",".join(dialects) or None,
                "blob_sha": blob_sha,
                "commit_sha": change.commit_sha if change else None,
                "commit_author": change.author if change else None,
                "commit_time": change.time if change else None,
                "statement_count": len(statements),
                "error_count": sum(1 for s in statements if s["error"]),
            }
        ],
    )
    records.add("sql_statements", statements).add("table_edges", tables)
    records.add("column_edges", columns).add("table_locations", locations)
    return records
