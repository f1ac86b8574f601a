"""What the SageMaker assets show in the UI: the crawled pipelines, and per partition its
pipeline's steps, statuses, warnings, lineage document and viewer link, read back from the
store so they show the pipeline's state whether it was re-crawled or not."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import dagster as dg

from dagster_project.defs.sagemaker.partitions import parse_pipeline_partition_key
from dagster_project.metadata import bullets, code, table
from lineage_assets.api.links import viewer_url

if TYPE_CHECKING:  # the crawler and DuckDB load when a run crawls, not with the code location
    import duckdb

    from lineage_assets.sagemaker.crawl import CrawlReport

# Column headers of the metadata tables (shown even when a table is empty).
PIPELINE_COLUMNS = ("region", "pipeline", "domain", "source", "latest_execution")
STEP_COLUMNS = (
    "pipeline",
    "step",
    "type",
    "branch_of",
    "latest_status",
    "cached",
    "failure_reason",
)
# A partition's lineage document larger than this is linked (viewer), not embedded: a backfill
# of many partitions stores one per partition in the event log.
MAX_EMBEDDED_LINEAGE = 200_000


def crawl_metadata(
    conn: duckdb.DuckDBPyConnection, report: CrawlReport, regions: list[str]
) -> dict[str, Any]:
    """The nightly crawl's metadata: every stored pipeline with its latest execution, what
    this run crawled, skipped and removed, its errors and the stored warnings."""
    from lineage_assets.sagemaker.views import pipeline_overview, warning_lines

    pipelines = pipeline_overview(conn)
    return {
        "pipelines": table(
            (
                {
                    "region": p.region,
                    "pipeline": p.pipeline,
                    "domain": p.domain,
                    "source": p.source_status,
                    "latest_execution": p.latest_execution,
                }
                for p in pipelines
            ),
            PIPELINE_COLUMNS,
        ),
        "dagster/row_count": len(pipelines),
        "crawled": len(report.crawled),
        "unchanged": len(report.unchanged),
        "removed": bullets(code(key) for key in report.removed),
        "regions": ", ".join(regions),
        "errors": bullets(code(line) for line in report.errors),
        "warnings": bullets(code(line) for line in warning_lines(conn)),
    }


def partition_metadata(
    conn: duckdb.DuckDBPyConnection, key: str, report: CrawlReport, viewer_base: str
) -> dict[str, Any]:
    """One partition's metadata: its pipeline's steps, statuses, warnings, what this run did to
    it, its lineage document (the one contract, as the API serves it) and viewer link under
    `viewer_base`."""
    from lineage_assets.contract.snapshots import pipeline_document
    from lineage_assets.sagemaker.inventory import pipeline_source_key
    from lineage_assets.sagemaker.views import status_counts, step_table, warning_lines

    account, region, name = parse_pipeline_partition_key(key)
    source = pipeline_source_key(account, region, name)
    steps = [{"pipeline": f"{region}/{name}", **row} for row in step_table(conn, source)]
    own = report.of_pipeline(account, region, name)
    metadata: dict[str, Any] = {
        "steps": table(steps, STEP_COLUMNS),
        "status_counts": status_counts(conn, source),
        "crawled": len(own.crawled),
        "unchanged": len(own.unchanged),
        "removed": bullets(code(k) for k in own.removed),
        "errors": bullets(code(line) for line in own.errors),
        "warnings": bullets(code(line) for line in warning_lines(conn, [source])),
        "dagster/row_count": len(steps),
    }
    lineage = pipeline_document(conn, source)
    if lineage is not None:
        size = len(json.dumps(lineage, default=str))
        metadata["lineage"] = (
            dg.MetadataValue.json(lineage)
            if size <= MAX_EMBEDDED_LINEAGE
            else dg.MetadataValue.md(f"{size:,} characters, too large to embed: see `viewer`")
        )
        link = viewer_url(viewer_base, name, region, account=account)
        metadata["viewer"] = dg.MetadataValue.url(link)
    return metadata
