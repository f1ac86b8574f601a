"""What the Glue asset and check show in the UI: per account and region what the catalog
holds, what the crawl wrote, and how declared schemas differ from the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dagster_project.metadata import bullets, code, table

if TYPE_CHECKING:
    from lineage_assets.glue.crawl import GlueCrawlReport
    from lineage_assets.glue.views import RegionSummary, TableDrift

MAX_LISTED = 100
REGION_COLUMNS = ("account", "region", "databases", "tables", "views", "pii_columns")


def crawl_metadata(
    report: GlueCrawlReport, summaries: Sequence[RegionSummary], problems: Sequence[str]
) -> dict[str, Any]:
    """The crawl's counts, the stored catalog per account and region, and every problem."""
    return {
        "databases": len(report.databases),
        "tables_written": len(report.written),
        "tables_unchanged": len(report.unchanged),
        "removed": len(report.removed),
        "errors": len(report.errors) + len(problems),
        "catalog": table(
            (
                {
                    "account": s.account_id,
                    "region": s.region,
                    "databases": s.databases,
                    "tables": s.tables,
                    "views": s.views,
                    "pii_columns": s.pii_columns,
                }
                for s in summaries
            ),
            REGION_COLUMNS,
        ),
        "problems": bullets([*problems, *report.errors][:MAX_LISTED]),
    }


def drift_metadata(drift: Sequence[TableDrift]) -> dict[str, Any]:
    """Each differing table with its differences, one line each."""
    return {
        "tables": len(drift),
        "breaking": sum(1 for d in drift if d.breaking),
        "drift": bullets(
            f"{'BREAKING ' if d.breaking else ''}{code(d.node)} ({d.account_id}/{d.region}) "
            f"vs {code(d.dataset_uri)}: " + "; ".join(x.detail for x in d.differences)
            for d in drift[:MAX_LISTED]
        ),
    }
