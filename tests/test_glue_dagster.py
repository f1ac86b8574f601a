"""The Glue Dagster layer against the emulator and a temporary store: `glue_catalog` crawls
every configured account's catalog, the S3 schemas sample its locations in the same run, and
`glue_schema_drift` passes on the seeded member account and fails on a real mismatch."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from dagster_project.defs.glue.assets import glue_catalog
from dagster_project.defs.glue.checks import glue_schema_drift
from dagster_project.defs.s3.assets import s3_dataset_schemas
from dagster_project.defs.store.assets import crawl_run
from dagster_project.resources import AwsResource, LineageStoreResource
from lineage_dev.emulator import datasets as ds
from lineage_dev.emulator import seed_athena
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_ROLE_NAME
from lineage_dev.emulator.seed_glue import GLUE_REGION, RAW_LOCATION
from tests.support.glue_catalog import AccountClients, columns, parquet_table


def _run(tmp_path, accounts: str) -> dg.ExecuteInProcessResult:
    resources = {
        "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
        "aws": AwsResource(regions=GLUE_REGION, accounts=accounts, role_name=MEMBER_ROLE_NAME),
    }
    return dg.materialize(
        [crawl_run, glue_catalog, s3_dataset_schemas, glue_schema_drift],
        resources=resources,
        raise_on_error=False,
    )


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "glue_schema_drift"
    ]
    return evaluation


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = result.asset_materializations_for_node("glue_catalog")
    return {k: v.value for k, v in event.metadata.items()}


def test_the_member_catalog_is_crawled_sampled_and_matches(aws_env, tmp_path):
    result = _run(tmp_path, MEMBER_ACCOUNT_ID)
    assert result.success
    metadata = _metadata(result)
    # the raw table and view, and what the seeded Athena CTAS and CREATE VIEW registered
    expected = 2 + len(seed_athena.GLUE_TABLES)
    assert metadata["tables_written"] == expected and metadata["errors"] == 0
    sampled = [
        e
        for e in result.asset_materializations_for_node("s3_dataset_schemas")
        if RAW_LOCATION in str(e.metadata)
    ]
    assert sampled, "the Glue table's location is sampled in the same run"
    assert _check(result).passed


def test_the_drift_check_fails_on_a_declared_schema_the_data_contradicts(aws_env, tmp_path):
    account = "210000000041"
    clients = AccountClients(account)
    s3 = clients("s3", GLUE_REGION)
    s3.create_bucket(Bucket="glue-dagster-drift")
    data = pa.table(
        {"event_id": pa.array([1, 2], pa.int64()), "ip_address": ["1.2.3.4", "5.6.7.8"]}
    )
    s3.put_object(Bucket="glue-dagster-drift", Key="events/p.parquet", Body=ds.parquet_bytes(data))
    glue = clients.glue()
    glue.create_database(DatabaseInput={"Name": "web"})
    glue.create_table(
        DatabaseName="web",
        TableInput=parquet_table(
            "events", "s3://glue-dagster-drift/events/", columns(("event_id", "int"))
        ),
    )
    evaluation = _check(_run(tmp_path, account))
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    text = str(evaluation.metadata["drift"].value)
    assert "event_id: declared int, data has int64" in text
    assert "ip_address: in the data (string), not declared" in text
