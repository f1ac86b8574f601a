"""The typed results of SQL lineage: column edges, one record per statement, one per script."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ColumnEdge:
    """A target column whose value comes from a source column, and how (`transform`)."""

    target: str
    source: str
    transform: str

    def as_list(self) -> list[str]:
        """The edge as the `[target, source, transform]` triple of the JSON form."""
        return [self.target, self.source, self.transform]


@dataclass(frozen=True)
class StatementLineage:
    """Lineage of one statement: what it writes and reads, its column edges, where it is.

    `indirect_lineage` holds columns that only filter, join or group (transform `filter`,
    `join`, `group`), kept apart from the value edges of `column_lineage`. `sql_text` is the
    statement's own text, bounded (`text_truncated` when cut, with a marker at its end).
    """

    kind: str
    targets: list[str]
    sources: list[str]
    column_lineage: list[ColumnEdge]
    start_line: int
    end_line: int
    error: str | None = None
    indirect_lineage: list[ColumnEdge] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sql_text: str = ""
    text_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The statement as plain JSON-serialisable values."""
        return {
            "kind": self.kind,
            "targets": list(self.targets),
            "sources": list(self.sources),
            "column_lineage": [edge.as_list() for edge in self.column_lineage],
            "indirect_lineage": [edge.as_list() for edge in self.indirect_lineage],
            "start_line": self.start_line,
            "end_line": self.end_line,
            "error": self.error,
            "warnings": list(self.warnings),
            "sql_text": self.sql_text,
            "text_truncated": self.text_truncated,
        }


@dataclass(frozen=True)
class ScriptLineage:
    """Lineage of a whole script: intermediates left out, column lineage chained through them."""

    targets: list[str]
    sources: list[str]
    column_lineage: list[ColumnEdge]
    statements: list[StatementLineage]
    warnings: list[str]

    @property
    def errors(self) -> list[str]:
        """The error of every statement that has one, in script order."""
        return [s.error for s in self.statements if s.error]

    def to_dict(self) -> dict[str, Any]:
        """The script as plain JSON-serialisable values (the documented interface)."""
        return {
            "targets": list(self.targets),
            "sources": list(self.sources),
            "column_lineage": [edge.as_list() for edge in self.column_lineage],
            "warnings": list(self.warnings),
            "statements": [statement.to_dict() for statement in self.statements],
        }
