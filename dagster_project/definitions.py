"""Assembles the code location when Dagster loads it (not at import): nothing here reads the
environment or does I/O until `defs()` is called, and the resources read their variables only
when a run or a sensor tick starts."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets import graph, openlineage, s3, sagemaker, sql, store
from dagster_project.jobs import lineage_job
from dagster_project.resources import AwsResource, LineageStoreResource, SqlRepoResource
from dagster_project.schedules import nightly_lineage
from dagster_project.sensors import sagemaker_pipeline_discovery

DOMAINS = [store, sql, sagemaker, s3, graph, openlineage]


@dg.definitions
def defs() -> dg.Definitions:
    """The code location: assets and checks of every domain, jobs, the nightly schedule (its
    cron read now, at load), the discovery sensor, and resources taking their settings from
    `LINEAGE_HOME`, `LINEAGE_AWS_REGIONS` and `LINEAGE_SQL_REPO` at run time."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(DOMAINS),
        asset_checks=dg.load_asset_checks_from_modules(DOMAINS),
        jobs=[
            lineage_job,
            sagemaker.sagemaker_lineage_job,
            sql.parse_inline_sql,
            s3.s3_schema_scan_job,
        ],
        schedules=[nightly_lineage()],
        sensors=[sagemaker_pipeline_discovery],
        resources={
            "lineage_store": LineageStoreResource(),
            "aws": AwsResource(),
            "sql_repo": SqlRepoResource(),
        },
    )
