"""The definition resolver on definitions written by hand from sagemaker-definitions.md (every
step type and expression form) and on the seeded account's four real-format definitions."""

from __future__ import annotations

import copy
import json
import random

import pytest

from lineage_assets.contract.definition import pipeline_lineage
from lineage_assets.sagemaker.resolver import resolve_definition
from lineage_dev.emulator import definitions as seeded

BUCKET = "s3://lake"


def join(on, *values):
    return {"Std:Join": {"On": on, "Values": list(values)}}


def get(path):
    return {"Get": path}


def io(result, step, direction="inputs"):
    node = next(n for n in result["graphPipeline"]["nodes"] if n["id"] == step)
    return {entry["name"]: entry["uri"] for entry in node[direction]}


def edges(result):
    return {(e["from"], e["to"], e["via"]) for e in result["graphPipeline"]["edges"]}


def processing(name, inputs, outputs, **extras):
    return {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "ProcessingInputs": [
                {"InputName": k, "S3Input": {"S3Uri": v, "LocalPath": "/in"}}
                for k, v in inputs.items()
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {"OutputName": k, "S3Output": {"S3Uri": v, "LocalPath": "/out"}}
                    for k, v in outputs.items()
                ]
            },
        },
        **extras,
    }


def output_ref(step, name):
    return get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri")


