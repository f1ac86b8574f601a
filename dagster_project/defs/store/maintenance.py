"""Upkeep of the store on DuckLake (flush inlined rows, merge small files, expire old
snapshots, delete unreferenced files) as a job and a daily schedule; on the embedded file the
schedule skips and the job does nothing."""

import dataclasses

import dagster as dg

from dagster_project.names import LAKE_MAINTENANCE_JOB, LAKE_MAINTENANCE_SCHEDULE
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource

MAINTENANCE_CRON = "30 5 * * *"  # daily, after the nightly crawl


class LakeMaintenanceConfig(dg.Config):
    """How much history the lake keeps."""

    keep_days: float = 7.0
    grace_hours: float = 1.0


@dg.op(
    pool=DUCKDB_POOL,
    description="Flushes inlined rows, merges small files, expires snapshots older than "
    "keep_days and deletes files no snapshot needs (DuckLake only).",
)
def lake_maintenance_op(
    context: dg.OpExecutionContext,
    config: LakeMaintenanceConfig,
    lineage_store: LineageStoreResource,
) -> dg.Output[bool]:
    if not lineage_store.on_lake:
        context.log.info("the store is the embedded DuckDB file: nothing to maintain")
        return dg.Output(False, metadata={"backend": "file"})
    from lineage_assets.store.maintenance import maintain

    with lineage_store.writer() as store:
        report = maintain(store, keep_days=config.keep_days, grace_hours=config.grace_hours)
    return dg.Output(True, metadata={"backend": "lake", **dataclasses.asdict(report)})


@dg.job(name=LAKE_MAINTENANCE_JOB, description="Upkeep of the store on DuckLake.")
def lake_maintenance_job() -> None:
    lake_maintenance_op()


@dg.schedule(
    name=LAKE_MAINTENANCE_SCHEDULE,
    job=lake_maintenance_job,
    cron_schedule=MAINTENANCE_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily upkeep of the store when it is on DuckLake; skips on the embedded file.",
)
def lake_maintenance(
    context: dg.ScheduleEvaluationContext, lineage_store: LineageStoreResource
) -> dg.RunRequest | dg.SkipReason:
    if not lineage_store.on_lake:
        return dg.SkipReason("the store is the embedded DuckDB file (LINEAGE_STORE_URL unset)")
    return dg.RunRequest()
