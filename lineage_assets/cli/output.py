"""How every command prints: rows as a table, JSON or CSV, JSON documents, error lines.

Nothing read from the store reaches a terminal raw: S3 keys, sampled column names and node ids
hold control characters, so table cells and error lines are escaped (`printable`)."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

from lineage_assets.core.text import printable

ROW_FORMATS = ("table", "json", "csv")


def cell(value: Any) -> str:
    """A value as table text: NULL, or its string with control and format characters (terminal
    escapes, newlines, right-to-left overrides) escaped."""
    return "NULL" if value is None else printable(str(value))


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    """Rows as an aligned text table, a JSON array, or CSV; nothing reaches a terminal raw
    (JSON escapes by itself; CSV keeps values exact when written to a file or pipe)."""
    if fmt == "json":
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        if sys.stdout.isatty():
            writer.writerow([printable(c) for c in columns])
            writer.writerows([[cell(v) if v is not None else "" for v in r] for r in rows])
            return
        writer.writerow(columns)
        writer.writerows(rows)
        return
    print(table(columns, rows))


def record_rows(kind: type, records: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of typed reads (dataclasses of `kind`), for `print_rows`."""
    names = [field.name for field in dataclasses.fields(kind)]
    return names, [tuple(getattr(record, name) for name in names) for record in records]


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Aligned columns under a header and a rule, then the row count."""
    names = [printable(c) for c in columns]
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(names)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(names, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines.extend("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells)
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def print_json(document: Any, *, sort_keys: bool = False) -> None:
    """A document as indented JSON on stdout (datetimes and other values as their text)."""
    print(json.dumps(document, indent=2, sort_keys=sort_keys, default=str))


def error(message: str, code: int = 1) -> int:
    """An `error:` line on stderr; returns the exit code."""
    print(f"error: {message}", file=sys.stderr)
    return code


def one_line(failure: BaseException) -> str:
    """An error's message on one line (DuckDB adds the query's text and a caret below it)."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    return lines[0] if lines else type(failure).__name__
