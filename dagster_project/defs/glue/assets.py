"""The Glue Data Catalog of every configured account and region, incrementally: an unchanged
catalog costs one GetDatabases and one GetTables listing per database."""

import dagster as dg
from pydantic import Field

from dagster_project.defs.glue.metadata import crawl_metadata
from dagster_project.names import CRAWL_RUN, GLUE_CATALOG, SOURCES_GROUP
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id


class GlueCrawlConfig(dg.Config):
    """Run options."""

    force: bool = Field(default=False, description="Rewrite unchanged tables too.")


@dg.asset(
    key=GLUE_CATALOG,
    deps=[CRAWL_RUN],
    group_name=SOURCES_GROUP,
    kinds={"glue", "duckdb"},
    pool=DUCKDB_POOL,
    description="Databases, tables and views of the Glue Data Catalog of every account and "
    "region: declared columns (PII by name), partition keys and counts, locations, formats, "
    "views parsed with the SQL engine. Tables meet git SQL and Athena on one node.",
)
def glue_catalog(
    context: dg.AssetExecutionContext,
    config: GlueCrawlConfig,
    lineage_store: LineageStoreResource,
    aws: AwsResource,
) -> dg.MaterializeResult:
    from lineage_assets.glue.crawl import crawl_targets
    from lineage_assets.glue.views import region_summaries

    require(lineage_store, aws)
    estate = aws.estate()
    try:
        targets = [(t.account_id, t.region, t.clients) for t in estate.targets]
        with lineage_store.writer() as store:
            report = crawl_targets(
                store, targets, store.conn, run_id=crawl_run_id(store, context), force=config.force
            )
            metadata = crawl_metadata(report, region_summaries(store.conn), estate.errors)
    finally:
        estate.close()
    for line in [*estate.errors, *report.errors]:
        context.log.warning(line)
    return dg.MaterializeResult(metadata=metadata)
