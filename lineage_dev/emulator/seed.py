"""Seeds the demo account 123456789012: buckets and their posture, datasets, Studio domain,
model registry, feature group, four pipelines and their executions.

Runs in the emulator's own process: boto3 against the server for everything boto3 can do, and
moto_ext helpers for what moto cannot produce (steps, statuses, times, metrics).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pyarrow as pa
from botocore.config import Config

from lineage_dev.emulator import EMULATOR_ENV, moto_ext
from lineage_dev.emulator import datasets as ds
from lineage_dev.emulator.definitions import (
    ABALONE_GROUP,
    ABALONE_INPUT_DATA,
    ABALONE_PIPELINE,
    ACCOUNT_ID,
    CHURN_GROUP,
    CHURN_PIPELINE,
    CURATED_BUCKET,
    CURATED_KMS_KEY,
    DOMAIN_NAME,
    EU_BUCKET,
    EU_PIPELINE,
    EU_REGION,
    EU_SALES_PREFIX,
    FEATURE_BUCKET,
    FEATURE_GROUP,
    FEATURE_KMS_KEY,
    FEATURE_STORE_URI,
    FRAUD_PIPELINE,
    MAIN_REGION,
    RAW_BUCKET,
    REGIONS,
    ROLE_ARN,
    SAGEMAKER_BUCKET,
    PipelineSpec,
    pipeline_specs,
)
from lineage_dev.emulator.expressions import s3_uris, walk_steps
from lineage_dev.emulator.runner import (
    ExecutionPlan,
    ExecutionRecord,
    Runtime,
    run_execution,
)
from lineage_dev.emulator.seed_accounts import seed_organization
from lineage_dev.emulator.seed_athena import seed_athena
from lineage_dev.emulator.seed_glue import seed_glue
from lineage_dev.emulator.seed_serving import seed_serving
from lineage_dev.emulator.storage import ObjectWriter, child_uri

LARGE_PARQUET_ROWS = 2_000_000
CREDENTIALS = {
    "aws_access_key_id": EMULATOR_ENV["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": EMULATOR_ENV["AWS_SECRET_ACCESS_KEY"],
}
ORDERS_LARGE_DAY = date(2026, 11, 1)
ORDERS_SMALL_DAYS = (date(2026, 10, 30), date(2026, 10, 31))
ABALONE_LATE_BATCH = f"s3://{CURATED_BUCKET}/abalone/batch-2026-11-10/"
TRANSFORM_FAILURE = (
    "ClientError: See job logs for more information. Unable to parse input record 1 of "
    "abalone-batch-0001.csv: could not convert string to float: 'length'"
)
ATHENA_TABLES = {
    "analytics.customers_raw": f"s3://{RAW_BUCKET}/customers/",
    "analytics.orders": f"s3://{CURATED_BUCKET}/orders/",
    "analytics.customer_features": f"s3://{CURATED_BUCKET}/customer_features/",
    "analytics.abalone_measurements": f"s3://{CURATED_BUCKET}/abalone/measurements/",
}


# --------------------------------------------------------------------------- buckets


@dataclass(frozen=True)
class BucketSpec:
    """A bucket and its security posture (None/False = not configured)."""

    name: str
    region: str
    kms_key: str | None = None
    sse_s3: bool = False
    versioning: bool = False
    block_public_access: bool = False
    tags: tuple[tuple[str, str], ...] = ()


BUCKETS = (
    BucketSpec(RAW_BUCKET, MAIN_REGION),  # the bad posture: nothing configured
    BucketSpec(
        CURATED_BUCKET,
        MAIN_REGION,
        kms_key=CURATED_KMS_KEY,
        versioning=True,
        block_public_access=True,
        tags=(("team", "data-platform"), ("data-classification", "internal")),
    ),
    BucketSpec(SAGEMAKER_BUCKET, MAIN_REGION, sse_s3=True, block_public_access=True),
    BucketSpec(FEATURE_BUCKET, MAIN_REGION, kms_key=FEATURE_KMS_KEY, block_public_access=True),
    BucketSpec(EU_BUCKET, EU_REGION, sse_s3=True, tags=(("team", "eu-supply-chain"),)),
)


def _encryption_rule(spec: BucketSpec) -> dict[str, Any] | None:
    """The default-encryption rule of a bucket, if it has one."""
    if spec.kms_key:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": spec.kms_key}
        return {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}
    if spec.sse_s3:
        return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    return None


def create_bucket(s3: Any, spec: BucketSpec) -> None:
    """Create one bucket in its region and apply its posture."""
    location = (
        {}
        if spec.region == MAIN_REGION
        else {"CreateBucketConfiguration": {"LocationConstraint": spec.region}}
    )
    s3.create_bucket(Bucket=spec.name, **location)
    rule = _encryption_rule(spec)
    if rule:
        s3.put_bucket_encryption(
            Bucket=spec.name, ServerSideEncryptionConfiguration={"Rules": [rule]}
        )
    if spec.versioning:
        s3.put_bucket_versioning(Bucket=spec.name, VersioningConfiguration={"Status": "Enabled"})
    if spec.block_public_access:
        flags = (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        s3.put_public_access_block(
            Bucket=spec.name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
        )
    if spec.tags:
        tag_set = [{"Key": key, "Value": value} for key, value in spec.tags]
        s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": tag_set})


# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class AccountData:
    """The synthetic data of the account, generated once per seeding."""

    customers: list[ds.Customer]
    abalone: pa.Table
    features: pa.Table

    @classmethod
    def generate(cls) -> AccountData:
        """Deterministic data for the whole account."""
        customers = ds.customers(1000)
        return cls(customers, ds.abalone(), ds.customer_features(customers))

    def abalone_split(self, name: str) -> pa.Table:
        """The 70/15/15 train/validation/test split of the abalone rows."""
        rows = self.abalone.num_rows
        bounds = {"train": (0, 0.7), "validation": (0.7, 0.85), "test": (0.85, 1.0)}[name]
        start, stop = (int(rows * bound) for bound in bounds)
        return self.abalone.slice(start, stop - start)


@dataclass(frozen=True)
class AccountContent:
    """Implements runner.Content: what each job of the account reads and writes."""

    data: AccountData

    def processing_output(self, step: str, output: str) -> list[tuple[str, bytes]]:
        """Files a Processing step writes into one output."""
        if step == "AbaloneProcess":
            return [(f"{output}.csv", ds.abalone_features_csv(self.data.abalone_split(output)))]
        if step == "AbaloneEval":
            return [("evaluation.json", ds.evaluation_report(mse=4.2, standard_deviation=2.3))]
        if step == "PrepareDemandData":
            return [("train.csv", ds.csv_bytes(ds.demand_sales(), header=False))]
        raise KeyError(f"no data for output {output!r} of {step}")

    def athena_result(self, query: str) -> bytes:
        """The Parquet result of a DatasetDefinition query, by the table it reads."""
        if "abalone_measurements" in query:
            return ds.parquet_bytes(self.data.abalone)
        if "customer_features" in query:
            return ds.parquet_bytes(self.data.features)
        raise KeyError(f"no data for query {query!r}")

    def feature_records(self, feature_group: str, event_time: datetime) -> bytes:
        """Offline-store Parquet of the churn feature group (raw email and phone included)."""
        return ds.parquet_bytes(
            ds.feature_store_records(self.data.customers[:400], event_time=event_time)
        )

    def training_metrics(self, step: str) -> Mapping[str, float]:
        """Final metrics per training step."""
        return {
            "AbaloneTrain": {"train:mse": 3.87, "validation:mse": 4.21},
            "TrainChurnModel": {"train:auc": 0.912, "validation:auc": 0.874},
            "TrainDemandModel": {"train:rmse": 11.3, "validation:rmse": 13.9},
        }[step]

    def model_artifact(self, step: str) -> bytes:
        """A small model.tar.gz, different per step."""
        return ds.model_tarball(seed=int(hashlib.sha256(step.encode()).hexdigest()[:8], 16))

    def transform_output(self, batch: bytes) -> bytes:
        """Predictions for one batch file."""
        return ds.transform_predictions(batch)


RAW_CUSTOMER_URIS = tuple(
    f"s3://{RAW_BUCKET}/customers/2026/11/{name}"
    for name in (
        "customers-2026-11-01.csv",
        "customers-2026-11-02.csv.gz",
        "customers-2026-11-03.jsonl",
    )
)


def _customer_objects(data: AccountData) -> dict[str, bytes]:
    """Raw customer exports under customers/2026/11/: CSV, gzip CSV and JSON lines."""
    csv_uri, gz_uri, jsonl_uri = RAW_CUSTOMER_URIS
    batches = data.customers[:400], data.customers[400:700], data.customers[700:]
    return {
        csv_uri: ds.customers_csv(batches[0]),
        gz_uri: ds.gzip_bytes(ds.customers_csv(batches[1])),
        jsonl_uri: ds.customers_jsonl(batches[2]),
    }


def orders_uri(day: date) -> str:
    """The Parquet object of one day's orders, in its Hive partition `dt=YYYY-MM-DD`."""
    return f"s3://{CURATED_BUCKET}/orders/dt={day.isoformat()}/part-0000.parquet"


