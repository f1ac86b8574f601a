"""One execution as store records: the execution (who ran it, when, where, its statement
kinds), its table and column edges, table ↔ storage links and, for SELECT-only queries, the
tables it read; and each workgroup's crawl state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lineage_assets.athena.fetch import Execution
from lineage_assets.athena.ids import (
    EXECUTION_KIND,
    WORKGROUP_KIND,
    execution_key,
    execution_node,
    relation,
    workgroup_key,
)
from lineage_assets.athena.lineage import Parsed
from lineage_assets.core.uris import is_storage_path
from lineage_assets.sql import ColumnEdge, StatementLineage
from lineage_assets.sql.limits import MAX_TEXT_CHARS, TRUNCATED_MARKER
from lineage_assets.store.records import SourceRecords

MAX_EDGES = 10_000  # column edges of one execution (a SELECT * over a wide join)
MAX_NAMES = 1_000  # tables an execution's targets and sources list


@dataclass(frozen=True)
class WorkgroupState:
    """Where the last crawl of a workgroup stopped, so the next one asks only for newer
    executions; executions that were still running are read again, and after a crawl cut by
    its bound the next ones list on past stored executions down to `catch_up_until`."""

    account_id: str
    region: str
    workgroup: str
    state: str | None
    engine_version: str | None
    newest_execution_id: str | None
    newest_submitted_at: datetime | None
    pending_ids: tuple[str, ...]
    listed: int
    stopped: str
    crawled_at: datetime
    catch_up_until: datetime | None = None

    def records(self) -> SourceRecords:
        """The state as the workgroup's source."""
        key = workgroup_key(self.account_id, self.region, self.workgroup)
        records = SourceRecords(key, WORKGROUP_KIND, f"{self.region}/{self.workgroup}")
        row = {
            "account_id": self.account_id,
            "region": self.region,
            "workgroup": self.workgroup,
            "state": self.state,
            "engine_version": self.engine_version,
            "newest_execution_id": self.newest_execution_id,
            "newest_submitted_at": self.newest_submitted_at,
            "pending_ids": list(self.pending_ids),
            "listed": self.listed,
            "stopped": self.stopped,
            "crawled_at": self.crawled_at,
            "catch_up_until": self.catch_up_until,
        }
        return records.add("athena_workgroups", [row])


def split_column(qualified: str) -> tuple[str | None, str]:
    """`db.table.column` → (`db.table`, `column`); a bare column has no table."""
    table, dot, column = qualified.rpartition(".")
    return (table or None, column) if dot else (None, qualified)


def bounded_query(query: str) -> tuple[str, bool]:
    """The query text as stored (cut with the engine's marker) and whether it was cut."""
    if len(query) <= MAX_TEXT_CHARS:
        return query, False
    return query[:MAX_TEXT_CHARS] + TRUNCATED_MARKER.format(size=len(query)), True


def _names(names: Iterable[str], catalog: str | None) -> list[str]:
    return list(dict.fromkeys(relation(name, catalog) for name in names))[:MAX_NAMES]


def _locations(statement: StatementLineage, catalog: str | None) -> list[tuple[str, str, str]]:
    """(table, uri, direction) links between tables and storage paths (as git SQL has them)."""
    targets, sources = _names(statement.targets, catalog), _names(statement.sources, catalog)
    tables_out = [t for t in targets if not is_storage_path(t)]
    uris_out = [t for t in targets if is_storage_path(t)]
    tables_in = [s for s in sources if not is_storage_path(s)]
    uris_in = [s for s in sources if is_storage_path(s)]
    creates = "CREATE" in statement.kind.upper()
    links = [(t, u, "location") for t in tables_out for u in uris_out]
    if uris_out and not tables_out:
        links += [(s, u, "unload") for s in tables_in for u in uris_out]
    links += [(t, u, "location" if creates else "copy") for t in tables_out for u in uris_in]
    return links


