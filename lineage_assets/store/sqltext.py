"""Names and literals in SQL text, for the few statements that take no parameters."""

from __future__ import annotations


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (names come from our catalog, quoted anyway)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal, for the statements (ATTACH, LOAD, SECRET) that take no parameters."""
    return "'" + text.replace("'", "''") + "'"