# A definition with every step type, nested conditions two levels deep and every expression form.
EVERY_TYPE = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "Input", "Type": "String", "DefaultValue": f"{BUCKET}/raw/"},
        {"Name": "Threshold", "Type": "Float", "DefaultValue": 0.5},
        {"Name": "Deploy", "Type": "Boolean", "DefaultValue": False},
    ],
    "PipelineExperimentConfig": None,
    "Steps": [
        {
            "Name": "Prep",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [
                    {"InputName": "raw", "S3Input": {"S3Uri": get("Parameters.Input")}},
                    {
                        "InputName": "orders",
                        "DatasetDefinition": {
                            "AthenaDatasetDefinition": {
                                "QueryString": "SELECT * FROM sales.orders",
                                "OutputS3Uri": f"{BUCKET}/athena/",
                            }
                        },
                    },
                    {
                        "InputName": "dwh",
                        "DatasetDefinition": {
                            "RedshiftDatasetDefinition": {
                                "QueryString": "SELECT id FROM dwh.customers",
                                "OutputS3Uri": f"{BUCKET}/redshift/",
                            }
                        },
                    },
                ],
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {
                            "OutputName": "train",
                            "S3Output": {
                                "S3Uri": join(
                                    "/",
                                    "s3:/",
                                    "lake",
                                    get("Execution.PipelineExecutionId"),
                                    get("PipelineExperimentConfig.TrialName"),
                                    "train",
                                )
                            },
                        },
                        {"OutputName": "fs", "FeatureStoreOutput": {"FeatureGroupName": "fg"}},
                    ]
                },
            },
        },
        {
            "Name": "Train",
            "Type": "Training",
            "Arguments": {
                "InputDataConfig": [
                    {
                        "ChannelName": "train",
                        "DataSource": {"S3DataSource": {"S3Uri": output_ref("Prep", "train")}},
                    }
                ],
                "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/models"},
            },
        },
        {
            "Name": "Tune",
            "Type": "Tuning",
            "DependsOn": ["Prep"],
            "Arguments": {
                "TrainingJobDefinition": {
                    "InputDataConfig": [
                        {
                            "ChannelName": "all",
                            "DataSource": {"S3DataSource": {"S3Uri": f"{BUCKET}/all/"}},
                        }
                    ],
                    "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/tuning"},
                }
            },
        },
        {
            "Name": "Auto",
            "Type": "AutoML",
            "Arguments": {
                "AutoMLJobInputDataConfig": [
                    {
                        "ChannelType": "training",
                        "DataSource": {"S3DataSource": {"S3Uri": f"{BUCKET}/automl/in"}},
                    }
                ],
                "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/automl/out"},
            },
        },
        {
            "Name": "Emr",
            "Type": "EMR",
            "Arguments": {
                "ClusterId": "j-1",
                "StepConfig": {
                    "HadoopJarStep": {
                        "Jar": f"{BUCKET}/jars/job.jar",
                        "Args": ["--in", f"{BUCKET}/emr/in", "--verbose"],
                    }
                },
            },
        },
        {
            "Name": "Quality",
            "Type": "QualityCheck",
            "CheckType": "DATA_QUALITY",
            "SuppliedBaselineStatistics": f"{BUCKET}/baseline/statistics.json",
            "Arguments": {
                "ProcessingInputs": [
                    {"InputName": "baseline", "S3Input": {"S3Uri": output_ref("Prep", "train")}}
                ],
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {"OutputName": "result", "S3Output": {"S3Uri": f"{BUCKET}/quality"}}
                    ]
                },
            },
        },
        {
            "Name": "Bias",
            "Type": "ClarifyCheck",
            "CheckType": "DATA_BIAS",
            "Arguments": {
                "ProcessingInputs": [
                    {"InputName": "dataset", "S3Input": {"S3Uri": f"{BUCKET}/raw/"}}
                ],
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {"OutputName": "analysis", "S3Output": {"S3Uri": f"{BUCKET}/clarify"}}
                    ]
                },
            },
        },
        {
            "Name": "Gate",
            "Type": "Condition",
            "Arguments": {
                "Conditions": [
                    {
                        "Type": "GreaterThanOrEqualTo",
                        "LeftValue": {
                            "Std:JsonGet": {
                                "PropertyFile": get("Steps.Quality.PropertyFiles.Report"),
                                "Path": "metrics.auc",
                            }
                        },
                        "RightValue": get("Parameters.Threshold"),
                    }
                ],
                "IfSteps": [
                    {
                        "Name": "Deploy",
                        "Type": "Condition",
                        "Arguments": {
                            "Conditions": [
                                {
                                    "Type": "Equals",
                                    "LeftValue": get("Parameters.Deploy"),
                                    "RightValue": True,
                                }
                            ],
                            "IfSteps": [
                                {
                                    "Name": "Make-CreateModel",
                                    "Type": "Model",
                                    "Arguments": {
                                        "PrimaryContainer": {
                                            "ModelDataUrl": get(
                                                "Steps.Train.ModelArtifacts.S3ModelArtifacts"
                                            )
                                        }
                                    },
                                },
                                {
                                    "Name": "Batch",
                                    "Type": "Transform",
                                    "Arguments": {
                                        "ModelName": get("Steps.Make-CreateModel.ModelName"),
                                        "TransformInput": {
                                            "DataSource": {
                                                "S3DataSource": {"S3Uri": f"{BUCKET}/batch/"}
                                            }
                                        },
                                        "TransformOutput": {"S3OutputPath": f"{BUCKET}/scored/"},
                                    },
                                },
                            ],
                            "ElseSteps": [],
                        },
                    },
                    {
                        "Name": "Reg-RegisterModel",
                        "Type": "RegisterModel",
                        "Arguments": {
                            "ModelPackageGroupName": "g",
                            "InferenceSpecification": {
                                "Containers": [
                                    {
                                        "ModelDataUrl": get(
                                            "Steps.Train.ModelArtifacts.S3ModelArtifacts"
                                        )
                                    }
                                ]
                            },
                            "ModelMetrics": {
                                "ModelQuality": {
                                    "Statistics": {"S3Uri": f"{BUCKET}/quality/statistics.json"}
                                }
                            },
                        },
                    },
                ],
                "ElseSteps": [
                    {
                        "Name": "Notify",
                        "Type": "Lambda",
                        "FunctionArn": "arn:aws:lambda:us-east-1:1:function:f",
                        "Arguments": {
                            "report": join("/", output_ref("Prep", "train"), "report.json"),
                            "retries": 3,
                        },
                    },
                    {
                        "Name": "Wait",
                        "Type": "Callback",
                        "SqsQueueUrl": "https://sqs/q",
                        "Arguments": {"path": f"{BUCKET}/callback/in"},
                    },
                    {
                        "Name": "Stop",
                        "Type": "Fail",
                        "Arguments": {
                            "ErrorMessage": join(" ", "below", get("Parameters.Threshold"))
                        },
                    },
                ],
            },
        },
    ],
}


