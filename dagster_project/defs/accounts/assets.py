"""`aws_accounts`: which accounts and regions the AWS crawls can act in tonight. It opens the
estate (organization listing or configured ids, the role assumed in each, one identity call per
region) and records it, so a refused role or a region that does not answer is an error row the
store-health check sees, and every usable account/region shows its last success."""

import dagster as dg

from dagster_project.defs.accounts.metadata import accounts_metadata
from dagster_project.names import AWS_ACCOUNTS, CRAWL_RUN, SOURCES_GROUP
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource, require
from dagster_project.runs import crawl_run_id


@dg.asset(
    key=AWS_ACCOUNTS,
    deps=[CRAWL_RUN],
    group_name=SOURCES_GROUP,
    kinds={"aws", "duckdb"},
    pool=DUCKDB_POOL,
    description="The AWS accounts and regions the crawls cover (LINEAGE_AWS_ACCOUNTS: the "
    "caller's, the organization's or listed ones): each opened (role assumed, region "
    "answering) or recorded as an error row naming it.",
)
def aws_accounts(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource, aws: AwsResource
) -> dg.MaterializeResult:
    from lineage_assets.accounts.estate import record

    require(lineage_store, aws)
    estate = aws.estate()  # AWS calls before the writer's lock
    try:
        with lineage_store.writer() as store:
            record(estate, store, crawl_run_id(store, context))
            metadata = accounts_metadata(store.conn, estate)
    finally:
        estate.close()
    for line in estate.errors:
        context.log.warning(line)
    return dg.MaterializeResult(metadata=metadata)
