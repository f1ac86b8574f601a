"""The answer of `POST /sql/lineage`, computed where a hostile statement can be killed: this
module imports no web framework, so an isolated child loads only the SQL engine."""

from __future__ import annotations

from typing import Any

from lineage_assets.sql import extract_lineage

MAX_MESSAGE_CHARS = 2000


def sql_answer(text: str, dialect: str | None) -> dict[str, Any]:
    """Table and column lineage of `text` as the API answers it (parsed, never run)."""
    result = extract_lineage(text, dialect or None)
    first = next((s for s in result.statements if s.targets), None)
    errors = result.errors
    answer: dict[str, Any] = {
        "ok": not errors,
        "dst": first.targets[0] if first else None,
        "sources": list(result.sources),
        "columns": [edge.as_list() for edge in result.column_lineage],
        "note": "; ".join(result.warnings)[:MAX_MESSAGE_CHARS] or None,
        "dialect": dialect,
        "statements": [s.to_dict() for s in result.statements],
    }
    if errors:
        answer["error"] = "; ".join(errors)[:MAX_MESSAGE_CHARS]
    return answer