def test_every_step_type_is_a_node_including_nested_branches():
    result = pipeline_lineage(EVERY_TYPE)
    nodes = {n["id"]: n for n in result["graphPipeline"]["nodes"]}
    assert {name: node["type"] for name, node in nodes.items()} == {
        "Prep": "Processing",
        "Train": "Training",
        "Tune": "Tuning",
        "Auto": "AutoML",
        "Emr": "EMR",
        "Quality": "QualityCheck",
        "Bias": "ClarifyCheck",
        "Gate": "Condition",
        "Deploy": "Condition",
        "Make-CreateModel": "Model",
        "Batch": "Transform",
        "Reg-RegisterModel": "RegisterModel",
        "Notify": "Lambda",
        "Wait": "Callback",
        "Stop": "Fail",
    }
    assert (nodes["Batch"]["parent"], nodes["Batch"]["branch"]) == ("Deploy", "IfSteps")
    assert (nodes["Deploy"]["parent"], nodes["Stop"]["branch"]) == ("Gate", "ElseSteps")
    assert result["warnings"] == []


def test_inputs_and_outputs_per_step_type():
    result = pipeline_lineage(EVERY_TYPE)
    train_uri = "s3://lake/{Execution.PipelineExecutionId}/{Execution.PipelineExecutionId}/train"
    model = "{Steps.Train.ModelArtifacts.S3ModelArtifacts}"
    assert io(result, "Prep") == {
        "raw": f"{BUCKET}/raw/",
        "orders": f"{BUCKET}/athena/",
        "dwh": f"{BUCKET}/redshift/",
    }
    assert io(result, "Prep", "outputs") == {
        "train": train_uri,
        "fs": "{FeatureGroup.fg.OfflineStore}",
        "train/report.json": f"{train_uri}/report.json",  # what Notify reads inside train/
    }
    assert io(result, "Train") == {"train": train_uri}
    assert io(result, "Train", "outputs") == {"output": f"{BUCKET}/models", "model": model}
    assert io(result, "Tune") == {"all": f"{BUCKET}/all/"}
    assert io(result, "Tune", "outputs") == {"output": f"{BUCKET}/tuning"}
    assert io(result, "Auto") == {"training": f"{BUCKET}/automl/in"}
    assert io(result, "Auto", "outputs") == {"output": f"{BUCKET}/automl/out"}
    assert io(result, "Emr") == {"jar": f"{BUCKET}/jars/job.jar", "arg-1": f"{BUCKET}/emr/in"}
    assert io(result, "Quality") == {
        "baseline": train_uri,
        "SuppliedBaselineStatistics": f"{BUCKET}/baseline/statistics.json",
    }
    assert io(result, "Bias", "outputs") == {"analysis": f"{BUCKET}/clarify"}
    assert io(result, "Make-CreateModel") == {"model": model}
    assert io(result, "Batch") == {"input": f"{BUCKET}/batch/"}
    assert io(result, "Batch", "outputs") == {"output": f"{BUCKET}/scored/"}
    assert io(result, "Reg-RegisterModel") == {
        "model": model,
        "ModelQuality.Statistics": f"{BUCKET}/quality/statistics.json",
    }
    assert io(result, "Notify") == {"report": f"{train_uri}/report.json"}  # `retries` is no data
    assert io(result, "Wait") == {"path": f"{BUCKET}/callback/in"}
    assert io(result, "Stop") == {} and io(result, "Gate") == {}


