"""The serving crawl against the emulator, in an account of its own: models, endpoint configs,
endpoints, monitoring schedules and transform jobs land as rows and edges; a re-crawl of an
unchanged region only lists; a bad resource is an error row naming its ARN while the rest
lands; a deleted endpoint is removed; the capture bucket's posture is read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lineage_assets import aws
from lineage_assets.serving.crawl import crawl_serving
from lineage_assets.serving.views import endpoints
from lineage_assets.store import LineageStore
from lineage_dev.emulator.seed import SeededAccount

ACCOUNT = "400000000042"
REGION = "us-east-1"
ARTEFACTS = "serving-test-artefacts"
CAPTURE = "serving-test-capture"
CAPTURE_URI = f"s3://{CAPTURE}/requests"
REPORTS_URI = f"s3://{ARTEFACTS}/monitoring/reports"
BASELINE_URI = f"s3://{ARTEFACTS}/monitoring/baseline/constraints.json"
MODEL_DATA = f"s3://{ARTEFACTS}/model/model.tar.gz"
BATCH_IN = f"s3://{ARTEFACTS}/batch/in/"
BATCH_OUT = f"s3://{ARTEFACTS}/batch/out/"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/serving"


def session_of(account: str) -> boto3.session.Session:
    """A boto3 session acting in an emulated account of its own (an assumed role)."""
    role = f"arn:aws:iam::{account}:role/tests"
    answer = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="tests")
    credentials = answer["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


class Counting:
    """A client that counts the operations called on it (list operations by their paginator)."""

    def __init__(
        self, client: Any, calls: Counter[str], fail: Callable[[str, dict[str, Any]], None]
    ):
        self._client, self._calls, self._fail = client, calls, fail

    def get_paginator(self, operation_name: str) -> Any:
        paginator = self._client.get_paginator(operation_name)
        calls, fail = self._calls, self._fail

        class Pages:
            def paginate(self, **parameters: Any) -> Iterator[Any]:
                calls[operation_name] += 1
                fail(operation_name, parameters)
                return iter(paginator.paginate(**parameters))

        return Pages()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def called(**parameters: Any) -> Any:
            self._calls[name] += 1
            self._fail(name, parameters)
            return method(**parameters)

        return called


def no_failure(operation: str, parameters: dict[str, Any]) -> None:
    """Every call answers."""


@pytest.fixture(scope="module")
def estate(emulator: Any) -> boto3.session.Session:
    """The serving account: a registered model served by an endpoint capturing input into an
    unencrypted bucket, a monitoring schedule, a transform job outside any pipeline and one a
    pipeline ran (tagged as pipelines tag their jobs)."""
    server, _ = emulator
    with pytest.MonkeyPatch.context() as patch:
        from tests.conftest import point_at_emulator

        point_at_emulator(patch, server.endpoint_url)
        session = session_of(ACCOUNT)
    s3 = session.client("s3", region_name=REGION, endpoint_url=server.endpoint_url)
    sm = session.client("sagemaker", region_name=REGION, endpoint_url=server.endpoint_url)
    for bucket in (ARTEFACTS, CAPTURE):
        s3.create_bucket(Bucket=bucket)
    sm.create_model_package_group(ModelPackageGroupName="churn")
    package = sm.create_model_package(
        ModelPackageGroupName="churn",
        InferenceSpecification={
            "Containers": [{"Image": "img:1", "ModelDataUrl": MODEL_DATA}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    sm.create_model(
        ModelName="Churn-Model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"ModelPackageName": package, "ModelDataUrl": MODEL_DATA},
    )
    sm.create_model(
        ModelName="unserved", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:2"}
    )
    sm.create_endpoint_config(
        EndpointConfigName="churn-config",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "Churn-Model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 50,
            "DestinationS3Uri": CAPTURE_URI,
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )
    sm.create_endpoint(EndpointName="churn-live", EndpointConfigName="churn-config")
    sm.create_endpoint_config(
        EndpointConfigName="broken-config",
        ProductionVariants=[
            {"VariantName": "v", "ModelName": "unserved", "InstanceType": "ml.m5.large"}
        ],
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="churn-quality",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringType": "DataQuality",
            "MonitoringJobDefinition": {
                "BaselineConfig": {"ConstraintsResource": {"S3Uri": BASELINE_URI}},
                "MonitoringInputs": [
                    {"EndpointInput": {"EndpointName": "churn-live", "LocalPath": "/in"}}
                ],
                "MonitoringOutputConfig": {
                    "MonitoringOutputs": [{"S3Output": {"S3Uri": REPORTS_URI, "LocalPath": "/o"}}]
                },
                "MonitoringResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                        "VolumeSizeInGB": 10,
                    }
                },
                "MonitoringAppSpecification": {"ImageUri": "monitor:1"},
                "RoleArn": ROLE,
            },
        },
    )
    for job, tags in (
        ("scoring-batch", []),
        (
            "pipelines-abc123-Transform-x",
            [
                {
                    "Key": "sagemaker:pipeline-execution-arn",
                    "Value": "arn:aws:sagemaker:us-east-1:400000000042:pipeline/p/execution/abc123",
                }
            ],
        ),
    ):
        sm.create_transform_job(
            TransformJobName=job,
            ModelName="unserved",
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": BATCH_IN}}
            },
            TransformOutput={"S3OutputPath": BATCH_OUT},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
            Tags=tags,
        )
    return session


def factory(
    session: boto3.session.Session,
    calls: Counter[str],
    fail: Callable[[str, dict[str, Any]], None] = no_failure,
) -> Callable[[str, str], Any]:
    """`client(service, region)` of the serving account, counting its calls."""
    return lambda service, region: Counting(
        session.client(service, region_name=region), calls, fail
    )


def edges_of(store: LineageStore) -> set[tuple[str, str, str]]:
    """The serving edges (of this account) in `lineage_edges`."""
    rows = store.conn.execute(
        "SELECT source_node, target_node, edge_kind FROM lineage_edges "
        "WHERE starts_with(source_key, 'sagemaker_')"
    ).fetchall()
    return {tuple(row) for row in rows}


def test_a_region_lands_as_rows_and_edges(
    aws_env: SeededAccount, estate: boto3.session.Session, store: LineageStore
) -> None:
    calls: Counter[str] = Counter()
    report = crawl_serving(store, factory(estate, calls), ACCOUNT, REGION, store.conn)
    assert report.errors == []
    assert report.skipped_pipeline_jobs == 0
    (live,) = endpoints(store.conn, ACCOUNT)
    assert (live.endpoint_name, live.status, live.config_name) == (
        "churn-live",
        "InService",
        "churn-config",
    )
    assert (live.capture_enabled, live.capture_destination, live.capture_options) == (
        True,
        CAPTURE_URI,
        ["Input"],
    )
    edges = edges_of(store)
    prefix = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    model = f"model:{prefix}:model/Churn-Model"
    package = store.conn.execute(
        "SELECT model_package_arn FROM serving_model_containers WHERE model_package_arn IS NOT NULL"
    ).fetchone()[0]
    config = f"endpoint_config:{prefix}:endpoint-config/churn-config"
    endpoint = f"endpoint:{prefix}:endpoint/churn-live"
    schedule = f"monitoring_schedule:{prefix}:monitoring-schedule/churn-quality"
    job = f"transform_job:{prefix}:transform-job/scoring-batch"
    assert {
        (f"model_package:{package}", model, "model_from_package"),
        (f"data:{MODEL_DATA}", model, "model_artifact"),
        (model, config, "variant"),
        (config, endpoint, "deployed_as"),
        (endpoint, f"data:{CAPTURE_URI}", "capture"),
        (f"data:{CAPTURE_URI}", schedule, "monitor_read"),
        (f"data:{BASELINE_URI}", schedule, "baseline"),
        (schedule, f"data:{REPORTS_URI}", "monitor_report"),
        (f"data:{BATCH_IN}", job, "read"),
        (job, f"data:{BATCH_OUT}", "write"),
    } <= edges
    assert not [e for e in edges if "pipelines-abc123" in e[0] + e[1]]  # a pipeline's job
    posture = store.conn.execute(
        "SELECT encryption, public_access FROM s3_buckets WHERE bucket = ?", [CAPTURE]
    ).fetchone()
    assert posture == ("none", "none")
    keys = {row[0] for row in store.conn.execute("SELECT source_key FROM sources").fetchall()}
    assert f"sagemaker_endpoint:{ACCOUNT}/{REGION}/churn-live" in keys


def test_an_unchanged_region_is_only_listed(
    aws_env: SeededAccount, estate: boto3.session.Session, store: LineageStore
) -> None:
    crawl_serving(
        store, factory(estate, Counter()), ACCOUNT, REGION, store.conn, capture_posture=False
    )
    calls: Counter[str] = Counter()
    report = crawl_serving(
        store, factory(estate, calls), ACCOUNT, REGION, store.conn, capture_posture=False
    )
    assert report.written == [] and report.errors == []
    assert sorted(calls) == [
        "list_endpoint_configs",
        "list_endpoints",
        "list_inference_components",
        "list_models",
        "list_monitoring_schedules",
        "list_transform_jobs",
    ]
    assert set(calls.values()) == {1}


def test_a_bad_resource_is_an_error_row_and_the_rest_lands(
    aws_env: SeededAccount, estate: boto3.session.Session, store: LineageStore
) -> None:
    def refuse(operation: str, parameters: dict[str, Any]) -> None:
        if parameters.get("EndpointConfigName") == "broken-config":
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, operation
            )
        if operation == "list_monitoring_schedules":
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow"}}, operation
            )

    report = crawl_serving(store, factory(estate, Counter(), refuse), ACCOUNT, REGION, store.conn)
    assert len(report.errors) == 2
    errors = store.conn.execute(
        "SELECT source_key, error_type, location FROM crawl_errors ORDER BY ALL"
    ).fetchall()
    assert (
        f"sagemaker_endpoint_config:{ACCOUNT}/{REGION}/broken-config",
        "AccessDeniedException",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint-config/broken-config",
    ) in errors
    assert any(
        e[0].endswith("/sagemaker_monitoring_schedule") and e[1] == "ThrottlingException"
        for e in errors
    )
    assert [e.endpoint_name for e in endpoints(store.conn, ACCOUNT)] == ["churn-live"]
    # The next crawl that works clears the listing's error and lands the config.
    report = crawl_serving(store, factory(estate, Counter()), ACCOUNT, REGION, store.conn)
    assert report.errors == []
    stale = store.conn.execute("SELECT source_key FROM stale_sources").fetchall()
    assert stale == []


def test_a_deleted_endpoint_is_removed(
    aws_env: SeededAccount, estate: boto3.session.Session, store: LineageStore
) -> None:
    sm = estate.client("sagemaker", region_name=REGION)
    sm.create_endpoint(EndpointName="short-lived", EndpointConfigName="churn-config")
    crawl_serving(store, factory(estate, Counter()), ACCOUNT, REGION, store.conn)
    assert len(endpoints(store.conn, ACCOUNT)) == 2
    sm.delete_endpoint(EndpointName="short-lived")
    report = crawl_serving(store, factory(estate, Counter()), ACCOUNT, REGION, store.conn)
    assert report.removed == [f"sagemaker_endpoint:{ACCOUNT}/{REGION}/short-lived"]
    assert [e.endpoint_name for e in endpoints(store.conn, ACCOUNT)] == ["churn-live"]
