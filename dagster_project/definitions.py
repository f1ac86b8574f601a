"""Assembles the code location; nothing here does I/O."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets import aws_inventory, store
from dagster_project.jobs import lineage_job
from dagster_project.resources import AwsResource, LineageStoreResource
from dagster_project.schedules import nightly_lineage

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([store, aws_inventory]),
    asset_checks=dg.load_asset_checks_from_modules([store, aws_inventory]),
    jobs=[lineage_job],
    schedules=[nightly_lineage],
    resources={
        "lineage_store": LineageStoreResource(lineage_home=dg.EnvVar("LINEAGE_HOME")),
        "aws": AwsResource(regions=dg.EnvVar("LINEAGE_AWS_REGIONS")),
    },
)
