"""Seeds serving in the member account: a pipeline training on the Athena CTAS output and
registering a model package (one succeeded execution), a model made from that package, served by
an InService endpoint that captures its input into a bucket without default encryption or a
public-access block, a data-quality monitoring schedule over that capture, and a batch transform
job run outside any pipeline.

Runs in the emulator's own process: boto3 acting in the member account for what moto does, and
moto_ext for what it cannot (execution steps and times, job statuses, endpoint times).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lineage_dev.emulator import moto_ext
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_REGION, member_client
from lineage_dev.emulator.seed_athena import CTAS_LOCATION
from lineage_dev.emulator.storage import ObjectWriter

SERVING_ACCOUNT_ID = MEMBER_ACCOUNT_ID
SERVING_REGION = MEMBER_REGION
MODELS_BUCKET = "lineage-member-models"
CAPTURE_BUCKET = "lineage-member-capture"  # no default encryption, no public-access block
CAPTURE_URI = f"s3://{CAPTURE_BUCKET}/churn-live/"
MONITORING_URI = f"s3://{MODELS_BUCKET}/monitoring/churn-live/"
BASELINE_URI = f"s3://{MODELS_BUCKET}/monitoring/baseline/constraints.json"
TRAINING_OUTPUT = f"s3://{MODELS_BUCKET}/churn/"
BATCH_INPUT = f"s3://{MODELS_BUCKET}/batch/input/"
BATCH_OUTPUT = f"s3://{MODELS_BUCKET}/batch/output/"
PIPELINE = "customer-churn-member"
TRAIN_STEP = "TrainChurn"
REGISTER_STEP = "RegisterChurn"
PACKAGE_GROUP = "customer-churn"
MODEL = "customer-churn-v1"
ENDPOINT_CONFIG = "customer-churn-config-v1"
ENDPOINT = "customer-churn-live"
SCHEDULE = "customer-churn-data-quality"
TRANSFORM_JOB = "customer-churn-rescore-2026-11"
ROLE = f"arn:aws:iam::{MEMBER_ACCOUNT_ID}:role/SageMakerExecution"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
STARTED = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SeededServing:
    """What the serving seed made, by ARN."""

    pipeline_arn: str
    execution_arn: str
    training_job_arn: str
    model_package_arn: str
    model_arn: str
    endpoint_config_arn: str
    endpoint_arn: str
    schedule_arn: str
    transform_job_arn: str


def training_arguments() -> dict[str, Any]:
    """The Training step's CreateTrainingJob request: it reads the CTAS output."""
    return {
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": CTAS_LOCATION,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "application/x-parquet",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": TRAINING_OUTPUT},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"objective": "binary:logistic", "num_round": "50"},
    }


def definition() -> dict[str, Any]:
    """Train on the CTAS output, then register the model."""
    return {
        "Version": "2020-12-01",
        "Parameters": [],
        "Steps": [
            {"Name": TRAIN_STEP, "Type": "Training", "Arguments": training_arguments()},
            {
                "Name": REGISTER_STEP,
                "Type": "RegisterModel",
                "Arguments": {
                    "ModelPackageGroupName": PACKAGE_GROUP,
                    "ModelApprovalStatus": "Approved",
                    "InferenceSpecification": {
                        "Containers": [
                            {
                                "Image": IMAGE,
                                "ModelDataUrl": {
                                    "Get": f"Steps.{TRAIN_STEP}.ModelArtifacts.S3ModelArtifacts"
                                },
                            }
                        ],
                        "SupportedContentTypes": ["text/csv"],
                        "SupportedResponseMIMETypes": ["text/csv"],
                    },
                },
            },
        ],
    }


