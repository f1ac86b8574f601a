"""SageMaker: the nightly crawl of every pipeline, one dynamic partition per pipeline crawled
on demand, the job crawling selected partitions and the sensor discovering pipelines."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.sagemaker.assets import sagemaker_crawl, sagemaker_pipeline_lineage
from dagster_project.defs.sagemaker.jobs import sagemaker_lineage_job
from dagster_project.defs.sagemaker.sensors import sagemaker_pipeline_discovery


def defs() -> dg.Definitions:
    """The SageMaker domain's definitions."""
    return dg.Definitions(
        assets=[sagemaker_crawl, sagemaker_pipeline_lineage],
        jobs=[sagemaker_lineage_job],
        sensors=[sagemaker_pipeline_discovery],
    )
