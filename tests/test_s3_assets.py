"""The Dagster layer of S3 schemas: the asset samples URIs from the store and configured
prefixes into a real DuckDB store, the drift and DSPM checks judge it, and the ad hoc scan job
samples one URI given in run config."""

from __future__ import annotations

import io
import uuid

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.defs.s3.assets import s3_bucket_posture, s3_dataset_schemas
from dagster_project.defs.s3.checks import s3_pii_bucket_protection, s3_schema_drift
from dagster_project.defs.s3.jobs import s3_schema_scan_job
from dagster_project.defs.store.assets import crawl_run
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource
from lineage_assets import aws, config
from lineage_assets.store import LineageStore, SourceRecords


@pytest.fixture
def resources(aws_env, tmp_path):
    """The two resources against the emulator and a fresh data folder."""
    return {
        "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
        "aws": AwsResource(regions="us-east-1"),
    }


@pytest.fixture
def bucket(aws_env):
    """A fresh bucket with default encryption and a full public-access block, deleted after
    the test (other tests count the seeded account's buckets)."""
    s3 = aws.client("s3")
    name = f"s3w-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    s3.put_public_access_block(
        Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
    )
    yield s3, name
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=name)


def put_parquet(s3, bucket: str, key: str, columns: dict[str, list]) -> None:
    """Write one Parquet object."""
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    s3.put_object(Bucket=bucket, Key=key, Body=sink.getvalue())


def materialize(resources, prefixes: list[str]) -> dg.ExecuteInProcessResult:
    """Posture, then schemas with their checks, in one run."""
    return dg.materialize(
        [
            crawl_run,
            s3_bucket_posture,
            s3_dataset_schemas,
            s3_schema_drift,
            s3_pii_bucket_protection,
        ],
        resources=resources,
        run_config={"ops": {"s3_dataset_schemas": {"config": {"prefixes": prefixes}}}},
        raise_on_error=False,
    )


def checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    """Check evaluations by check name."""
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_the_asset_samples_store_uris_and_prefixes_and_flags_exposed_pii(
    aws_env, resources, bucket, tmp_path
):
    s3, name = bucket
    put_parquet(s3, name, "clean/a.parquet", {"id": [1], "amount": [2.5]})
    customers = aws_env.raw_customer_uris[0].rsplit("/", 1)[0] + "/"
    with LineageStore.open(config.duckdb_path(tmp_path)) as store:
        store.replace_source(
            SourceRecords("sagemaker:123456789012/us-east-1/churn", "sagemaker_pipeline").add(
                "sagemaker_step_io",
                [
                    {
                        "account_id": "123456789012",
                        "region": "us-east-1",
                        "pipeline_name": "churn",
                        "step_name": "Prep",
                        "direction": "input",
                        "uri": customers,
                        "provenance": "declared",
                    }
                ],
            )
        )
    result = materialize(resources, [f"s3://{name}/clean/"])
    assert result.success
    metadata = result.asset_materializations_for_node("s3_dataset_schemas")[0].metadata
    assert metadata["dagster/row_count"].value == 2
    assert metadata["bytes_read"].value > 0
    schema = metadata[f"schema s3://{name}/clean/"].value
    assert [c.name for c in schema.columns] == ["id", "amount"]
    found = checks(result)
    assert found["s3_schema_drift"].passed
    protection = found["s3_pii_bucket_protection"]
    assert not protection.passed and protection.severity == dg.AssetCheckSeverity.ERROR
    findings = protection.metadata["findings"].value.records
    assert [r.data["dataset"] for r in findings] == [customers]  # the encrypted bucket passes
    assert findings[0].data["encryption"] == "none"
    assert s3_dataset_schemas.op.pool == DUCKDB_POOL


def test_drift_check_warns_on_additive_and_errors_on_breaking_changes(resources, bucket):
    s3, name = bucket
    uri = f"s3://{name}/drifting/"
    put_parquet(s3, name, "drifting/a.parquet", {"id": [1], "kind": ["a"]})
    assert checks(materialize(resources, [uri]))["s3_schema_drift"].passed
    put_parquet(s3, name, "drifting/a.parquet", {"id": [1], "kind": ["a"], "extra": [1.0]})
    additive = checks(materialize(resources, [uri]))["s3_schema_drift"]
    assert not additive.passed and additive.severity == dg.AssetCheckSeverity.WARN
    assert additive.metadata["breaking"].value == 0
    put_parquet(s3, name, "drifting/a.parquet", {"id": [1], "extra": [1.0]})
    breaking = checks(materialize(resources, [uri]))["s3_schema_drift"]
    assert not breaking.passed and breaking.severity == dg.AssetCheckSeverity.ERROR
    assert "column_removed `kind`" in breaking.metadata["drift"].value


def test_the_scan_job_samples_one_uri_and_publishes(resources, bucket, tmp_path):
    s3, name = bucket
    put_parquet(s3, name, "adhoc/a.parquet", {"x": [1]})
    result = s3_schema_scan_job.execute_in_process(
        run_config={"ops": {"scan_s3_dataset": {"config": {"s3_uri": f"s3://{name}/adhoc/"}}}},
        resources=resources,
    )
    assert result.success
    conn = duckdb.connect(str(config.published_path(tmp_path)), read_only=True)
    rows = conn.execute("SELECT dataset_uri, format FROM s3_datasets").fetchall()
    conn.close()
    assert rows == [(f"s3://{name}/adhoc/", "parquet")]
    failed = s3_schema_scan_job.execute_in_process(
        run_config={"ops": {"scan_s3_dataset": {"config": {"s3_uri": f"s3://{name}-no/x/"}}}},
        resources=resources,
        raise_on_error=False,
    )
    assert not failed.success