def test_dataset_definitions_keep_their_query():
    node = next(
        n for n in pipeline_lineage(EVERY_TYPE)["graphPipeline"]["nodes"] if n["id"] == "Prep"
    )
    queries = {i["name"]: (i["engine"], i["queryString"]) for i in node["inputs"] if "engine" in i}
    assert queries == {
        "orders": ("athena", "SELECT * FROM sales.orders"),
        "dwh": ("redshift", "SELECT id FROM dwh.customers"),
    }


def test_edges_from_depends_on_references_and_branches_are_deduplicated():
    result = pipeline_lineage(EVERY_TYPE)
    prop = "ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    assert edges(result) == {
        ("Prep", "Train", prop),
        ("Prep", "Tune", "dependsOn"),
        ("Prep", "Quality", prop),
        ("Quality", "Gate", "PropertyFiles.Report"),
        ("Gate", "Deploy", "if"),
        ("Deploy", "Make-CreateModel", "if"),
        ("Train", "Make-CreateModel", "ModelArtifacts.S3ModelArtifacts"),
        ("Deploy", "Batch", "if"),
        ("Make-CreateModel", "Batch", "ModelName"),
        ("Gate", "Reg-RegisterModel", "if"),
        ("Train", "Reg-RegisterModel", "ModelArtifacts.S3ModelArtifacts"),
        ("Gate", "Notify", "else"),
        ("Prep", "Notify", prop),
        ("Gate", "Wait", "else"),
        ("Gate", "Stop", "else"),
    }
    pairs = [(e["from"], e["to"], e["kind"]) for e in result["graphPipeline"]["edges"]]
    assert len(pairs) == len(set(pairs))


def test_depends_on_and_reference_to_the_same_step_stay_two_kinds_but_one_each():
    definition = {
        "Parameters": [],
        "Steps": [
            processing("A", {}, {"o": f"{BUCKET}/a"}),
            processing(
                "B",
                {"x": output_ref("A", "o"), "y": output_ref("A", "o")},
                {},
                DependsOn=["A", "A"],
            ),
        ],
    }
    result = pipeline_lineage(definition)
    assert sorted(edges(result)) == [
        ("A", "B", "ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri"),
        ("A", "B", "dependsOn"),
    ]


def test_parameters_execution_values_win_over_defaults_and_join_renders_them():
    result = pipeline_lineage(EVERY_TYPE, {"Input": "s3://other/raw/", "Threshold": "0.9"})
    assert io(result, "Prep")["raw"] == "s3://other/raw/"
    assert result["parameters"]["Threshold"] == 0.9 and result["parameters"]["Deploy"] is False
    definition = {
        "Parameters": [
            {"Name": "N", "Type": "Integer", "DefaultValue": 3},
            {"Name": "Flag", "Type": "Boolean", "DefaultValue": True},
        ],
        "Steps": [
            processing(
                "P", {}, {"o": join("/", "s3://b", get("Parameters.N"), get("Parameters.Flag"))}
            )
        ],
    }
    assert io(pipeline_lineage(definition), "P", "outputs") == {"o": "s3://b/3/true"}
    assert io(pipeline_lineage(definition, {"N": "7"}), "P", "outputs") == {"o": "s3://b/7/true"}


def test_producer_and_consumer_share_one_data_node():
    result = pipeline_lineage(EVERY_TYPE)
    train_uri = io(result, "Prep", "outputs")["train"]
    data_edges = {(e["source"], e["target"]) for e in result["graphData"]["edges"]}
    node = f"data:{train_uri}"
    assert ("process:Prep", node) in data_edges
    assert {(node, "process:Train"), (node, "process:Quality")} <= data_edges
    model = "data:{Steps.Train.ModelArtifacts.S3ModelArtifacts}"
    assert ("process:Train", model) in data_edges
    assert (model, "process:Reg-RegisterModel") in data_edges
    ids = [n["id"] for n in result["graphData"]["nodes"]]
    assert len(ids) == len(set(ids))
    process = [n for n in result["graphData"]["nodes"] if n["type"] == "processNode"]
    assert len(process) == 15  # I/O-less steps (Condition, Fail) are process nodes too


