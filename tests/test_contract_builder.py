"""The contract builder on a store written through the real writer: one definition and one
execution per document, never mixed (after UpdatePipeline the newest execution still ran the
old definition), close matches for unknown names, and every document valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from lineage_assets.contract import Request, UnknownName, build_lineage
from lineage_assets.contract.schema import validation_errors
from lineage_assets.retention.load import load_reports
from lineage_assets.store import LineageStore, SourceRecords, Upsert

REGION, NAME = "us-east-1", "Churn"
ARN = f"arn:aws:sagemaker:{REGION}:1:pipeline/{NAME}"
START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def definition(extra_input: bool) -> str:
    inputs = [{"InputName": "raw", "S3Input": {"S3Uri": "s3://Raw-Bucket/Customers/"}}]
    if extra_input:
        inputs.append({"InputName": "extra", "S3Input": {"S3Uri": "s3://raw-bucket/extra/"}})
    return json.dumps(
        {
            "Version": "2020-12-01",
            "Parameters": [{"Name": "Out", "Type": "String", "DefaultValue": "s3://art/def/"}],
            "Steps": [
                {
                    "Name": "Prep",
                    "Type": "Processing",
                    "Arguments": {
                        "ProcessingInputs": inputs,
                        "ProcessingOutputConfig": {
                            "Outputs": [
                                {
                                    "OutputName": "out",
                                    "S3Output": {"S3Uri": {"Get": "Parameters.Out"}},
                                }
                            ]
                        },
                    },
                }
            ],
        }
    )


@pytest.fixture
def store(tmp_path):
    """The current definition has an extra input the only execution never saw."""
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        records = SourceRecords(f"sagemaker:1/{REGION}/{NAME}", "sagemaker_pipeline", NAME)
        records.add(
            "sagemaker_pipelines",
            [
                {
                    "account_id": "1",
                    "region": REGION,
                    "pipeline_name": NAME,
                    "pipeline_arn": ARN,
                    "definition_hash": "new",
                    "last_modified_at": START + timedelta(days=1),
                }
            ],
        )
        execution = f"{ARN}/execution/abc123"
        records.add(
            "sagemaker_executions",
            [
                {
                    "pipeline_arn": ARN,
                    "execution_arn": execution,
                    "execution_id": "abc123",
                    "status": "Succeeded",
                    "started_at": START,
                    "definition_hash": "old",
                }
            ],
        )
        records.add(
            "sagemaker_execution_parameters",
            [
                {
                    "execution_arn": execution,
                    "name": "Out",
                    "value": "s3://art/run/",
                    "is_override": True,
                }
            ],
        )
        records.add(
            "sagemaker_step_runs",
            [
                {
                    "execution_arn": execution,
                    "step_name": "Prep",
                    "status": "Succeeded",
                    "started_at": START,
                    "ended_at": START + timedelta(seconds=90),
                }
            ],
        )
        records.history.append(
            Upsert(
                "sagemaker_pipeline_versions",
                ("pipeline_arn", "definition_hash"),
                [
                    {
                        "pipeline_arn": ARN,
                        "definition_hash": h,
                        "definition": definition(h == "new"),
                    }
                    for h in ("old", "new")
                ],
            )
        )
        store.replace_source(records)
        yield store


@pytest.fixture
def conn(store):
    return store.conn


def inputs(document):
    (node,) = document["graphPipeline"]["nodes"]
    return {i["name"]: i["uri"] for i in node["inputs"]}


def test_the_latest_execution_shows_the_definition_it_ran_with_its_parameters(conn):
    document = build_lineage(conn, Request(NAME, REGION, include_latest_execution=True))
    assert validation_errors(document) == []
    assert set(inputs(document)) == {"raw"}  # not the input added afterwards
    (node,) = document["graphPipeline"]["nodes"]
    assert node["run"]["status"] == "Succeeded" and node["run"]["elapsedSec"] == 90
    assert node["outputs"][0]["uri"] == "s3://art/run/"  # the execution's value, not the default
    assert document["execution"]["definitionIsCurrent"] is False
    assert any("definition changed" in w for w in document["warnings"])
    assert document["summary"]["elapsedSec"] == 90


def test_without_an_execution_the_current_definition_is_shown_not_run(conn):
    document = build_lineage(conn, Request(NAME, REGION, include_latest_execution=False))
    assert validation_errors(document) == []
    assert set(inputs(document)) == {"raw", "extra"}
    (node,) = document["graphPipeline"]["nodes"]
    assert node["run"] == {"status": "NotRun"}
    assert node["outputs"][0]["uri"] == "s3://art/def/"
    assert document["execution"] is None and document["summary"]["overallStatus"] == "Unknown"


def test_uris_keep_their_case_and_views_carry_only_their_graphs(conn):
    data = build_lineage(conn, Request(NAME, view="data"))
    assert validation_errors(data) == []
    assert "graphPipeline" not in data and "graph" not in data
    assert "data:s3://Raw-Bucket/Customers/" in {n["id"] for n in data["graphData"]["nodes"]}
    pipeline = build_lineage(conn, Request(NAME, view="pipeline"))
    assert "graphData" not in pipeline and pipeline["graph"] is pipeline["graphPipeline"]
    with pytest.raises(ValueError, match="view must be one of"):
        build_lineage(conn, Request(NAME, view="graph"))


def test_unknown_names_list_close_matches(conn):
    with pytest.raises(UnknownName) as error:
        build_lineage(conn, Request("churn"))
    assert error.value.matches == [NAME]
    with pytest.raises(UnknownName) as error:
        build_lineage(conn, Request(NAME, execution="abc124"))
    assert error.value.matches == ["abc123"]
    with pytest.raises(UnknownName):
        build_lineage(conn, Request(NAME, region="eu-west-1"))


def test_an_artifact_whose_object_holds_a_deleted_id_is_expired(store, tmp_path):
    deleted = "subject-8001011234567"
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "rds-auto.json").write_text(
        json.dumps({"items": [{"user_id": deleted, "status": "deleted"}]})
    )
    (reports / "xcheck.json").write_text(
        json.dumps(
            {"items": [{"s3_uri": "s3://Raw-Bucket/Customers/part-0.csv", "ids": [deleted]}]}
        )
    )
    assert not load_reports(store, [f"{reports}/"]).problems()
    document = build_lineage(store.conn, Request(NAME, REGION))
    retention = {a["uri"]: a["retention"] for a in document["graphPipeline"]["artifacts"]}
    assert retention["s3://Raw-Bucket/Customers/"]["expired"] is True
    assert retention["s3://Raw-Bucket/Customers/"]["matchedCount"] == 1
    assert retention["s3://art/run/"]["expired"] is False
    assert deleted not in json.dumps(document)
    assert validation_errors(document) == []
