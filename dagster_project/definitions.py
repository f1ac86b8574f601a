"""Assembles the code location when Dagster loads it (not at import): nothing here reads the
environment or does I/O until `defs()` is called, and the resources read their variables only
when a run or a sensor tick starts."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs import (
    accounts,
    athena,
    glue,
    graph,
    openlineage,
    retention,
    s3,
    sagemaker,
    serving,
    sql,
    staging,
    store,
)
from dagster_project.resources import (
    AwsResource,
    LineageStoreResource,
    RetentionReportsResource,
    SqlRepoResource,
)

DOMAINS = (
    store, accounts, sql, sagemaker, s3, glue, athena, retention, serving, graph, openlineage,
    staging,
)  # fmt: skip


@dg.definitions
def defs() -> dg.Definitions:
    """The code location: every domain's definitions (the nightly schedule reads its cron
    now, at load) and the resources, which take their settings from `LINEAGE_HOME`,
    `LINEAGE_AWS_REGIONS` and `LINEAGE_SQL_REPO` at run time."""
    return dg.Definitions.merge(
        *(domain.defs() for domain in DOMAINS),
        dg.Definitions(
            resources={
                "lineage_store": LineageStoreResource(),
                "aws": AwsResource(),
                "sql_repo": SqlRepoResource(),
                "retention": RetentionReportsResource(),
            }
        ),
    )
