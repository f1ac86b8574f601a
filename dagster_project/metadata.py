"""Small builders for the metadata the Dagster UI renders (tables, markdown lists)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import dagster as dg

# Dagster's table cell types, by the Python type of the first value in a column.
_CELL_TYPES: tuple[tuple[type, str], ...] = ((bool, "bool"), (int, "int"), (float, "float"))


def _cell(value: Any) -> str | int | float | bool:
    """A value the UI's table accepts: None as an empty cell, anything unusual as text."""
    if value is None:
        return ""
    return value if isinstance(value, str | int | float | bool) else str(value)


def _column_type(records: list[dict[str, Any]], name: str) -> str:
    """The UI type of a column, from its first non-empty value (text when there is none)."""
    for record in records:
        value = record.get(name)
        if value is None or value == "":
            continue
        return next((kind for cls, kind in _CELL_TYPES if isinstance(value, cls)), "string")
    return "string"


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> dg.TableMetadataValue:
    """Rows of plain values as a UI table, always with a schema: `columns` first (so an empty
    table still has its header, which Dagster requires), then any other key the rows carry."""
    records = [dict(row) for row in rows]
    names = list(dict.fromkeys([*columns, *(key for row in records for key in row)]))
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, _column_type(records, name)) for name in names]
    )
    return dg.MetadataValue.table(
        records=[dg.TableRecord({n: _cell(row.get(n)) for n in names}) for row in records],
        schema=schema,
    )


def code(text: object) -> str:
    """Crawled text (a name, a path, an error) as one inline code span it cannot leave, so no
    link, image or HTML in it renders, nor a `|` that would split a table cell."""
    flat = " ".join(str(text).replace("`", "'").split()).replace("|", "\\|")
    return f"`{flat}`" if flat else "` `"


def bullets(lines: Iterable[str], empty: str = "none") -> dg.MarkdownMetadataValue:
    """Markdown lines (crawled parts already in `code`) as a bullet list, or `empty`."""
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or empty)


Row = TypeVar("Row")


def listing_check(
    rows: Sequence[Row],
    line: Callable[[Row], str],
    *,
    severity: dg.AssetCheckSeverity,
    count: str,
    limit: int = 100,
) -> dg.AssetCheckResult:
    """A check that passes when `rows` is empty, else lists them (the first `limit`) as
    `details`, with their number under `count`."""
    return dg.AssetCheckResult(
        passed=not rows,
        severity=severity,
        metadata={count: len(rows), "details": bullets(line(row) for row in rows[:limit])},
    )