def _order_objects(large_rows: int, customers: int) -> dict[str, bytes]:
    """Hive-partitioned orders (dt=...) with _SUCCESS markers; the last day is the large object."""
    objects: dict[str, bytes] = {}
    days = [(day, 5000) for day in ORDERS_SMALL_DAYS] + [(ORDERS_LARGE_DAY, large_rows)]
    first_id = 1
    for index, (day, rows) in enumerate(days):
        table = ds.orders(
            rows, day=day, first_order_id=first_id, customer_count=customers, seed=100 + index
        )
        uri = orders_uri(day)
        objects[uri] = ds.parquet_bytes(table, row_groups=max(1, rows // 250_000))
        objects[child_uri(uri.rsplit("/", 1)[0], "_SUCCESS")] = b""
        first_id += rows
    return objects


def _static_objects(data: AccountData) -> dict[str, bytes]:
    """Data the pipelines and tables read that no job writes: datasets and batch files."""
    abalone = data.abalone
    batches = abalone.slice(0, 200), abalone.slice(200, 200)
    late_bad = ds.csv_bytes(abalone.select(list(ds.ABALONE_COLUMNS[1:-1])).slice(400, 50))
    sales = ds.demand_sales()
    return {
        ABALONE_INPUT_DATA: ds.csv_bytes(abalone),
        f"s3://{CURATED_BUCKET}/abalone/measurements/part-0000.parquet": ds.parquet_bytes(abalone),
        f"s3://{CURATED_BUCKET}/abalone/batch/abalone-batch-0000.csv": ds.abalone_batch_csv(
            batches[0]
        ),
        f"s3://{CURATED_BUCKET}/abalone/batch/abalone-batch-0001.csv": ds.abalone_batch_csv(
            batches[1]
        ),
        f"{ABALONE_LATE_BATCH}abalone-batch-0000.csv": ds.abalone_batch_csv(
            abalone.slice(450, 100)
        ),
        # The late batch's second file has a header line: the transform fails on it.
        f"{ABALONE_LATE_BATCH}abalone-batch-0001.csv": late_bad,
        f"s3://{CURATED_BUCKET}/customer_features/part-0000.parquet": ds.parquet_bytes(
            data.features
        ),
        f"{EU_SALES_PREFIX}sales-2026-09.csv": ds.csv_bytes(sales.slice(0, 180)),
        f"{EU_SALES_PREFIX}sales-2026-10.csv": ds.csv_bytes(sales.slice(180)),
    }


def _code_objects(specs: Mapping[str, PipelineSpec]) -> dict[str, bytes]:
    """A script at every `code` input of every Processing step, URIs read from the definitions."""
    objects = {}
    for spec in specs.values():
        for item in walk_steps(spec.definition["Steps"]):
            for entry in item["Arguments"].get("ProcessingInputs", []):
                if entry["InputName"] == "code":
                    uri = entry["S3Input"]["S3Uri"]
                    objects[uri] = ds.processing_script(uri.rsplit("/", 1)[-1])
    return objects


# --------------------------------------------------------------------------- SageMaker resources


def _tags(pairs: tuple[tuple[str, str], ...] | Mapping[str, str]) -> list[dict[str, str]]:
    """AWS tag list from pairs."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return [{"Key": key, "Value": value} for key, value in items]


def create_domain(sagemaker: Any) -> tuple[str, str]:
    """The Studio domain `ml-platform`; returns (arn, id)."""
    arn = sagemaker.create_domain(
        DomainName=DOMAIN_NAME,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE_ARN},
        SubnetIds=["subnet-0a1b2c3d4e5f60718"],
        VpcId="vpc-0f1e2d3c4b5a69788",
        Tags=_tags({"team": "ml-platform"}),
    )["DomainArn"]
    return arn, arn.rsplit("/", 1)[-1]


def create_registry(sagemaker: Any) -> None:
    """The two model package groups."""
    for group, team in ((ABALONE_GROUP, "ml-research"), (CHURN_GROUP, "customer-analytics")):
        sagemaker.create_model_package_group(
            ModelPackageGroupName=group,
            ModelPackageGroupDescription=f"Models of {group.removesuffix('Group')}",
            Tags=_tags({"team": team}),
        )


def create_feature_group(sagemaker: Any) -> str:
    """`customer-churn-features`: online + KMS-encrypted offline store; returns the offline URI."""
    sagemaker.create_feature_group(
        FeatureGroupName=FEATURE_GROUP,
        RecordIdentifierFeatureName="customer_id",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=ds.feature_definitions(),
        OnlineStoreConfig={
            "EnableOnlineStore": True,
            "SecurityConfig": {"KmsKeyId": FEATURE_KMS_KEY},
        },
        OfflineStoreConfig={
            "S3StorageConfig": {"S3Uri": FEATURE_STORE_URI, "KmsKeyId": FEATURE_KMS_KEY}
        },
        RoleArn=ROLE_ARN,
        Description="Churn features per customer (includes contact details for outreach).",
        Tags=_tags({"team": "customer-analytics"}),
    )
    described = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
    return described["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"]


def create_pipeline(sagemaker: Any, spec: PipelineSpec, created: datetime) -> None:
    """Create one pipeline from its inline definition and backdate its creation."""
    sagemaker.create_pipeline(
        PipelineName=spec.name,
        PipelineDisplayName=spec.name,
        PipelineDefinition=spec.definition_json,
        PipelineDescription=spec.description,
        RoleArn=ROLE_ARN,
        Tags=_tags(spec.tags),
    )
    moto_ext.set_pipeline_times(spec.region, spec.name, created=created)


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


PIPELINE_CREATED = {
    ABALONE_PIPELINE: _utc(2026, 10, 12, 9, 30),
    CHURN_PIPELINE: _utc(2026, 10, 14, 14, 5),
    FRAUD_PIPELINE: _utc(2026, 10, 20, 11, 45),
    EU_PIPELINE: _utc(2026, 10, 16, 8, 10),
}


ABALONE_FIRST = ExecutionPlan(
    ABALONE_PIPELINE,
    {"InputData": ABALONE_INPUT_DATA, "MseThreshold": "6.0"},
    _utc(2026, 11, 2, 2, 0),
    "abalone-nightly-2026-11-02",
)
CHURN_RUN = ExecutionPlan(
    CHURN_PIPELINE,
    {"ProcessingInstanceType": "ml.m5.2xlarge"},
    _utc(2026, 11, 5, 3, 0),
    "churn-features-2026-11-05",
)
EU_RUN = ExecutionPlan(
    EU_PIPELINE, {"SalesData": EU_SALES_PREFIX}, _utc(2026, 11, 6, 4, 0), "eu-demand-2026-11-06"
)


def abalone_second(first: ExecutionRecord) -> ExecutionPlan:
    """Second abalone run: new threshold/approval/batch; Process, Train and Eval hit `first`'s
    cache; the transform fails on a malformed batch file."""
    return ExecutionPlan(
        ABALONE_PIPELINE,
        {
            "InputData": ABALONE_INPUT_DATA,
            "MseThreshold": "7.5",
            "ModelApprovalStatus": "Approved",
            "BatchData": ABALONE_LATE_BATCH,
        },
        _utc(2026, 11, 10, 2, 0),
        "abalone-nightly-2026-11-10",
        cache_source=first,
        cached_steps=("AbaloneProcess", "AbaloneTrain", "AbaloneEval"),
        failing_step="AbaloneTransform",
        failure_reason=TRANSFORM_FAILURE,
    )


def run_executions(
    runtimes: Mapping[str, Runtime], specs: Mapping[str, PipelineSpec]
) -> list[ExecutionRecord]:
    """The four executions in start order."""

    def play(plan: ExecutionPlan) -> ExecutionRecord:
        """Run one plan in its pipeline's region."""
        spec = specs[plan.pipeline_name]
        return run_execution(runtimes[spec.region], spec, plan)

    first = play(ABALONE_FIRST)
    return [first, play(CHURN_RUN), play(EU_RUN), play(abalone_second(first))]


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class SeededExecution:
    """One seeded execution, as tests and the demo need to know it."""

    pipeline_name: str
    region: str
    arn: str
    status: str
    parameters: Mapping[str, str]
    step_names: tuple[str, ...]  # oldest first
    step_requests: Mapping[
        str, Mapping[str, Any]
    ]  # step -> the resolved Arguments its job ran with
    cache_source_arn: str | None
    failed_step: str | None

    @property
    def execution_id(self) -> str:
        """The last segment of the ARN."""
        return self.arn.rsplit("/", 1)[-1]

    def data_uris(self) -> list[str]:
        """Every S3 URI this execution's resolved parameters and step requests reference."""
        return s3_uris([dict(self.parameters), [dict(r) for r in self.step_requests.values()]])

    @classmethod
    def from_record(cls, record: ExecutionRecord) -> SeededExecution:
        """Summarise a runner record."""
        sources = {step.cache_source_arn for step in record.steps if step.cache_source_arn}
        failed = [step.name for step in record.steps if step.status == "Failed"]
        return cls(
            pipeline_name=record.pipeline_name,
            region=record.region,
            arn=record.arn,
            status=record.status,
            parameters=dict(record.parameters),
            step_names=tuple(step.name for step in record.steps),
            step_requests={
                step.name: step.request for step in record.steps if step.request is not None
            },
            cache_source_arn=next(iter(sources), None),
            failed_step=failed[0] if failed else None,
        )


@dataclass(frozen=True)
class SeededAccount:
    """The facts of the seeded account, for tests and the demo."""

    endpoint_url: str
    account_id: str
    regions: tuple[str, ...]
    buckets: Mapping[str, str]  # bucket -> region
    pipelines: Mapping[str, str]  # pipeline -> region
    pipeline_definitions: Mapping[str, str]  # pipeline -> definition JSON passed to CreatePipeline
    executions: tuple[SeededExecution, ...]
    domain_arn: str
    domain_id: str
    model_package_groups: tuple[str, ...]
    feature_group_name: str
    feature_group_offline_uri: str  # ResolvedOutputS3Uri
    athena_tables: Mapping[str, str]  # table -> S3 location
    raw_customer_uris: tuple[str, ...]  # csv, csv.gz, jsonl
    large_parquet_uri: str
    objects: Mapping[str, int]  # every object put -> size in bytes

    def executions_of(self, pipeline: str) -> tuple[SeededExecution, ...]:
        """The executions of one pipeline, oldest first."""
        return tuple(item for item in self.executions if item.pipeline_name == pipeline)


# --------------------------------------------------------------------------- seeding


def clients(endpoint_url: str, service: str) -> dict[str, Any]:
    """One boto3 client per region for a service, pointed at the emulator with fake credentials."""
    config = Config(retries={"max_attempts": 1})
    return {
        region: boto3.client(
            service, region_name=region, endpoint_url=endpoint_url, config=config, **CREDENTIALS
        )
        for region in REGIONS
    }


def _put_objects(
    writer: ObjectWriter, data: AccountData, specs: Mapping[str, PipelineSpec], large_rows: int
) -> None:
    """Every object that exists before the executions run."""
    objects = {
        **_customer_objects(data),
        **_order_objects(large_rows, len(data.customers)),
        **_static_objects(data),
        **_code_objects(specs),
    }
    for uri, body in objects.items():
        writer.put(uri, body)


def seed_account(
    endpoint_url: str, *, large_parquet_rows: int = LARGE_PARQUET_ROWS
) -> SeededAccount:
    """Create the demo account on the emulator at `endpoint_url` (in the server's process)."""
    if not moto_ext.is_installed():
        raise RuntimeError("moto_ext.install() must run before the server answers requests")
    s3, sagemaker = clients(endpoint_url, "s3"), clients(endpoint_url, "sagemaker")
    try:
        writer = ObjectWriter(s3[MAIN_REGION])
        for bucket in BUCKETS:
            create_bucket(s3[bucket.region], bucket)
        domain_arn, domain_id = create_domain(sagemaker[MAIN_REGION])
        create_registry(sagemaker[MAIN_REGION])
        offline_uri = create_feature_group(sagemaker[MAIN_REGION])
        specs = {spec.name: spec for spec in pipeline_specs(domain_arn, domain_id)}
        data = AccountData.generate()
        _put_objects(writer, data, specs, large_parquet_rows)
        for spec in specs.values():
            create_pipeline(sagemaker[spec.region], spec, PIPELINE_CREATED[spec.name])
        rng, content = random.Random(2026), AccountContent(data)
        runtimes = {r: Runtime(r, sagemaker[r], writer, content, rng) for r in REGIONS}
        records = run_executions(runtimes, specs)
        seed_organization(endpoint_url)
        seed_glue(endpoint_url)
        seed_athena(endpoint_url)
        seed_serving(endpoint_url)
    finally:
        for client in [*s3.values(), *sagemaker.values()]:
            client.close()
    return SeededAccount(
        endpoint_url=endpoint_url,
        account_id=ACCOUNT_ID,
        regions=REGIONS,
        buckets={bucket.name: bucket.region for bucket in BUCKETS},
        pipelines={name: spec.region for name, spec in specs.items()},
        pipeline_definitions={name: spec.definition_json for name, spec in specs.items()},
        executions=tuple(SeededExecution.from_record(record) for record in records),
        domain_arn=domain_arn,
        domain_id=domain_id,
        model_package_groups=(ABALONE_GROUP, CHURN_GROUP),
        feature_group_name=FEATURE_GROUP,
        feature_group_offline_uri=offline_uri,
        athena_tables=dict(ATHENA_TABLES),
        raw_customer_uris=RAW_CUSTOMER_URIS,
        large_parquet_uri=orders_uri(ORDERS_LARGE_DAY),
        objects=dict(writer.written),
    )
