"""The emulator as a benchmark's AWS: this process's boto3 chain aimed at it, plain seeding
clients, and the pipeline runs the SageMaker benchmarks seed."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

import boto3

from lineage_dev.emulator import moto_ext
from lineage_dev.emulator.definitions import ROLE_ARN, eu_demand_definition, sklearn_image
from lineage_dev.emulator.seed import CREDENTIALS


def use_emulator(endpoint_url: str) -> None:
    """Every client this process makes through boto3's standard chain talks to the emulator."""
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
    )


def seeder(service: str, region: str, endpoint_url: str) -> Any:
    """A plain client for seeding (default config: seeding is never what is measured)."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, **CREDENTIALS)


def seed_pipeline_run(
    sagemaker: Any, region: str, name: str, job_suffix: str, start: datetime
) -> None:
    """Pipeline `name` with one succeeded execution whose one step ran a processing job
    (named as SageMaker names a step's job, ending in `job_suffix`), so a crawl makes its
    full call sequence for it."""
    sagemaker.create_pipeline(
        PipelineName=name,
        PipelineDefinition=json.dumps(eu_demand_definition()),
        RoleArn=ROLE_ARN,
    )
    arn = sagemaker.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"]
    job_arn = sagemaker.create_processing_job(
        ProcessingJobName=f"pipelines-{arn.rsplit('/', 1)[-1]}-{job_suffix}",
        RoleArn=ROLE_ARN,
        AppSpecification={"ImageUri": sklearn_image()},
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
    )["ProcessingJobArn"]
    end = start + timedelta(minutes=5)
    step = {
        "StepName": "PrepareDemandData",
        "StartTime": start,
        "EndTime": end,
        "StepStatus": "Succeeded",
        "AttemptCount": 1,
        "Metadata": {"ProcessingJob": {"Arn": job_arn}},
        "CacheHitResult": {"SourcePipelineExecutionArn": ""},
    }
    moto_ext.set_execution_steps(region, arn, [step])
    moto_ext.set_execution_state(region, arn, status="Succeeded", start=start, end=end)
