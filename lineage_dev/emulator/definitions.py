"""SageMaker pipeline definitions of the seeded account, in the real definition JSON format.

Each builder returns the dict `Pipeline.definition()` would produce: Version 2020-12-01, typed
Parameters, PipelineExperimentConfig and Steps whose Arguments are the Create API request bodies
with `Get` / `Std:Join` / `Std:JsonGet` expressions (sagemaker-definitions.md §1-§6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ACCOUNT_ID = "123456789012"
MAIN_REGION = "us-east-1"
EU_REGION = "eu-west-1"
REGIONS = (MAIN_REGION, EU_REGION)

ROLE_ARN = (
    f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-20261001T090000"
)
RAW_BUCKET = "acme-raw-landing"
CURATED_BUCKET = "acme-curated-lake"
SAGEMAKER_BUCKET = f"sagemaker-{MAIN_REGION}-{ACCOUNT_ID}"
FEATURE_BUCKET = "acme-feature-store"
EU_BUCKET = "acme-eu-analytics"
CURATED_KMS_KEY = f"arn:aws:kms:{MAIN_REGION}:{ACCOUNT_ID}:key/5f0c2d1e-8a4b-4c9e-9d21-6b7f3a1e0c42"
FEATURE_KMS_KEY = f"arn:aws:kms:{MAIN_REGION}:{ACCOUNT_ID}:key/9b8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"

ABALONE_PIPELINE = "AbalonePipeline"
CHURN_PIPELINE = "CustomerChurnFeatures"
FRAUD_PIPELINE = "FraudModelTuning"
EU_PIPELINE = "EuDemandForecast"
ABALONE_GROUP = "AbaloneModelPackageGroup"
CHURN_GROUP = "CustomerChurnModelGroup"
FEATURE_GROUP = "customer-churn-features"
DOMAIN_NAME = "ml-platform"

ABALONE_INPUT_DATA = f"s3://{CURATED_BUCKET}/abalone/raw/abalone-dataset.csv"
ABALONE_BATCH_DATA = f"s3://{CURATED_BUCKET}/abalone/batch/"
RAW_CUSTOMERS_PREFIX = f"s3://{RAW_BUCKET}/customers/"
FEATURE_STORE_URI = f"s3://{FEATURE_BUCKET}/customer-churn-features"
ORDERS_PREFIX = f"s3://{CURATED_BUCKET}/orders/"
EU_SALES_PREFIX = f"s3://{EU_BUCKET}/demand/raw/"

ABALONE_ATHENA_QUERY = (
    "SELECT sex, length, diameter, height, whole_weight, shucked_weight, viscera_weight, "
    "shell_weight, rings FROM analytics.abalone_measurements WHERE rings > 0"
)
CHURN_ATHENA_QUERY = (
    "SELECT customer_id, email_sha256, country, order_count, total_amount, avg_order_amount, "
    "days_since_last_order, churned FROM analytics.customer_features"
)


def _image(region: str, repository: str, tag: str) -> str:
    """An AWS-owned algorithm image URI of `region` (the SageMaker image accounts)."""
    owner = {MAIN_REGION: "683313688378", EU_REGION: "141502667606"}[region]
    return f"{owner}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}"


def sklearn_image(region: str = MAIN_REGION) -> str:
    """The scikit-learn processing image of a region."""
    return _image(region, "sagemaker-scikit-learn", "1.2-1-cpu-py3")


def xgboost_image(region: str = MAIN_REGION) -> str:
    """The XGBoost algorithm image of a region."""
    return _image(region, "sagemaker-xgboost", "1.7-1")


# --------------------------------------------------------------------------- expression builders


def get(path: str) -> dict[str, str]:
    """`{"Get": path}`: a parameter, execution variable or step property."""
    return {"Get": path}


def param(name: str) -> dict[str, str]:
    """A pipeline parameter reference."""
    return get(f"Parameters.{name}")


EXECUTION_ID = get("Execution.PipelineExecutionId")


def join(on: str, *values: Any) -> dict[str, Any]:
    """`Std:Join` of literal and expression values."""
    return {"Std:Join": {"On": on, "Values": list(values)}}


def execution_path(bucket: str, pipeline: str, step: str, *tail: str) -> dict[str, Any]:
    """s3://bucket/pipeline/<execution id>/step/tail..., the SDK's per-execution output path."""
    return join("/", "s3:/", bucket, pipeline, EXECUTION_ID, step, *tail)


