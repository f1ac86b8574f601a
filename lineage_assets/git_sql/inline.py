"""SQL handed over directly (the old service's `POST /tasks/sql/inline`): parsed, stored as
source `inline:<name>`, never executed. Re-parsing under the same name replaces it."""

from __future__ import annotations

import hashlib

from lineage_assets.git_sql.ids import inline_key
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.sql import ScriptLineage, StatementLineage, extract_lineage
from lineage_assets.store import SourceRecords

MAX_INLINE_BYTES = 5 * 1024 * 1024


def inline_records(name: str, sql: str, dialect: str | None = None) -> SourceRecords:
    """The records of one inline script, keyed `inline:<name>`."""
    if not name.strip():
        raise ValueError("inline SQL needs a non-empty name")
    if len(sql.encode()) > MAX_INLINE_BYTES:
        raise ValueError(f"inline SQL {name!r} is larger than {MAX_INLINE_BYTES} bytes")
    digest = hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()
    try:
        unit = ParsedUnit(extract_lineage(sql, dialect or None), 0, dialect or None)
    except Exception as error:  # recursion and memory errors too: stored as the script's error
        detail = str(error)[:500]
        unit = _failed(f"{type(error).__name__}: {detail}" if detail else type(error).__name__)
    records = file_records(inline_key(name), "inline", name, digest, None, [unit])
    records.source_kind = "inline_sql"
    return records


def _failed(message: str) -> ParsedUnit:
    """A script the engine could not analyse, reported like a statement with an error."""
    statement = StatementLineage("UNKNOWN", [], [], [], 1, 1, message)
    return ParsedUnit(ScriptLineage([], [], [], [statement], []))