def test_uris_keep_case_and_trailing_slash():
    definition = {
        "Steps": [
            processing("A", {}, {"o": "s3://B/Data/"}),
            processing("B", {"i": "s3://B/Data"}, {}),
        ]
    }
    ids = {n["id"] for n in pipeline_lineage(definition)["graphData"]["nodes"]}
    assert {"data:s3://B/Data/", "data:s3://B/Data"} <= ids


def test_json_get_and_runtime_properties_are_placeholders():
    definition = {
        "Steps": [
            processing("Eval", {}, {"report": f"{BUCKET}/eval"}),
            {
                "Name": "Use",
                "Type": "Lambda",
                "Arguments": {
                    "uri": join(
                        "/",
                        f"{BUCKET}/x",
                        {
                            "Std:JsonGet": {
                                "PropertyFile": get("Steps.Eval.PropertyFiles.R"),
                                "Path": "a.b",
                            }
                        },
                        get("Execution.StartDateTime"),
                    )
                },
            },
        ]
    }
    result = pipeline_lineage(definition)
    assert io(result, "Use") == {
        "uri": f"{BUCKET}/x/{{Std:JsonGet(Steps.Eval.PropertyFiles.R, a.b)}}/"
        "{Execution.StartDateTime}"
    }
    assert ("Eval", "Use", "PropertyFiles.R") in edges(result)


@pytest.mark.parametrize(
    "definition",
    [
        "not json",
        "[]",
        {},
        {"Steps": "nope"},
        {"Steps": [{"Type": "Processing"}, 3, {"Name": "X", "Type": "Quantum", "Arguments": 5}]},
        {"Steps": [{"Name": "A", "Type": "Processing", "Arguments": {"ProcessingInputs": "x"}}]},
        {"Steps": [{"Name": "A", "Type": "Training", "DependsOn": ["Ghost"], "Arguments": None}]},
        {"Steps": [{"Name": "A", "Type": "Condition", "Arguments": {"IfSteps": 7}}]},
        {"Parameters": "x", "Steps": [processing("A", {"i": {"Std:Split": ["a"]}}, {})]},
        {"Steps": [processing("A", {"i": get("Steps.Nobody.Outputs['x']")}, {})]},
        {"Steps": [processing("A", {"i": get("Parameters.Missing")}, {"o": {"Get": 5}})]},
        {"Steps": [processing("A", {"i": output_ref("A", "o")}, {"o": output_ref("A", "o")})]},
    ],
)
def test_odd_definitions_never_raise(definition):
    result = pipeline_lineage(definition)
    assert set(result) >= {"graphPipeline", "graphData", "warnings"}
    json.dumps(result)  # always serialisable


def test_odd_definitions_give_warnings_and_placeholders():
    result = pipeline_lineage(
        {
            "Steps": [
                {"Name": "X", "Type": "Quantum", "Arguments": {"data": f"{BUCKET}/q"}},
                processing("A", {"i": {"Std:Split": ["a"]}, "j": get("Parameters.Missing")}, {}),
                processing("B", {}, {}, DependsOn=["Ghost"]),
            ]
        }
    )
    text = " ".join(result["warnings"])
    assert "Quantum" in text and "Std:Split" in text and "Missing" in text and "Ghost" in text
    assert io(result, "X") == {"data": f"{BUCKET}/q"}
    assert io(result, "A") == {"i": "{Std:Split}", "j": "{Parameters.Missing}"}
    assert pipeline_lineage("{oops")["warnings"][0].startswith("definition is not JSON")


def test_a_self_reference_does_not_loop():
    definition = {"Steps": [processing("A", {}, {"o": output_ref("A", "o")})]}
    result = pipeline_lineage(definition)
    assert io(result, "A", "outputs") == {
        "o": "{Steps.A.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri}"
    }
    assert edges(result) == set()


def test_views_select_the_graphs():
    assert set(pipeline_lineage(EVERY_TYPE, view="data")) == {"graphData", "parameters", "warnings"}
    assert "graphData" not in pipeline_lineage(EVERY_TYPE, view="pipeline")
    with pytest.raises(ValueError, match="view"):
        pipeline_lineage(EVERY_TYPE, view="graph3d")