def _run_pipeline(sm: Any, s3: Any) -> tuple[str, str, str, str]:
    """Create the pipeline and one succeeded execution; returns (pipeline, execution, training
    job, model package) ARNs."""
    backend = moto_ext.backend_for(SERVING_REGION, SERVING_ACCOUNT_ID)
    pipeline_arn = sm.create_pipeline(
        PipelineName=PIPELINE,
        PipelineDefinition=json.dumps(definition()),
        PipelineDescription="Customer churn, trained on the curated Athena features.",
        RoleArn=ROLE,
    )["PipelineArn"]
    moto_ext.set_pipeline_times(backend, PIPELINE, created=STARTED - timedelta(days=7))
    execution_arn = sm.start_pipeline_execution(PipelineName=PIPELINE)["PipelineExecutionArn"]
    job_name = f"pipelines-{execution_arn.rsplit('/', 1)[-1]}-{TRAIN_STEP}-a1b2c3"
    job_arn = sm.create_training_job(TrainingJobName=job_name, **training_arguments())[
        "TrainingJobArn"
    ]
    trained = STARTED + timedelta(minutes=14)
    moto_ext.set_training_job(
        backend, job_name, status="Completed", start=STARTED, end=trained, metrics={"auc": 0.87}
    )
    artefact = sm.describe_training_job(TrainingJobName=job_name)["ModelArtifacts"][
        "S3ModelArtifacts"
    ]
    ObjectWriter(s3).put(artefact, b"seeded model.tar.gz")
    sm.create_model_package_group(ModelPackageGroupName=PACKAGE_GROUP)
    package_arn = sm.create_model_package(
        ModelPackageGroupName=PACKAGE_GROUP,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": artefact}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    registered = trained + timedelta(seconds=3)
    steps = [
        {
            "StepName": TRAIN_STEP,
            "StepType": "Training",
            "StartTime": STARTED,
            "EndTime": trained,
            "StepStatus": "Succeeded",
            "AttemptCount": 1,
            "Metadata": {"TrainingJob": {"Arn": job_arn}},
        },
        {
            "StepName": REGISTER_STEP,
            "StepType": "RegisterModel",
            "StartTime": trained,
            "EndTime": registered,
            "StepStatus": "Succeeded",
            "AttemptCount": 1,
            "Metadata": {"RegisterModel": {"Arn": package_arn}},
        },
    ]
    moto_ext.set_execution_steps(backend, execution_arn, steps)
    moto_ext.set_execution_state(
        backend, execution_arn, status="Succeeded", start=STARTED, end=registered
    )
    return pipeline_arn, execution_arn, job_arn, package_arn


def _serve(sm: Any, package_arn: str) -> tuple[str, str, str, str]:
    """The model from the package, its config capturing input, the endpoint and the monitoring
    schedule; returns (model, config, endpoint, schedule) ARNs."""
    model_arn = sm.create_model(
        ModelName=MODEL,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"ModelPackageName": package_arn},
    )["ModelArn"]
    config_arn = sm.create_endpoint_config(
        EndpointConfigName=ENDPOINT_CONFIG,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": MODEL,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": CAPTURE_URI,
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )["EndpointConfigArn"]
    endpoint_arn = sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=ENDPOINT_CONFIG)[
        "EndpointArn"
    ]
    backend = moto_ext.backend_for(SERVING_REGION, SERVING_ACCOUNT_ID)
    moto_ext.set_endpoint_state(
        backend,
        ENDPOINT,
        status="InService",
        created=STARTED + timedelta(hours=1),
        modified=STARTED + timedelta(hours=1, minutes=9),
    )
    schedule_arn = sm.create_monitoring_schedule(
        MonitoringScheduleName=SCHEDULE,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringType": "DataQuality",
            "MonitoringJobDefinition": {
                "BaselineConfig": {"ConstraintsResource": {"S3Uri": BASELINE_URI}},
                "MonitoringInputs": [
                    {"EndpointInput": {"EndpointName": ENDPOINT, "LocalPath": "/opt/ml/input"}}
                ],
                "MonitoringOutputConfig": {
                    "MonitoringOutputs": [
                        {"S3Output": {"S3Uri": MONITORING_URI, "LocalPath": "/opt/ml/output"}}
                    ]
                },
                "MonitoringResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                        "VolumeSizeInGB": 20,
                    }
                },
                "MonitoringAppSpecification": {"ImageUri": IMAGE},
                "RoleArn": ROLE,
            },
        },
    )["MonitoringScheduleArn"]
    return model_arn, config_arn, endpoint_arn, schedule_arn


def _transform(sm: Any) -> str:
    """A batch transform job someone ran by hand (no pipeline)."""
    return str(
        sm.create_transform_job(
            TransformJobName=TRANSFORM_JOB,
            ModelName=MODEL,
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": BATCH_INPUT}},
                "ContentType": "text/csv",
            },
            TransformOutput={"S3OutputPath": BATCH_OUTPUT},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
            Tags=[{"Key": "team", "Value": "customer-analytics"}],  # moto fails ListTags without
        )["TransformJobArn"]
    )


def seed_serving(endpoint_url: str) -> SeededServing:
    """Seed the member account's pipeline, model, endpoint, monitoring and transform job."""
    s3 = member_client(endpoint_url, "s3", SERVING_REGION)
    sm = member_client(endpoint_url, "sagemaker", SERVING_REGION)
    try:
        for bucket in (MODELS_BUCKET, CAPTURE_BUCKET):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket=MODELS_BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        pipeline_arn, execution_arn, job_arn, package_arn = _run_pipeline(sm, s3)
        model_arn, config_arn, endpoint_arn, schedule_arn = _serve(sm, package_arn)
        transform_arn = _transform(sm)
    finally:
        s3.close()
        sm.close()
    return SeededServing(
        pipeline_arn, execution_arn, job_arn, package_arn, model_arn, config_arn,
        endpoint_arn, schedule_arn, transform_arn,
    )  # fmt: skip
