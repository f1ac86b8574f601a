"""The job crawling selected SageMaker pipelines (partitions): what the discovery sensor and a
backfill launch."""

from __future__ import annotations

import dagster as dg

from dagster_project.names import SAGEMAKER_CRAWL_JOB, SAGEMAKER_PIPELINE_LINEAGE

sagemaker_lineage_job = dg.define_asset_job(
    name=SAGEMAKER_CRAWL_JOB,
    selection=[SAGEMAKER_PIPELINE_LINEAGE],
    description="Crawls SageMaker pipelines (the selected partitions) into the store.",
    executor_def=dg.in_process_executor,
)
