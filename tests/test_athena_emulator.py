"""The emulator answers today's boto3 Athena reads with botocore's shapes and AWS's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from lineage_dev.emulator import athena as athena_ext
from lineage_dev.emulator.seed import SeededAccount
from tests.support.athena import CountingFactory

REGION = "us-east-1"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _seed(account: str, count: int, workgroup: str = "etl") -> list[str]:
    backend = athena_ext.backend_for(account, REGION)
    return [
        athena_ext.record_query_execution(
            backend,
            query=f"INSERT INTO t SELECT {i}",
            workgroup=workgroup,
            submitted=T0 + timedelta(minutes=i),
            completed=T0 + timedelta(minutes=i, seconds=4),
            database="sales",
            output_location="s3://athena-results/etl",
        )
        for i in range(count)
    ]


def test_listing_is_paged_newest_first_per_workgroup(aws_env: SeededAccount) -> None:
    account = "310000000001"
    seeded = _seed(account, 120)
    _seed(account, 3, workgroup="other")
    factory = CountingFactory(account)
    athena = factory.client("athena", REGION)
    pages = list(athena.get_paginator("list_query_executions").paginate(WorkGroup="etl"))
    listed = [i for page in pages for i in page["QueryExecutionIds"]]
    assert listed == list(reversed(seeded))
    assert [len(page["QueryExecutionIds"]) for page in pages] == [50, 50, 20]
    assert factory.calls["ListQueryExecutions"] == 3
    names = [group["Name"] for group in athena.list_work_groups()["WorkGroups"]]
    assert names == ["etl", "other", "primary"]
    # No WorkGroup: the primary workgroup, as on AWS (empty here).
    assert athena.list_query_executions()["QueryExecutionIds"] == []


def test_batch_get_returns_real_shapes_and_unprocessed_ids(aws_env: SeededAccount) -> None:
    account = "310000000002"
    seeded = _seed(account, 2)
    athena = CountingFactory(account).client("athena", REGION)
    answer = athena.batch_get_query_execution(QueryExecutionIds=[*seeded, "not-an-id"])
    first = answer["QueryExecutions"][0]
    assert first["QueryExecutionId"] == seeded[0]
    assert first["StatementType"] == "DML"
    assert first["QueryExecutionContext"] == {"Database": "sales", "Catalog": "AwsDataCatalog"}
    assert first["Status"]["State"] == "SUCCEEDED"
    assert first["Status"]["SubmissionDateTime"] == T0
    assert first["ResultConfiguration"]["OutputLocation"] == (
        f"s3://athena-results/etl/{seeded[0]}.csv"
    )
    assert first["EngineVersion"]["EffectiveEngineVersion"] == "Athena engine version 3"
    assert [u["QueryExecutionId"] for u in answer["UnprocessedQueryExecutionIds"]] == ["not-an-id"]
    assert (
        athena.get_query_execution(QueryExecutionId=seeded[1])["QueryExecution"]
        == (answer["QueryExecutions"][1])
    )


def test_aws_limits_are_enforced(aws_env: SeededAccount) -> None:
    account = "310000000003"
    seeded = _seed(account, 51)
    athena = CountingFactory(account).client("athena", REGION)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        athena.batch_get_query_execution(QueryExecutionIds=seeded)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        athena.list_query_executions(WorkGroup="etl", MaxResults=51)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        athena.list_query_executions(WorkGroup="etl", NextToken="bm90LWFuLWlk")
    with pytest.raises(ClientError, match="InvalidRequestException"):
        athena.list_query_executions(WorkGroup="no-such-group")
    with pytest.raises(ClientError, match="InvalidRequestException"):
        athena.get_query_execution(QueryExecutionId="missing")


def test_failed_and_started_executions(aws_env: SeededAccount) -> None:
    account = "310000000004"
    backend = athena_ext.backend_for(account, REGION)
    failed = athena_ext.record_query_execution(
        backend,
        query="SELECT * FROM nowhere",
        workgroup="primary",
        submitted=T0,
        completed=T0 + timedelta(seconds=1),
        state="FAILED",
        reason="TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.default.nowhere' does not exist",
    )
    athena = CountingFactory(account).client("athena", REGION)
    started = athena.start_query_execution(
        QueryString="CREATE EXTERNAL TABLE x (a int) LOCATION 's3://b/x/'",
        WorkGroup="primary",
        QueryExecutionContext={"Database": "default"},
    )["QueryExecutionId"]
    assert athena.list_query_executions()["QueryExecutionIds"] == [started, failed]
    status = athena.get_query_execution(QueryExecutionId=failed)["QueryExecution"]["Status"]
    assert status["State"] == "FAILED"
    assert status["AthenaError"]["ErrorMessage"].startswith("TABLE_NOT_FOUND")
    execution = athena.get_query_execution(QueryExecutionId=started)["QueryExecution"]
    assert execution["StatementType"] == "DDL"


def test_statement_types() -> None:
    assert athena_ext.statement_type("CREATE TABLE a AS SELECT 1") == "DDL"
    assert athena_ext.statement_type("  (SELECT 1)") == "DML"
    assert athena_ext.statement_type("UNLOAD (SELECT 1) TO 's3://b/'") == "DML"
    assert athena_ext.statement_type("explain select 1") == "UTILITY"


def test_canary_moto_athena_internals(aws_env: SeededAccount) -> None:
    """moto growing these operations natively, or moving what we patch, fails here."""
    assert athena_ext.is_installed()
    assert athena_ext.natively_implemented() == []
    assert athena_ext.missing_originals() == []