# --------------------------------------------------------------------------- the seeded definitions

ABALONE_BUCKET = "s3://sagemaker-us-east-1-123456789012/AbalonePipeline"


def test_abalone_resolves_processing_outputs_into_training_and_evaluation():
    result = pipeline_lineage(seeded.abalone_definition())
    assert len(result["graphPipeline"]["nodes"]) == 8
    train = f"{ABALONE_BUCKET}/{{Execution.PipelineExecutionId}}/AbaloneProcess/output/train"
    assert io(result, "AbaloneTrain")["train"] == train
    assert io(result, "AbaloneProcess")["input-1"] == seeded.ABALONE_INPUT_DATA
    assert io(result, "AbaloneTransform")["input"] == seeded.ABALONE_BATCH_DATA
    assert io(result, "AbaloneRegisterModel-RegisterModel")["ModelQuality.Statistics"] == (
        f"{ABALONE_BUCKET}/{{Execution.PipelineExecutionId}}/AbaloneEval/output/evaluation/"
        "evaluation.json"
    )
    assert ("AbaloneMSECond", "AbaloneMSEFail", "else") in edges(result)
    assert ("AbaloneEval", "AbaloneMSECond", "PropertyFiles.EvaluationReport") in edges(result)


def test_abalone_with_execution_parameters_uses_them():
    batch = "s3://acme-curated-lake/abalone/batch-2026-11-10/"
    result = pipeline_lineage(seeded.abalone_definition(), {"BatchData": batch})
    assert io(result, "AbaloneTransform")["input"] == batch


def test_churn_links_feature_store_output_when_its_uri_is_known():
    uri = f"{seeded.FEATURE_STORE_URI}/123/us-east-1/offline-store/x/data"
    plain = pipeline_lineage(seeded.churn_definition())
    assert io(plain, "PrepareCustomerFeatures", "outputs") == {
        "features": "{FeatureGroup.customer-churn-features.OfflineStore}"
    }
    linked = pipeline_lineage(
        seeded.churn_definition(), feature_store_uris={seeded.FEATURE_GROUP: uri}
    )
    assert io(linked, "PrepareCustomerFeatures", "outputs") == {"features": uri}
    assert ("PrepareCustomerFeatures", "TrainChurnModel", "dependsOn") in edges(linked)
    query = next(
        i
        for n in linked["graphPipeline"]["nodes"]
        for i in n["inputs"]
        if i["name"] == "curated-features"
    )
    assert query["queryString"] == seeded.CHURN_ATHENA_QUERY


def test_fraud_tuning_reads_the_feature_engineering_output():
    result = pipeline_lineage(json.dumps(seeded.fraud_definition()))
    produced = io(result, "FraudFeatureEngineering", "outputs")["train"]
    assert io(result, "FraudTuning") == {"train": seeded.ORDERS_PREFIX, "features": produced}
    assert result["parameters"]["MaxTuningJobs"] == 20


def test_eu_definition_and_the_execution_variables_of_a_run():
    resolved = resolve_definition(
        seeded.eu_demand_definition(), execution={"PipelineExecutionId": "abc123"}
    )
    outputs = {(i.step, i.channel): i.uri for i in resolved.io if i.direction == "output"}
    assert outputs[("PrepareDemandData", "train")] == (
        "s3://acme-eu-analytics/EuDemandForecast/abc123/PrepareDemandData/output/train"
    )
    inputs = {(i.step, i.channel): i.uri for i in resolved.io if i.direction == "input"}
    assert inputs[("TrainDemandModel", "train")] == outputs[("PrepareDemandData", "train")]


