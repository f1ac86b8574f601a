"""Assembles the code location; nothing here does I/O."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets import graph, s3, sagemaker, sql, store
from dagster_project.jobs import lineage_job
from dagster_project.resources import AwsResource, LineageStoreResource, SqlRepoResource
from dagster_project.schedules import nightly_lineage
from dagster_project.sensors import sagemaker_pipeline_discovery

DOMAINS = [store, sql, sagemaker, s3, graph]

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(DOMAINS),
    asset_checks=dg.load_asset_checks_from_modules(DOMAINS),
    jobs=[
        lineage_job,
        sagemaker.sagemaker_lineage_job,
        sql.parse_inline_sql,
        s3.s3_schema_scan_job,
    ],
    schedules=[nightly_lineage],
    sensors=[sagemaker_pipeline_discovery],
    resources={
        "lineage_store": LineageStoreResource(lineage_home=dg.EnvVar("LINEAGE_HOME")),
        "aws": AwsResource(regions=dg.EnvVar("LINEAGE_AWS_REGIONS")),
        "sql_repo": SqlRepoResource(remote=dg.EnvVar("LINEAGE_SQL_REPO")),
    },
)
