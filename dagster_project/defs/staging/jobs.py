"""The staged crawl (one account x region per run, many runs at once) and the ingest."""

from __future__ import annotations

import dagster as dg

from dagster_project.names import (
    CRAWL_RUN,
    INGEST_STAGED,
    INGEST_STAGED_JOB,
    LINEAGE_GRAPH,
    LINEAGE_STORE_HEALTH,
    SAGEMAKER_CRAWL_STAGED,
    STAGED_CRAWL_JOB,
)

staged_crawl_job = dg.define_asset_job(
    name=STAGED_CRAWL_JOB,
    selection=[SAGEMAKER_CRAWL_STAGED],
    description="Crawls one account x region (the run's partition) into staged batches; holds "
    "no writer, so runs of many partitions go at once.",
    executor_def=dg.in_process_executor,
)

ingest_staged_job = dg.define_asset_job(
    name=INGEST_STAGED_JOB,
    selection=[CRAWL_RUN, INGEST_STAGED, LINEAGE_GRAPH, LINEAGE_STORE_HEALTH],
    description="Applies every staged batch that is ready, then the graph and the published copy.",
    executor_def=dg.in_process_executor,
)
