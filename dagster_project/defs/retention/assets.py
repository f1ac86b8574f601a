"""Retention reports from the configured locations into the store: one source per location,
ids only as salted hashes, a refused report recorded beside the rest; nothing to do when no
location is configured. After the sources, so the datasets it is checked against are there."""

import dagster as dg

from dagster_project.metadata import bullets, code
from dagster_project.names import RETENTION_REPORTS, SOURCE_ASSET_KEYS, SOURCES_GROUP
from dagster_project.resources import (
    DUCKDB_POOL,
    LineageStoreResource,
    RetentionReportsResource,
    require,
)
from dagster_project.runs import crawl_run_id

NOT_CONFIGURED = "no report locations configured (LINEAGE_RETENTION_REPORTS): nothing to do"


@dg.asset(
    key=RETENTION_REPORTS,
    deps=list(SOURCE_ASSET_KEYS),
    group_name=SOURCES_GROUP,
    kinds={"s3", "duckdb"},
    pool=DUCKDB_POOL,
    description="Deletion reports and S3 cross-checks (the original service's two formats) "
    "from the configured locations, newest first; deleted ids stored only as salted hashes.",
)
def retention_reports(
    context: dg.AssetExecutionContext,
    lineage_store: LineageStoreResource,
    retention: RetentionReportsResource,
) -> dg.MaterializeResult:
    locations = retention.location_list
    if not locations:
        context.log.info(NOT_CONFIGURED)
        return dg.MaterializeResult(metadata={"reports": NOT_CONFIGURED})
    from lineage_assets.retention.load import load_reports

    require(lineage_store)
    with lineage_store.writer() as store:
        result = load_reports(store, locations, run_id=crawl_run_id(store, context))
        store.publish()  # its check reads the published copy
    problems = result.problems()
    for line in problems:
        context.log.warning("retention: %s", line)
    return dg.MaterializeResult(
        metadata={
            **result.summary(),
            "configured": bullets(code(location) for location in locations),
            "problems": bullets(code(line) for line in problems),
        }
    )
