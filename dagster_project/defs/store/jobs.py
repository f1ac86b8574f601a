"""The whole lineage crawl as one job, from `crawl_run` to `lineage_store_health`."""

from __future__ import annotations

import dagster as dg

from dagster_project.names import CRAWL_GROUP, GRAPH_GROUP, LINEAGE_JOB, SOURCES_GROUP, STORE_GROUP

# Source assets of later domains join by living in one of these groups.
NIGHTLY_GROUPS = (CRAWL_GROUP, SOURCES_GROUP, GRAPH_GROUP, STORE_GROUP)

lineage_job = dg.define_asset_job(
    name=LINEAGE_JOB,
    selection=dg.AssetSelection.groups(*NIGHTLY_GROUPS),
    description="The whole crawl: every source, then the graph and the store's published copy.",
    executor_def=dg.in_process_executor,
)