def test_multi_container_model_multi_algorithm_tuning_and_endpoint_config():
    def channel(name, uri):
        return {"ChannelName": name, "DataSource": {"S3DataSource": {"S3Uri": uri}}}

    definition = {
        "Steps": [
            {
                "Name": "Tune",
                "Type": "Tuning",
                "Arguments": {
                    "TrainingJobDefinitions": [
                        {"InputDataConfig": [channel("a", f"{BUCKET}/a")]},
                        {
                            "InputDataConfig": [channel("b", f"{BUCKET}/b")],
                            "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/out"},
                        },
                    ]
                },
            },
            {
                "Name": "Pair",
                "Type": "Model",
                "Arguments": {
                    "Containers": [
                        {"ModelDataUrl": f"{BUCKET}/m1.tar.gz"},
                        {"ModelDataSource": {"S3DataSource": {"S3Uri": f"{BUCKET}/m2/"}}},
                    ]
                },
            },
            {
                "Name": "Config",
                "Type": "EndpointConfig",
                "Arguments": {"DataCaptureConfig": {"DestinationS3Uri": f"{BUCKET}/capture"}},
            },
            {"Name": "Serve", "Type": "Endpoint", "DependsOn": ["Config"], "Arguments": {}},
        ]
    }
    result = pipeline_lineage(definition)
    # channels of unnamed definitions are told apart by their position
    assert io(result, "Tune") == {"definition-1.a": f"{BUCKET}/a", "definition-2.b": f"{BUCKET}/b"}
    assert io(result, "Tune", "outputs") == {"definition-2.output": f"{BUCKET}/out"}
    assert io(result, "Pair") == {"model": f"{BUCKET}/m1.tar.gz", "model-2": f"{BUCKET}/m2/"}
    assert io(result, "Config", "outputs") == {"data_capture": f"{BUCKET}/capture"}
    assert edges(result) == {("Config", "Serve", "dependsOn")} and result["warnings"] == []


JUNK = [
    None,
    1,
    True,
    "s3://x/y",
    [],
    {},
    {"Get": 3},
    {"Get": "Steps."},
    {"Get": "Steps.X"},
    {"Get": ["a"]},
    {"Std:Join": 5},
    {"Std:Join": {"On": None, "Values": [{"Get": "Parameters.Nope"}]}},
    {"Std:JsonGet": {"PropertyFile": 3, "Path": None}},
    {"Get": "Steps.AbaloneTrain["},
    [None, {"Get": "Steps.AbaloneEval"}],
]


def _paths(value, prefix=()):
    yield prefix
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield from _paths(child, (*prefix, key))


def damage(document: dict, rng: random.Random) -> None:
    """Damage a definition in place at 1 to 4 random places: a value deleted or replaced by junk."""
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(list(_paths(document))[1:])
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(JUNK))


def test_randomly_damaged_seeded_definitions_never_raise():
    """A small seeded slice of mutation fuzzing (24,000 cases ran clean while developing)."""
    rng = random.Random(2026)
    warned = 0
    bases = [seeded.abalone_definition(), seeded.churn_definition(), seeded.fraud_definition()]
    for _ in range(300):
        document = copy.deepcopy(rng.choice(bases))
        damage(document, rng)
        result = pipeline_lineage(document, {"BatchData": "s3://z/"})
        assert json.loads(json.dumps(result)) == result  # plain JSON, nothing lost on the way
        assert set(result) == {"graphPipeline", "graph", "graphData", "parameters", "warnings"}
        assert all(isinstance(warning, str) for warning in result["warnings"])
        nodes = {node["id"] for node in result["graphPipeline"]["nodes"]}
        assert {e["from"] for e in result["graphPipeline"]["edges"]} <= nodes
        assert {e["to"] for e in result["graphPipeline"]["edges"]} <= nodes
        warned += bool(result["warnings"])
    assert warned > 100  # the damage reaches the resolver's checks, not only harmless keys


# --------------------------------------------------------------------------- hostile definitions


def codes(definition):
    return {w.code for w in resolve_definition(definition).warnings}


def test_a_definition_nested_200000_deep_is_a_warning_not_a_recursion_error():
    text = '{"Steps": ' + "[" * 200_000 + "]" * 200_000 + "}"
    resolved = resolve_definition(text)
    assert resolved.steps == () and codes(text) == {"too_deep"}
    assert "200001 deep" in pipeline_lineage(text)["warnings"][0]


