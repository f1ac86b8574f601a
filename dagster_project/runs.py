"""The store's crawl run of a Dagster run: every asset of one Dagster run records against the
same crawl run, opened by the first that asks, with what triggered it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from lineage_assets.store import LineageStore


def run_trigger(context: dg.AssetExecutionContext) -> str:
    """What started this run: a schedule, a sensor, a backfill or a person."""
    tags = context.run.tags
    if "dagster/schedule_name" in tags:
        return f"schedule:{tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"sensor:{tags['dagster/sensor_name']}"
    return "manual"


def crawl_run_id(store: LineageStore, context: dg.AssetExecutionContext) -> str:
    """The id of the crawl run recorded for this Dagster run, begun now if there is none."""
    return store.run_for(context.run.run_id, run_trigger(context))
