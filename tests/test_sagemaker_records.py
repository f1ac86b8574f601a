"""Store records of a listed pipeline and of a region's Studio domains, built without AWS."""

from __future__ import annotations

import json

from lineage_assets.sagemaker.inventory import Domain, Pipeline
from lineage_assets.sagemaker.records import domain_records, pipeline_records
from lineage_dev.emulator.definitions import ACCOUNT_ID

DEFINITION = json.dumps(
    {
        "Parameters": [
            {"Name": "InputUri", "Type": "String", "DefaultValue": "s3://b/in/"},
            {"Name": "Mode", "Type": "String", "EnumValues": ["a", "b"]},
            {"Type": "String"},
        ],
        "Steps": [
            {
                "Name": "Prepare",
                "Type": "Processing",
                "Arguments": {"Environment": {"DB_PASSWORD": "hunter2"}},
            }
        ],
    }
)


def test_pipeline_records_hold_the_row_parameters_and_a_redacted_definition_version():
    domain = Domain(ACCOUNT_ID, "eu-west-1", "d-1", "ML", "arn:domain/d-1")
    pipeline = Pipeline(
        ACCOUNT_ID, "eu-west-1", "Demand", "arn:pipeline/demand", DEFINITION, domain=domain
    )

    records = pipeline_records(pipeline)

    assert (records.source_key, records.source_kind) == (
        f"sagemaker:{ACCOUNT_ID}/eu-west-1/Demand",
        "sagemaker_pipeline",
    )
    [row] = records.rows["sagemaker_pipelines"]
    assert (row["domain_id"], row["definition_hash"]) == ("d-1", pipeline.definition_hash)
    assert (row["account_id"], row["region"]) == (ACCOUNT_ID, "eu-west-1")
    parameters = records.rows["sagemaker_pipeline_parameters"]
    assert [(p["name"], p["default_value"], p["enum_values"]) for p in parameters] == [
        ("InputUri", "s3://b/in/", None),
        ("Mode", None, ["a", "b"]),
    ]
    [version] = records.history
    stored = version.rows[0]["definition"]
    assert "hunter2" not in stored and json.loads(stored)["Steps"][0]["Name"] == "Prepare"


def test_a_definition_that_is_not_json_is_stored_as_a_json_string_without_parameters():
    records = pipeline_records(Pipeline(ACCOUNT_ID, "r", "Odd", "arn:odd", "not { json"))

    assert records.rows["sagemaker_pipeline_parameters"] == []
    assert json.loads(records.history[0].rows[0]["definition"]) == "not { json"


def test_domain_records_are_one_source_per_region():
    domains = [
        Domain(ACCOUNT_ID, "eu-west-1", "d-1", "ML", "arn:d-1"),
        Domain(ACCOUNT_ID, "eu-west-1", "d-2", None, None),
    ]

    records = domain_records(ACCOUNT_ID, "eu-west-1", domains)

    assert (records.source_key, records.source_kind) == (
        f"sagemaker_domains:{ACCOUNT_ID}/eu-west-1",
        "sagemaker_domains",
    )
    assert [r["domain_id"] for r in records.rows["sagemaker_domains"]] == ["d-1", "d-2"]