def processing_output_uri(step: str, output: str) -> dict[str, str]:
    """Reference to another Processing step's output S3 URI."""
    return get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri")


def model_artifacts(step: str) -> dict[str, str]:
    """Reference to a Training step's runtime model artifact URI."""
    return get(f"Steps.{step}.ModelArtifacts.S3ModelArtifacts")


def parameter(name: str, kind: str, default: Any) -> dict[str, Any]:
    """One entry of the definition's Parameters list."""
    return {"Name": name, "Type": kind, "DefaultValue": default}


# --------------------------------------------------------------------------- request fragments


def s3_input(name: str, uri: Any, local_path: str) -> dict[str, Any]:
    """A ProcessingInputs entry reading an S3 prefix or object."""
    return {
        "InputName": name,
        "AppManaged": False,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
            "S3CompressionType": "None",
        },
    }


def athena_input(name: str, query: str, output_uri: str) -> dict[str, Any]:
    """A ProcessingInputs entry whose data is an Athena query (DatasetDefinition)."""
    return {
        "InputName": name,
        "AppManaged": False,
        "DatasetDefinition": {
            "AthenaDatasetDefinition": {
                "Catalog": "AwsDataCatalog",
                "Database": "analytics",
                "QueryString": query,
                "OutputS3Uri": output_uri,
                "WorkGroup": "primary",
                "OutputFormat": "PARQUET",
            },
            "LocalPath": f"/opt/ml/processing/input/{name}",
            "DataDistributionType": "FullyReplicated",
            "InputMode": "File",
        },
    }


def s3_output(name: str, uri: Any) -> dict[str, Any]:
    """A ProcessingOutputConfig entry uploading a local folder at the end of the job."""
    return {
        "OutputName": name,
        "AppManaged": False,
        "S3Output": {
            "S3Uri": uri,
            "LocalPath": f"/opt/ml/processing/{name}",
            "S3UploadMode": "EndOfJob",
        },
    }


def channel(name: str, uri: Any, content_type: str = "text/csv") -> dict[str, Any]:
    """An InputDataConfig channel of a Training request."""
    return {
        "ChannelName": name,
        "ContentType": content_type,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


def processing_arguments(
    *,
    region: str,
    script: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    instance_type: Any = "ml.m5.xlarge",
    instance_count: Any = 1,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """CreateProcessingJob request body of a scikit-learn script step."""
    arguments: dict[str, Any] = {
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": instance_type,
                "InstanceCount": instance_count,
                "VolumeSizeInGB": 30,
            }
        },
        "AppSpecification": {
            "ImageUri": sklearn_image(region),
            "ContainerEntrypoint": ["python3", f"/opt/ml/processing/input/code/{script}"],
        },
        "RoleArn": ROLE_ARN,
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": outputs},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
    }
    if environment:
        arguments["Environment"] = environment
    return arguments


def _metric_regex(metric: str) -> str:
    """The log regex XGBoost's metric definitions use, e.g. for `validation:mse`."""
    return f".*\\[[0-9]+\\].*#011{metric.replace(':', '-')}:([-+]?[0-9]*\\.?[0-9]+)"


