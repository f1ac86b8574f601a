"""Small builders for the metadata the Dagster UI renders (tables, markdown lists)."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dagster as dg


def table(rows: Iterable[Mapping[str, Any]]) -> dg.TableMetadataValue:
    """Rows of plain values as a UI table (None shown as an empty cell)."""
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({k: "" if v is None else v for k, v in row.items()}) for row in rows
        ]
    )


def bullets(lines: Iterable[str], empty: str = "none") -> dg.MarkdownMetadataValue:
    """Lines as a markdown bullet list, or `empty` when there are none."""
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or empty)


def listing_check(
    rows: list[Any],
    line: Callable[[Any], str],
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
