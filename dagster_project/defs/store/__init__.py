"""The store: the crawl run that brackets every source, the store's health and its check, the
nightly job running the whole crawl and its schedule, and the lake's maintenance job."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.store.assets import crawl_run, lineage_store_health
from dagster_project.defs.store.checks import no_stale_sources
from dagster_project.defs.store.jobs import lineage_job
from dagster_project.defs.store.maintenance import lake_maintenance, lake_maintenance_job
from dagster_project.defs.store.schedules import nightly_lineage


def defs() -> dg.Definitions:
    """The store's definitions; the schedule reads its cron now."""
    return dg.Definitions(
        assets=[crawl_run, lineage_store_health],
        asset_checks=[no_stale_sources],
        jobs=[lineage_job, lake_maintenance_job],
        schedules=[nightly_lineage(), lake_maintenance],
    )