def training_arguments(
    *,
    region: str,
    channels: list[dict[str, Any]],
    output_path: str,
    hyper_parameters: dict[str, str],
    metrics: tuple[str, ...],
    instance_type: Any = "ml.m5.xlarge",
) -> dict[str, Any]:
    """CreateTrainingJob request body of a built-in XGBoost training step."""
    return {
        "AlgorithmSpecification": {
            "TrainingImage": xgboost_image(region),
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": name, "Regex": _metric_regex(name)} for name in metrics],
        },
        "OutputDataConfig": {"S3OutputPath": output_path},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "ResourceConfig": {"VolumeSizeInGB": 30, "InstanceCount": 1, "InstanceType": instance_type},
        "RoleArn": ROLE_ARN,
        "InputDataConfig": channels,
        "HyperParameters": hyper_parameters,
        "DebugHookConfig": {"S3OutputPath": output_path, "CollectionConfigurations": []},
        "ProfilerConfig": {"S3OutputPath": output_path, "DisableProfiler": False},
    }


def step(name: str, kind: str, arguments: dict[str, Any], **extras: Any) -> dict[str, Any]:
    """One step object: Name, Type, Arguments, then extras (PropertyFiles, CacheConfig...)."""
    return {"Name": name, "Type": kind, "Arguments": arguments, **extras}


CACHE = {"Enabled": True, "ExpireAfter": "P30D"}
DEFAULT_EXPERIMENT_CONFIG = {
    "ExperimentName": get("Execution.PipelineName"),
    "TrialName": EXECUTION_ID,
}


