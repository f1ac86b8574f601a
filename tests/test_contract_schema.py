"""The contract's JSON Schema holds the original service's real responses, its README's
promised shape, and rejects documents that break either."""

from __future__ import annotations

import copy

import pytest

from lineage_assets.contract.schema import contract_schema, validation_errors

# What the original service really returned (GET /lineage, view=both, includeLatestExec=true,
# includePII=true), assembled from its documented examples.
ORIGINAL_RESPONSE = {
    "domain": {},
    "pipeline": {
        "name": "churn",
        "arn": "arn:aws:sagemaker:ap-northeast-2:111122223333:pipeline/churn",
        "lastModifiedTime": "2025-11-09T01:00:00+00:00",
    },
    "summary": {
        "overallStatus": "Succeeded",
        "nodeStatus": {"Succeeded": 4, "Unknown": 1},
        "elapsedSec": 912,
    },
    "graphPipeline": {
        "nodes": [
            {
                "id": "Preprocess",
                "type": "Processing",
                "label": "Preprocess",
                "inputs": [
                    {"name": "input-1", "uri": "s3://bkt/raw/data.csv"},
                    {"name": "cfg", "uri": {"Get": "Parameters.ConfigUri"}},
                ],
                "outputs": [{"name": "train", "uri": "s3://bkt/prep/train"}],
                "run": {
                    "status": "Succeeded",
                    "startTime": "2025-11-10T04:12:33.123000+00:00",
                    "endTime": "2025-11-10T04:17:40.001000+00:00",
                    "elapsedSec": 306,
                    "jobArn": "arn:aws:sagemaker:ap-northeast-2:111122223333:processing-job/p",
                    "jobName": "p",
                    "metrics": {"validation:rmse": 2.1},
                    "reportObject": "s3://bkt/eval/report.json",
                },
                "registry": {
                    "modelPackageArn": "arn:aws:sagemaker:ap-northeast-2:1:model-package/grp/3"
                },
            },
            {"id": "Check", "type": "Condition", "label": "Check", "inputs": [], "outputs": []},
        ],
        "edges": [{"from": "Train", "to": "Evaluate", "via": "ref:Get", "label": "model, test"}],
        "artifacts": [
            {
                "id": 0,
                "uri": "s3://bkt/raw/data.csv",
                "bucket": "bkt",
                "key": "raw/data.csv",
                "s3": {
                    "bucket": "bkt",
                    "region": "ap-northeast-2",
                    "encryption": "AES256",
                    "versioning": "Disabled",
                    "publicAccess": "Blocked",
                    "tags": {"team": "ml"},
                },
                "pii": {
                    "hasPII": True,
                    "category": "identifiers",
                    "counts": {"KR_RRN": 3},
                    "detailUrl": "http://analyzer/x",
                },
                "retention": {
                    "expired": False,
                    "matchedIds": [],
                    "sources": {"rdsReport": True, "crossCheckReport": False},
                },
            }
        ],
    },
    "graphData": {
        "nodes": [
            {
                "id": "data:s3://bkt/prep/train",
                "type": "dataArtifact",
                "label": "s3://bkt/prep/train",
                "uri": "s3://bkt/prep/train",
                "meta": {"bucket": "bkt", "key": "prep/train"},
            },
            {
                "id": "process:Preprocess",
                "type": "processNode",
                "label": "Preprocess",
                "stepId": "Preprocess",
                "stepType": "Processing",
                "run": {"status": "Succeeded"},
                "registry": None,
            },
        ],
        "edges": [
            {
                "id": "e:data:s3://bkt/raw/data.csv->process:Preprocess:read",
                "source": "data:s3://bkt/raw/data.csv",
                "target": "process:Preprocess",
                "kind": "read",
            }
        ],
    },
}
ORIGINAL_RESPONSE["graph"] = ORIGINAL_RESPONSE["graphPipeline"]

# The shape its README and frontend guide promised (never produced by it).
README_EXAMPLE = {
    "summary": {
        "pipeline": "churn",
        "region": "ap-northeast-2",
        "overallStatus": "Succeeded",
        "nodeStatus": {"Succeeded": 2},
        "elapsedSec": 120,
        "steps": [
            {
                "id": "Preprocess",
                "type": "Processing",
                "inputs": ["s3://bkt/raw/data.csv"],
                "outputs": ["s3://bkt/prep/train"],
                "run": {"status": "Succeeded", "elapsedSec": 60, "metrics": {}},
                "hasSql": True,
                "sqlDst": "analytics.features",
                "sqlSources": ["analytics.orders"],
            }
        ],
    },
    "graphPipeline": {
        "nodes": [
            {
                "id": "process:Preprocess",
                "label": "Preprocess",
                "kind": "process",
                "type": "Processing",
            },
            {
                "id": "data:s3://bkt/raw/data.csv",
                "label": "data.csv",
                "kind": "data",
                "type": "dataArtifact",
            },
        ],
        "edges": [
            {"source": "data:s3://bkt/raw/data.csv", "target": "process:Preprocess", "kind": "read"}
        ],
    },
}


def test_the_original_services_real_response_is_valid():
    assert validation_errors(ORIGINAL_RESPONSE) == []
    for view_keys in (("graphPipeline", "graph"), ("graphData",)):
        only = {k: v for k, v in ORIGINAL_RESPONSE.items() if k not in view_keys}
        assert validation_errors(only) == []


def test_the_readme_example_is_valid():
    assert validation_errors(README_EXAMPLE) == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("summary", "elapsedSec"), "912", "'912' is not of type"),
        (("graphPipeline", "edges", 0), {"via": "dependsOn"}, "is not valid under any"),
        (("graphData", "edges", 0, "kind"), "reads", "is not one of"),
        (("graphPipeline", "artifacts", 0, "s3"), {"bucket": "bkt"}, "'region' is a required"),
        (("graphPipeline", "nodes", 0, "run", "status"), None, "None is not of type"),
    ],
)
def test_broken_documents_are_rejected(path, value, message):
    document = copy.deepcopy(ORIGINAL_RESPONSE)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = validation_errors(document)
    assert any(message in error for error in errors), errors


def test_a_document_without_any_graph_is_rejected():
    assert validation_errors({"summary": {}}) != []


def test_every_api_answer_has_a_definition():
    names = set(contract_schema()["$defs"])
    assert {
        "lineage",
        "pipelines",
        "byDomain",
        "datasetSchema",
        "schemaVersions",
        "sqlLineage",
        "graph",
        "impact",
        "piiExposure",
        "snapshots",
        "snapshotDiff",
        "error",
        "health",
    } <= names
    with pytest.raises(KeyError):
        validation_errors({}, "noSuchAnswer")
