"""Fan out, fan in: staged crawl steps (one run per account x region, no writer, in parallel)
and the one ingest that applies their batches, in the pool of one slot."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.staging.assets import ingest_staged, sagemaker_crawl_staged
from dagster_project.defs.staging.jobs import ingest_staged_job, staged_crawl_job
from dagster_project.defs.staging.resources import StagingResource


def defs() -> dg.Definitions:
    """The staging domain's definitions and its resource (settings read at run time)."""
    return dg.Definitions(
        assets=[sagemaker_crawl_staged, ingest_staged],
        jobs=[staged_crawl_job, ingest_staged_job],
        resources={"staging": StagingResource()},
    )
