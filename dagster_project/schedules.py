"""The nightly crawl; cron and timezone come from the environment (read, never I/O)."""

from __future__ import annotations

import dagster as dg

from dagster_project.jobs import lineage_job
from lineage_assets.config import env

nightly_lineage = dg.ScheduleDefinition(
    name="nightly_lineage",
    job=lineage_job,
    cron_schedule=env("LINEAGE_SCHEDULE_CRON", "0 2 * * *"),
    execution_timezone=env("LINEAGE_SCHEDULE_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Materializes the whole lineage job every night.",
)