def definition(parameters: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level definition object."""
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": parameters,
        "PipelineExperimentConfig": DEFAULT_EXPERIMENT_CONFIG,
        "Steps": steps,
    }


# --------------------------------------------------------------------------- the pipelines


def abalone_definition() -> dict[str, Any]:
    """The abalone pipeline of sagemaker-definitions.md §6, plus an Athena input."""
    code = f"s3://{SAGEMAKER_BUCKET}/{ABALONE_PIPELINE}/code"
    process = step(
        "AbaloneProcess",
        "Processing",
        processing_arguments(
            region=MAIN_REGION,
            script="preprocessing.py",
            instance_type="ml.m5.xlarge",
            instance_count=param("ProcessingInstanceCount"),
            inputs=[
                s3_input("input-1", param("InputData"), "/opt/ml/processing/input"),
                athena_input(
                    "athena-measurements",
                    ABALONE_ATHENA_QUERY,
                    f"s3://{SAGEMAKER_BUCKET}/athena-results/abalone/",
                ),
                s3_input("code", f"{code}/preprocessing.py", "/opt/ml/processing/input/code"),
            ],
            outputs=[
                s3_output(
                    name,
                    execution_path(
                        SAGEMAKER_BUCKET, ABALONE_PIPELINE, "AbaloneProcess", "output", name
                    ),
                )
                for name in ("train", "validation", "test")
            ],
        ),
        CacheConfig=CACHE,
    )
    train = step(
        "AbaloneTrain",
        "Training",
        training_arguments(
            region=MAIN_REGION,
            channels=[
                channel("train", processing_output_uri("AbaloneProcess", "train")),
                channel("validation", processing_output_uri("AbaloneProcess", "validation")),
            ],
            output_path=f"s3://{SAGEMAKER_BUCKET}/{ABALONE_PIPELINE}/AbaloneTrain",
            hyper_parameters={
                "objective": "reg:linear",
                "num_round": "50",
                "max_depth": "5",
                "eta": "0.2",
                "gamma": "4",
                "min_child_weight": "6",
                "subsample": "0.7",
            },
            metrics=("train:mse", "validation:mse"),
            instance_type=param("TrainingInstanceType"),
        ),
        CacheConfig=CACHE,
    )
    evaluate = step(
        "AbaloneEval",
        "Processing",
        processing_arguments(
            region=MAIN_REGION,
            script="evaluation.py",
            inputs=[
                s3_input("input-1", model_artifacts("AbaloneTrain"), "/opt/ml/processing/model"),
                s3_input(
                    "input-2",
                    processing_output_uri("AbaloneProcess", "test"),
                    "/opt/ml/processing/test",
                ),
                s3_input("code", f"{code}/evaluation.py", "/opt/ml/processing/input/code"),
            ],
            outputs=[
                s3_output(
                    "evaluation",
                    execution_path(
                        SAGEMAKER_BUCKET, ABALONE_PIPELINE, "AbaloneEval", "output", "evaluation"
                    ),
                )
            ],
        ),
        PropertyFiles=[
            {
                "PropertyFileName": "EvaluationReport",
                "OutputName": "evaluation",
                "FilePath": "evaluation.json",
            }
        ],
        CacheConfig=CACHE,
    )
    register = step(
        "AbaloneRegisterModel-RegisterModel",
        "RegisterModel",
        {
            "ModelPackageGroupName": ABALONE_GROUP,
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": join(
                            "/",
                            processing_output_uri("AbaloneEval", "evaluation"),
                            "evaluation.json",
                        ),
                    }
                },
                "Bias": {},
                "Explainability": {},
            },
            "InferenceSpecification": {
                "Containers": [
                    {"Image": xgboost_image(), "ModelDataUrl": model_artifacts("AbaloneTrain")}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
                "SupportedRealtimeInferenceInstanceTypes": ["ml.t2.medium", "ml.m5.large"],
                "SupportedTransformInstanceTypes": ["ml.m5.large"],
            },
            "ModelApprovalStatus": param("ModelApprovalStatus"),
        },
    )
    create_model = step(
        "AbaloneCreateModel-CreateModel",
        "Model",
        {
            "ExecutionRoleArn": ROLE_ARN,
            "PrimaryContainer": {
                "Image": xgboost_image(),
                "Environment": {},
                "ModelDataUrl": model_artifacts("AbaloneTrain"),
            },
        },
    )
    transform = step(
        "AbaloneTransform",
        "Transform",
        {
            "ModelName": get("Steps.AbaloneCreateModel-CreateModel.ModelName"),
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": param("BatchData")}
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            "TransformOutput": {
                "S3OutputPath": execution_path(
                    SAGEMAKER_BUCKET, ABALONE_PIPELINE, "AbaloneTransform"
                ),
                "AssembleWith": "Line",
            },
            "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"},
        },
    )
    fail = step(
        "AbaloneMSEFail",
        "Fail",
        {"ErrorMessage": join(" ", "Execution failed due to MSE >", param("MseThreshold"))},
    )
    condition = step(
        "AbaloneMSECond",
        "Condition",
        {
            "Conditions": [
                {
                    "Type": "LessThanOrEqualTo",
                    "LeftValue": {
                        "Std:JsonGet": {
                            "PropertyFile": get("Steps.AbaloneEval.PropertyFiles.EvaluationReport"),
                            "Path": "regression_metrics.mse.value",
                        }
                    },
                    "RightValue": param("MseThreshold"),
                }
            ],
            "IfSteps": [register, create_model, transform],
            "ElseSteps": [fail],
        },
    )
    return definition(
        [
            parameter("ProcessingInstanceCount", "Integer", 1),
            parameter("TrainingInstanceType", "String", "ml.m5.xlarge"),
            parameter("ModelApprovalStatus", "String", "PendingManualApproval"),
            parameter("InputData", "String", ABALONE_INPUT_DATA),
            parameter("BatchData", "String", ABALONE_BATCH_DATA),
            parameter("MseThreshold", "Float", 6.0),
        ],
        [process, train, evaluate, condition],
    )


def churn_definition() -> dict[str, Any]:
    """Raw customer exports + curated features -> feature group -> churn model -> registry."""
    prepare = step(
        "PrepareCustomerFeatures",
        "Processing",
        processing_arguments(
            region=MAIN_REGION,
            script="churn_features.py",
            instance_type=param("ProcessingInstanceType"),
            inputs=[
                s3_input("raw-customers", param("RawCustomersUri"), "/opt/ml/processing/input/raw"),
                athena_input(
                    "curated-features",
                    CHURN_ATHENA_QUERY,
                    f"s3://{SAGEMAKER_BUCKET}/athena-results/churn/",
                ),
                s3_input(
                    "code",
                    f"s3://{SAGEMAKER_BUCKET}/{CHURN_PIPELINE}/code/churn_features.py",
                    "/opt/ml/processing/input/code",
                ),
            ],
            outputs=[
                {
                    "OutputName": "features",
                    "AppManaged": False,
                    "FeatureStoreOutput": {"FeatureGroupName": FEATURE_GROUP},
                }
            ],
            environment={"FEATURE_GROUP_NAME": FEATURE_GROUP, "AWS_DEFAULT_REGION": MAIN_REGION},
        ),
    )
    train = step(
        "TrainChurnModel",
        "Training",
        training_arguments(
            region=MAIN_REGION,
            channels=[channel("train", f"{FEATURE_STORE_URI}/", "application/x-parquet")],
            output_path=f"s3://{SAGEMAKER_BUCKET}/{CHURN_PIPELINE}/models",
            hyper_parameters={"objective": "binary:logistic", "num_round": "120", "max_depth": "6"},
            metrics=("train:auc", "validation:auc"),
        ),
        DependsOn=["PrepareCustomerFeatures"],
    )
    register = step(
        "RegisterChurnModel-RegisterModel",
        "RegisterModel",
        {
            "ModelPackageGroupName": CHURN_GROUP,
            "InferenceSpecification": {
                "Containers": [
                    {"Image": xgboost_image(), "ModelDataUrl": model_artifacts("TrainChurnModel")}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelApprovalStatus": param("ModelApprovalStatus"),
            "CustomerMetadataProperties": {"feature_group": FEATURE_GROUP},
        },
    )
    return definition(
        [
            parameter("RawCustomersUri", "String", RAW_CUSTOMERS_PREFIX),
            parameter("ProcessingInstanceType", "String", "ml.m5.xlarge"),
            parameter("ModelApprovalStatus", "String", "Approved"),
        ],
        [prepare, train, register],
    )


def fraud_definition() -> dict[str, Any]:
    """Never executed: feature engineering over orders, then a hyperparameter Tuning step."""
    prepare = step(
        "FraudFeatureEngineering",
        "Processing",
        processing_arguments(
            region=MAIN_REGION,
            script="fraud_features.py",
            inputs=[
                s3_input("orders", param("OrdersUri"), "/opt/ml/processing/input/orders"),
                s3_input(
                    "code",
                    f"s3://{SAGEMAKER_BUCKET}/{FRAUD_PIPELINE}/code/fraud_features.py",
                    "/opt/ml/processing/input/code",
                ),
            ],
            outputs=[
                s3_output(
                    "train",
                    execution_path(
                        SAGEMAKER_BUCKET, FRAUD_PIPELINE, "FraudFeatureEngineering", "train"
                    ),
                )
            ],
        ),
    )
    tuning = step(
        "FraudTuning",
        "Tuning",
        {
            "HyperParameterTuningJobConfig": {
                "Strategy": "Bayesian",
                "ResourceLimits": {
                    "MaxNumberOfTrainingJobs": param("MaxTuningJobs"),
                    "MaxParallelTrainingJobs": 2,
                },
                "TrainingJobEarlyStoppingType": "Off",
                "HyperParameterTuningJobObjective": {
                    "Type": "Maximize",
                    "MetricName": "validation:auc",
                },
                "ParameterRanges": {
                    "ContinuousParameterRanges": [
                        {
                            "Name": "eta",
                            "MinValue": "0.05",
                            "MaxValue": "0.5",
                            "ScalingType": "Auto",
                        }
                    ],
                    "IntegerParameterRanges": [
                        {
                            "Name": "max_depth",
                            "MinValue": "3",
                            "MaxValue": "10",
                            "ScalingType": "Auto",
                        }
                    ],
                    "CategoricalParameterRanges": [],
                },
            },
            "TrainingJobDefinition": {
                "StaticHyperParameters": {"objective": "binary:logistic", "num_round": "200"},
                "RoleArn": ROLE_ARN,
                "OutputDataConfig": {
                    "S3OutputPath": f"s3://{SAGEMAKER_BUCKET}/{FRAUD_PIPELINE}/tuning"
                },
                "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
                "HyperParameterTuningResourceConfig": {
                    "InstanceCount": 1,
                    "InstanceType": "ml.m5.2xlarge",
                    "VolumeSizeInGB": 30,
                },
                "AlgorithmSpecification": {
                    "TrainingInputMode": "File",
                    "TrainingImage": xgboost_image(),
                },
                "InputDataConfig": [
                    channel("train", ORDERS_PREFIX, "application/x-parquet"),
                    channel("features", processing_output_uri("FraudFeatureEngineering", "train")),
                ],
            },
        },
    )
    return definition(
        [
            parameter("OrdersUri", "String", ORDERS_PREFIX),
            parameter("MaxTuningJobs", "Integer", 20),
        ],
        [prepare, tuning],
    )


def eu_demand_definition() -> dict[str, Any]:
    """Small eu-west-1 pipeline: prepare daily sales, train a forecaster."""
    prepare = step(
        "PrepareDemandData",
        "Processing",
        processing_arguments(
            region=EU_REGION,
            script="prepare_demand.py",
            inputs=[
                s3_input("sales", param("SalesData"), "/opt/ml/processing/input/sales"),
                s3_input(
                    "code",
                    f"s3://{EU_BUCKET}/code/prepare_demand.py",
                    "/opt/ml/processing/input/code",
                ),
            ],
            outputs=[
                s3_output(
                    "train",
                    execution_path(EU_BUCKET, EU_PIPELINE, "PrepareDemandData", "output", "train"),
                )
            ],
        ),
    )
    train = step(
        "TrainDemandModel",
        "Training",
        training_arguments(
            region=EU_REGION,
            channels=[channel("train", processing_output_uri("PrepareDemandData", "train"))],
            output_path=f"s3://{EU_BUCKET}/{EU_PIPELINE}/models",
            hyper_parameters={"objective": "reg:squarederror", "num_round": "80"},
            metrics=("train:rmse", "validation:rmse"),
        ),
    )
    return definition([parameter("SalesData", "String", EU_SALES_PREFIX)], [prepare, train])


@dataclass(frozen=True)
class PipelineSpec:
    """A pipeline to create: where, its definition JSON string, description and tags."""

    name: str
    region: str
    definition_json: str
    description: str
    tags: tuple[tuple[str, str], ...]

    @property
    def definition(self) -> dict[str, Any]:
        """The parsed definition."""
        return json.loads(self.definition_json)


def pipeline_specs(domain_arn: str, domain_id: str) -> tuple[PipelineSpec, ...]:
    """The four pipelines; two are tied to the Studio domain, each in a different tag style."""
    return (
        PipelineSpec(
            ABALONE_PIPELINE,
            MAIN_REGION,
            json.dumps(abalone_definition()),
            "Abalone age regression: preprocess, train, evaluate, register, batch transform.",
            (("team", "ml-research"), ("sagemaker:domain-arn", domain_arn)),
        ),
        PipelineSpec(
            CHURN_PIPELINE,
            MAIN_REGION,
            json.dumps(churn_definition()),
            "Customer churn features into the feature store, then the churn model.",
            (("team", "customer-analytics"), ("DomainId", domain_id), ("DomainName", DOMAIN_NAME)),
        ),
        PipelineSpec(
            FRAUD_PIPELINE,
            MAIN_REGION,
            json.dumps(fraud_definition()),
            "Fraud model hyperparameter tuning over orders (not yet run).",
            (("team", "risk"),),
        ),
        PipelineSpec(
            EU_PIPELINE,
            EU_REGION,
            json.dumps(eu_demand_definition()),
            "EU store demand forecast.",
            (("team", "eu-supply-chain"),),
        ),
    )