def test_a_join_of_joins_is_bounded_in_work_and_size():
    steps = []
    for index in range(60):  # each output joins the previous one twice: 2**60 without bounds
        previous = output_ref(f"S{index - 1}", "o") if index else f"{BUCKET}/x"
        steps.append(processing(f"S{index}", {}, {"o": join("/", previous, previous)}))
    resolved = resolve_definition({"Steps": steps})
    assert {"resolution_budget", "value_too_long"} <= {w.code for w in resolved.warnings}
    assert max(len(io.uri or "") for io in resolved.io) <= 65_536 + len("{Truncated}")


def test_a_long_reference_chain_resolves_once_per_step_in_any_order():
    steps = [processing("S0", {}, {"o": f"{BUCKET}/x"})]
    steps += [processing(f"S{i}", {}, {"o": output_ref(f"S{i - 1}", "o")}) for i in range(1, 300)]
    for written in (steps, steps[::-1]):  # resolved in dependency order, each value remembered
        resolved = resolve_definition({"Steps": written})
        assert {io.uri for io in resolved.io} == {f"{BUCKET}/x"} and resolved.warnings == ()
        assert [io.step for io in resolved.io] == [step["Name"] for step in written]
        assert len(resolved.edges) == 299


def test_a_reference_cycle_is_cut_and_warned():
    a = processing("A", {}, {"o": join("/", output_ref("B", "o"), "a")})
    b = processing("B", {}, {"o": join("/", output_ref("A", "o"), "b")})
    resolved = resolve_definition({"Steps": [a, b]})
    uris = {io.step: io.uri for io in resolved.io}
    assert uris == {
        "A": "{Steps.B.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri}/a/b/a",
        "B": "{Steps.A.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri}/b/a/b",
    }
    assert "dependency_cycle" in {w.code for w in resolved.warnings}


def test_an_expression_nested_past_the_depth_is_cut():
    value = f"{BUCKET}/x"
    for _ in range(100):  # a dict given directly is not depth-checked as text: the resolver cuts
        value = join("/", value)
    resolved = resolve_definition({"Steps": [processing("A", {}, {"o": value})]})
    assert resolved.io[0].uri == "{Unresolved}"
    assert "expression_too_deep" in {w.code for w in resolved.warnings}


def test_too_many_steps_are_cut_with_a_warning():
    steps = [processing(f"S{i}", {}, {}) for i in range(1_001)]
    resolved = resolve_definition({"Steps": steps})
    assert len(resolved.steps) == 1_000 and "too_many_steps" in {w.code for w in resolved.warnings}


@pytest.mark.parametrize(
    ("steps", "cycle"),
    [
        ([processing("A", {}, {}, DependsOn=["B"]), processing("B", {}, {}, DependsOn=["A"])], "A"),
        (
            [
                processing("A", {"i": output_ref("C", "o")}, {"o": f"{BUCKET}/a"}),
                processing("B", {"i": output_ref("A", "o")}, {"o": f"{BUCKET}/b"}),
                processing("C", {"i": output_ref("B", "o")}, {"o": f"{BUCKET}/c"}),
            ],
            "C",
        ),
        ([processing("A", {}, {}, DependsOn=["A"])], "itself"),
    ],
)
def test_dependency_cycles_are_warnings(steps, cycle):
    resolved = resolve_definition({"Steps": steps})
    found = [w.message for w in resolved.warnings if w.code == "dependency_cycle"]
    assert found and cycle in found[0]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty_definition"), ("{oops", "not_json"), ("null", "not_object"), ("{}", "no_steps")],
)
def test_definitions_that_are_not_pipelines_are_coded(text, code):
    assert code in codes(text)


def test_a_definition_over_the_aws_size_is_not_read():
    text = '{"Steps": [], "Pad": "' + "x" * 1_048_576 + '"}'
    assert codes(text) == {"too_large"}