def _column_rows(edges: Iterable[ColumnEdge], catalog: str | None, indirect: bool) -> list[dict]:
    """Column edges between tables (edges touching a storage path are left to locations)."""
    rows = []
    for edge in edges:
        target_table, target_column = split_column(edge.target)
        source_table, source_column = split_column(edge.source)
        if target_table is None or is_storage_path(target_table):
            continue
        if source_table is not None and is_storage_path(source_table):
            continue
        rows.append(
            {
                "source_table": relation(source_table, catalog) if source_table else None,
                "source_column": source_column,
                "target_table": relation(target_table, catalog),
                "target_column": target_column,
                "transform": edge.transform,
                "is_indirect": indirect,
            }
        )
    return rows


def execution_records(
    account_id: str, region: str, execution: Execution, parsed: Parsed
) -> tuple[SourceRecords, list[str]]:
    """The execution's records and the errors to log about it (a statement the engine could
    not read, an unparsed query): the execution lands either way."""
    key = execution_key(account_id, region, execution.execution_id)
    node = execution_node(account_id, region, execution.execution_id)
    records = SourceRecords(key, EXECUTION_KIND, f"{execution.workgroup}/{execution.execution_id}")
    catalog = execution.catalog
    statements = parsed.lineage.statements if parsed.lineage else []
    errors = [parsed.error] if parsed.error else [s.error for s in statements if s.error]
    targets = _names((t for s in statements for t in s.targets), catalog)
    sources = _names((t for s in statements for t in s.sources), catalog)
    text, truncated = bounded_query(execution.query)
    records.add(
        "athena_executions",
        [
            {
                "account_id": account_id,
                "region": region,
                "workgroup": execution.workgroup,
                "execution_id": execution.execution_id,
                "query_node": node,
                "statement_type": execution.statement_type,
                "statement_kinds": list(dict.fromkeys(s.kind for s in statements)),
                "catalog": catalog,
                "database": execution.database,
                "state": execution.state,
                "submitted_at": execution.submitted_at,
                "completed_at": execution.completed_at,
                "engine_version": execution.engine_version,
                "scanned_bytes": execution.scanned_bytes,
                "output_location": execution.output_location,
                "query_chars": len(execution.query),
                "query_text": text,
                "text_truncated": truncated,
                "targets": targets,
                "sources": sources,
                "error": "; ".join(errors)[:2_000] if errors else None,
                "warnings": [w for s in statements for w in s.warnings][:100],
            }
        ],
    )
    tables, columns, locations, reads = [], [], [], []
    for statement in statements:
        if statement.error:
            continue
        written = [t for t in _names(statement.targets, catalog) if not is_storage_path(t)]
        read = [s for s in _names(statement.sources, catalog) if not is_storage_path(s)]
        tables += [{"source_table": s, "target_table": t} for t in written for s in read]
        if not statement.targets:
            reads += [{"table_name": s} for s in read]
        columns += _column_rows(statement.column_lineage, catalog, indirect=False)
        columns += _column_rows(statement.indirect_lineage, catalog, indirect=True)
        locations += [
            {"table_name": t, "location_uri": u, "direction": d}
            for t, u, d in _locations(statement, catalog)
        ]
    stamp = {"query_node": node}
    records.add("athena_table_edges", [{**row, **stamp} for row in _unique(tables)])
    records.add("athena_column_edges", [{**row, **stamp} for row in _unique(columns)[:MAX_EDGES]])
    records.add("athena_locations", [{**row, **stamp} for row in _unique(locations)])
    records.add("athena_reads", [{**row, **stamp} for row in _unique(reads)])
    return records, errors


def _unique(rows: list[dict]) -> list[dict]:
    """Rows without repeats, in order."""
    seen: set[tuple] = set()
    kept = []
    for row in rows:
        marker = tuple(sorted(row.items()))
        if marker not in seen:
            seen.add(marker)
            kept.append(row)
    return kept
