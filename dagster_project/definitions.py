"""Assembles the code location; nothing here does I/O."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets import store
from dagster_project.jobs import lineage_job
from dagster_project.resources import LineageStoreResource
from dagster_project.schedules import nightly_lineage

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([store]),
    asset_checks=dg.load_asset_checks_from_modules([store]),
    jobs=[lineage_job],
    schedules=[nightly_lineage],
    resources={"lineage_store": LineageStoreResource(lineage_home=dg.EnvVar("LINEAGE_HOME"))},
)
