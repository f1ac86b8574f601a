"""The nightly crawl; its cron and timezone come from the environment when the code location
loads (`defs()`), never at import."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.store.jobs import lineage_job
from dagster_project.names import NIGHTLY_SCHEDULE
from lineage_assets.config import env

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "UTC"


def nightly_lineage() -> dg.ScheduleDefinition:
    """The schedule materializing the whole lineage job, at `LINEAGE_SCHEDULE_CRON` in
    `LINEAGE_SCHEDULE_TIMEZONE`."""
    return dg.ScheduleDefinition(
        name=NIGHTLY_SCHEDULE,
        job=lineage_job,
        cron_schedule=env("LINEAGE_SCHEDULE_CRON", DEFAULT_CRON),
        execution_timezone=env("LINEAGE_SCHEDULE_TIMEZONE", DEFAULT_TIMEZONE),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Materializes the whole lineage job every night.",
    )
