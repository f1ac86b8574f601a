"""The resolver on definitions the SageMaker Python SDK (v2.257) wrote from pipeline code
(tests/fixtures/sagemaker_real/generate/): every step, its I/O, edges, parameters, Joins,
execution variables, and a data view where producer and consumer share one node."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lineage_assets.contract.definition import lineage_json
from lineage_assets.sagemaker.resolver import resolve_definition

FIXTURES = Path(__file__).parent / "fixtures" / "sagemaker_real"
BUCKET = "s3://sagemaker-us-east-1-111122223333"
RUN = "{Execution.PipelineExecutionId}"
TOP_JOB = "{Steps.ChurnTune.TrainingJobSummaries[0].TrainingJobName}"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def io_of(resolved, step: str, direction: str) -> dict[str, str | None]:
    return {
        io.channel: io.uri for io in resolved.io if io.step == step and io.direction == direction
    }


def edges_of(resolved) -> set[tuple[str, str, str]]:
    return {(e.from_step, e.to_step, e.kind) for e in resolved.edges}


def connected(resolved) -> set[str]:
    """URIs one step writes and another reads: one data node with both edges."""
    data = lineage_json(resolved, "data")["graphData"]
    written = {e["target"] for e in data["edges"] if e["kind"] == "write"}
    read = {e["source"] for e in data["edges"] if e["kind"] == "read"}
    return {node.removeprefix("data:") for node in written & read}


# --- abalone: Processing, Training, PropertyFile + JsonGet, Condition, ModelStep, Transform, Fail


def test_abalone_every_step_including_condition_branches():
    resolved = resolve_definition(load("abalone"))
    assert [(s.name, s.type, s.parent, s.branch) for s in resolved.steps] == [
        ("AbaloneProcess", "Processing", None, None),
        ("AbaloneTrain", "Training", None, None),
        ("AbaloneEval", "Processing", None, None),
        ("AbaloneMSECond", "Condition", None, None),
        ("AbaloneRegisterModel-RegisterModel", "RegisterModel", "AbaloneMSECond", "IfSteps"),
        ("AbaloneCreateModel-CreateModel", "Model", "AbaloneMSECond", "IfSteps"),
        ("AbaloneTransform", "Transform", "AbaloneMSECond", "IfSteps"),
        ("AbaloneMSEFail", "Fail", "AbaloneMSECond", "ElseSteps"),
    ]
    assert resolved.warnings == ()


def test_abalone_edges_from_property_references_property_files_and_branches():
    resolved = resolve_definition(load("abalone"))
    assert edges_of(resolved) == {
        ("AbaloneProcess", "AbaloneTrain", "reference"),
        ("AbaloneTrain", "AbaloneEval", "reference"),
        ("AbaloneProcess", "AbaloneEval", "reference"),
        ("AbaloneEval", "AbaloneMSECond", "reference"),
        ("AbaloneTrain", "AbaloneRegisterModel-RegisterModel", "reference"),
        ("AbaloneTrain", "AbaloneCreateModel-CreateModel", "reference"),
        ("AbaloneCreateModel-CreateModel", "AbaloneTransform", "reference"),
        ("AbaloneMSECond", "AbaloneRegisterModel-RegisterModel", "if"),
        ("AbaloneMSECond", "AbaloneCreateModel-CreateModel", "if"),
        ("AbaloneMSECond", "AbaloneTransform", "if"),
        ("AbaloneMSECond", "AbaloneMSEFail", "else"),
    }
    via = {(e.from_step, e.to_step): e.properties for e in resolved.edges}
    assert via["AbaloneProcess", "AbaloneTrain"] == (
        "ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
        "ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri",
    )
    assert via["AbaloneEval", "AbaloneMSECond"] == ("PropertyFiles.EvaluationReport",)
    assert via["AbaloneCreateModel-CreateModel", "AbaloneTransform"] == ("ModelName",)


def test_abalone_io_resolves_parameters_joins_and_step_properties():
    resolved = resolve_definition(load("abalone"))
    prefix = f"{BUCKET}/AbalonePipeline/{RUN}/AbaloneProcess/output"
    assert io_of(resolved, "AbaloneProcess", "input") == {
        "input-1": f"{BUCKET}/abalone/abalone-dataset.csv",
        "code": f"{BUCKET}/abalone/code/preprocessing.py",
    }
    assert io_of(resolved, "AbaloneProcess", "output") == {
        name: f"{prefix}/{name}" for name in ("train", "validation", "test")
    }
    assert io_of(resolved, "AbaloneTrain", "input") == {
        "train": f"{prefix}/train",
        "validation": f"{prefix}/validation",
    }
    model = "{Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts}"
    assert io_of(resolved, "AbaloneTrain", "output") == {
        "output": f"{BUCKET}/AbaloneTrain",
        "model": model,
    }
    assert io_of(resolved, "AbaloneEval", "input")["input-1"] == model
    assert io_of(resolved, "AbaloneRegisterModel-RegisterModel", "input")["model"] == model
    assert io_of(resolved, "AbaloneCreateModel-CreateModel", "input") == {"model": model}
    assert io_of(resolved, "AbaloneTransform", "input") == {
        "input": f"{BUCKET}/abalone/abalone-dataset-batch"
    }
    assert io_of(resolved, "AbaloneTransform", "output") == {"output": f"{BUCKET}/AbaloneTransform"}
    statistics = io_of(resolved, "AbaloneRegisterModel-RegisterModel", "input")
    evaluation = io_of(resolved, "AbaloneEval", "output")["evaluation"]
    assert statistics["ModelQuality.Statistics"] == evaluation + "/evaluation.json"


def test_abalone_data_view_connects_the_pipeline_from_raw_data_to_the_model():
    resolved = resolve_definition(load("abalone"))
    prefix = f"{BUCKET}/AbalonePipeline/{RUN}/AbaloneProcess/output"
    evaluation = io_of(resolved, "AbaloneEval", "output")["evaluation"]
    assert connected(resolved) == {
        f"{prefix}/train",
        f"{prefix}/validation",
        f"{prefix}/test",
        "{Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts}",
        evaluation + "/evaluation.json",  # named literally inside the evaluation output
    }
    report = next(io for io in resolved.io if io.channel == "evaluation/evaluation.json")
    assert (report.step, report.direction, report.data_kind) == ("AbaloneEval", "output", "report")


def test_abalone_execution_values_override_defaults_and_fill_execution_variables():
    resolved = resolve_definition(
        load("abalone"),
        {"InputData": f"{BUCKET}/abalone/2024/data.csv", "MseThreshold": "4.5"},
        execution={"PipelineExecutionId": "k3x9q2p1ab"},
    )
    assert resolved.parameters["MseThreshold"] == 4.5
    assert resolved.parameters["ProcessingInstanceCount"] == 1
    inputs = io_of(resolved, "AbaloneProcess", "input")
    assert inputs["input-1"] == f"{BUCKET}/abalone/2024/data.csv"
    outputs = io_of(resolved, "AbaloneProcess", "output")
    assert outputs["train"] == f"{BUCKET}/AbalonePipeline/k3x9q2p1ab/AbaloneProcess/output/train"
    assert io_of(resolved, "AbaloneTrain", "input")["train"] == outputs["train"]


def test_abalone_fail_message_and_condition_resolve_in_the_contract():
    resolved = resolve_definition(load("abalone"), {"MseThreshold": "7"})
    from lineage_assets.sagemaker.expressions import StaticScope, resolve

    scope = StaticScope(parameters=resolved.parameters)
    fail = next(s for s in resolved.steps if s.name == "AbaloneMSEFail")
    assert resolve(fail.arguments["ErrorMessage"], scope) == "Execution failed due to MSE > 7.0"
    condition = next(s for s in resolved.steps if s.name == "AbaloneMSECond")
    left = resolve(condition.arguments["Conditions"][0]["LeftValue"], scope)
    assert left == "{Std:JsonGet(Steps.AbaloneEval.PropertyFiles.EvaluationReport, " + (
        "regression_metrics.mse.value)}"
    )


# --- churn: QualityCheck, ClarifyCheck, Tuning (top-k model), RegisterModel with drift baselines,
# Lambda, nested Condition (Not/In, Or), Boolean/Integer/Float/enum String parameters


def test_churn_every_step_including_a_condition_nested_in_a_branch():
    resolved = resolve_definition(load("churn_monitored"))
    assert [(s.name, s.type, s.parent) for s in resolved.steps] == [
        ("ChurnPreprocess", "Processing", None),
        ("DataQualityCheck", "QualityCheck", None),
        ("DataBiasCheck", "ClarifyCheck", None),
        ("ChurnTune", "Tuning", None),
        ("ChurnEvaluate", "Processing", None),
        ("ChurnAucGate", "Condition", None),
        ("ChurnRegister-RegisterModel", "RegisterModel", "ChurnAucGate"),
        ("ChurnDeploy", "Lambda", "ChurnAucGate"),
        ("ChurnDeployedCheck", "Condition", "ChurnAucGate"),
        ("ChurnDeployFailed", "Fail", "ChurnDeployedCheck"),
        ("ChurnAucTooLow", "Fail", "ChurnAucGate"),
    ]
    assert resolved.warnings == ()


def test_churn_edges_from_depends_on_references_and_nested_branches():
    resolved = resolve_definition(load("churn_monitored"))
    assert edges_of(resolved) == {
        ("ChurnPreprocess", "DataQualityCheck", "reference"),
        ("ChurnPreprocess", "DataBiasCheck", "reference"),
        ("DataQualityCheck", "ChurnTune", "dependsOn"),
        ("DataBiasCheck", "ChurnTune", "dependsOn"),
        ("ChurnPreprocess", "ChurnTune", "reference"),
        ("ChurnTune", "ChurnEvaluate", "reference"),
        ("ChurnPreprocess", "ChurnEvaluate", "reference"),
        ("ChurnEvaluate", "ChurnAucGate", "reference"),
        ("DataBiasCheck", "ChurnRegister-RegisterModel", "reference"),
        ("DataQualityCheck", "ChurnRegister-RegisterModel", "reference"),
        ("ChurnTune", "ChurnRegister-RegisterModel", "reference"),
        ("ChurnEvaluate", "ChurnRegister-RegisterModel", "reference"),
        ("ChurnAucGate", "ChurnRegister-RegisterModel", "if"),
        ("ChurnRegister-RegisterModel", "ChurnDeploy", "reference"),
        ("ChurnAucGate", "ChurnDeploy", "if"),
        ("ChurnDeploy", "ChurnDeployedCheck", "reference"),
        ("ChurnAucGate", "ChurnDeployedCheck", "if"),
        ("ChurnDeployedCheck", "ChurnDeployFailed", "else"),
        ("ChurnAucGate", "ChurnAucTooLow", "else"),
    }
    via = {(e.from_step, e.to_step): e.properties for e in resolved.edges}
    assert via["ChurnRegister-RegisterModel", "ChurnDeploy"] == ("ModelPackageArn",)
    assert via["ChurnDeploy", "ChurnDeployedCheck"] == ("OutputParameters['endpoint_status']",)
    assert via["ChurnTune", "ChurnEvaluate"] == ("TrainingJobSummaries[0].TrainingJobName",)


def test_churn_parameters_of_every_type_from_defaults_and_execution_values():
    defaults = resolve_definition(load("churn_monitored")).parameters
    assert defaults["SkipDataQualityCheck"] is False
    assert defaults["MaxTuningJobs"] == 4 and defaults["AucThreshold"] == 0.75
    assert defaults["Stage"] == "staging"
    passed = resolve_definition(
        load("churn_monitored"),
        {"SkipDataQualityCheck": "true", "MaxTuningJobs": "8", "Stage": "prod"},
    ).parameters
    assert passed["SkipDataQualityCheck"] is True
    assert passed["MaxTuningJobs"] == 8 and passed["Stage"] == "prod"


def test_churn_tuning_check_and_registration_io():
    resolved = resolve_definition(load("churn_monitored"))
    prep = f"{BUCKET}/customer-churn/{RUN}/prep"
    best = f"{BUCKET}/customer-churn/tuning/{TOP_JOB}"
    best += "/output/model.tar.gz"
    assert io_of(resolved, "ChurnTune", "input") == {
        "train": f"{prep}/train",
        "validation": f"{prep}/validation",
    }
    assert io_of(resolved, "ChurnTune", "output") == {
        "output": f"{BUCKET}/customer-churn/tuning",
        "model": best,
    }
    assert io_of(resolved, "ChurnEvaluate", "input")["input-1"] == best
    quality = io_of(resolved, "DataQualityCheck", "input")
    assert quality == {"baseline_dataset_input": f"{prep}/train"}  # empty supplied baselines
    assert io_of(resolved, "DataQualityCheck", "output")["quality_check_output"] == (
        f"{BUCKET}/customer-churn/{RUN}/dataquality"
    )
    register = io_of(resolved, "ChurnRegister-RegisterModel", "input")
    assert register["model"] == best
    assert (
        register["ModelQuality.Statistics"] == f"{BUCKET}/customer-churn/{RUN}/eval/evaluation.json"
    )
    assert register["DriftCheckBaselines.ModelDataQuality.Statistics"] == (
        "{Steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics}"
    )
    assert io_of(resolved, "ChurnDeploy", "input") == {
        "data_capture_uri": f"{BUCKET}/customer-churn/datacapture"
    }


def test_churn_supplied_baselines_become_inputs_when_given():
    resolved = resolve_definition(
        load("churn_monitored"), {"DataQualitySuppliedStatistics": f"{BUCKET}/baselines/stats.json"}
    )
    inputs = io_of(resolved, "DataQualityCheck", "input")
    assert inputs["SuppliedBaselineStatistics"] == f"{BUCKET}/baselines/stats.json"
    assert "SuppliedBaselineConstraints" not in inputs


def test_churn_data_view_connects_checks_and_the_tuned_model_to_registration():
    resolved = resolve_definition(load("churn_monitored"))
    prep = f"{BUCKET}/customer-churn/{RUN}/prep"
    best = f"{BUCKET}/customer-churn/tuning/{TOP_JOB}"
    assert connected(resolved) == {
        f"{prep}/train",
        f"{prep}/validation",
        f"{prep}/test",
        best + "/output/model.tar.gz",
        f"{BUCKET}/customer-churn/{RUN}/eval/evaluation.json",  # written inside eval/
        "{Steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics}",
        "{Steps.DataQualityCheck.BaselineUsedForDriftCheckConstraints}",
        "{Steps.DataBiasCheck.BaselineUsedForDriftCheckConstraints}",
        "{Steps.DataBiasCheck.CalculatedBaselineConstraints}",
    }
    kinds = {io.uri: io.data_kind for io in resolved.io if io.step == "DataBiasCheck"}
    assert kinds["{Steps.DataBiasCheck.CalculatedBaselineConstraints}"] == "baseline"
    assert kinds[f"{BUCKET}/clarify/analysis_config.json"] == "code"


def test_churn_described_tuning_job_names_the_real_model():
    name = "churntune-abc-003-1f2e3d4c"
    definition = load("churn_monitored")
    tuning = next(step for step in definition["Steps"] if step["Name"] == "ChurnTune")
    described = {  # DescribeHyperParameterTuningJob: the request's shape plus the best job
        **copy.deepcopy(tuning["Arguments"]),
        "HyperParameterTuningJobStatus": "Completed",
        "BestTrainingJob": {"TrainingJobName": name, "TrainingJobStatus": "Completed"},
    }
    resolved = resolve_definition(definition, descriptions={"ChurnTune": described})
    model = f"{BUCKET}/customer-churn/tuning/{name}/output/model.tar.gz"
    assert io_of(resolved, "ChurnEvaluate", "input")["input-1"] == model
    assert io_of(resolved, "ChurnTune", "output")["model"] == model
    assert model in connected(resolved)


# --- retail: EMR, Athena and Redshift dataset definitions, Feature Store output, Callback,
# AutoML best candidate, CreateModel + Transform in a branch, DependsOn, custom job prefix


def test_retail_every_step_and_edges_from_depends_on():
    resolved = resolve_definition(load("retail_dataprep"))
    assert [(s.name, s.type, s.parent) for s in resolved.steps] == [
        ("SessionizeClicks", "EMR", None),
        ("BuildCustomerFeatures", "Processing", None),
        ("ExportTrainingSet", "Callback", None),
        ("ChurnAutoML", "AutoML", None),
        ("ScoreOnlyOnMonthEnd", "Condition", None),
        ("ChurnBestModel-CreateModel", "Model", "ScoreOnlyOnMonthEnd"),
        ("ScoreCustomers", "Transform", "ScoreOnlyOnMonthEnd"),
    ]
    assert edges_of(resolved) == {
        ("SessionizeClicks", "BuildCustomerFeatures", "dependsOn"),
        ("BuildCustomerFeatures", "ExportTrainingSet", "dependsOn"),
        ("ExportTrainingSet", "ChurnAutoML", "reference"),
        ("ChurnAutoML", "ScoreOnlyOnMonthEnd", "dependsOn"),
        ("ChurnAutoML", "ChurnBestModel-CreateModel", "reference"),
        ("ScoreOnlyOnMonthEnd", "ChurnBestModel-CreateModel", "if"),
        ("ChurnBestModel-CreateModel", "ScoreCustomers", "reference"),
        ("ScoreOnlyOnMonthEnd", "ScoreCustomers", "if"),
    }
    assert resolved.warnings == ()


def test_retail_dataset_definitions_feature_group_and_emr_directions():
    resolved = resolve_definition(load("retail_dataprep"))
    features = {io.channel: io for io in resolved.io if io.step == "BuildCustomerFeatures"}
    assert (features["orders"].engine, features["orders"].data_kind) == ("athena", "query_result")
    assert features["orders"].uri == f"{BUCKET}/retail/athena-results/"
    assert features["orders"].query_string.startswith("SELECT customer_id, sum(amount)")
    assert features["customers"].engine == "redshift"
    assert features["customers"].query_string == (
        "SELECT customer_id, segment, region FROM crm.customers"
    )
    assert features["features"].uri == "{FeatureGroup.retail-customers.OfflineStore}"
    assert features["features"].data_kind == "feature_group"
    sessions = f"{BUCKET}/retail/sessions/2024-01-31"
    assert features["sessions"].uri == sessions
    assert io_of(resolved, "SessionizeClicks", "output") == {"arg-5": sessions}
    emr_inputs = {io.uri: io.data_kind for io in resolved.io if io.step == "SessionizeClicks"}
    assert emr_inputs[f"{BUCKET}/retail/code/sessionize.py"] == "code"
    assert emr_inputs[f"{BUCKET}/retail/raw/clicks/"] == "dataset"


def test_retail_feature_group_offline_store_joins_producer_and_consumer_when_known():
    offline = f"{BUCKET}/feature-store/111122223333/sagemaker/us-east-1/offline-store/"
    offline += "retail-customers-1706659200/data"
    resolved = resolve_definition(
        load("retail_dataprep"), feature_store_uris={"retail-customers": offline}
    )
    assert io_of(resolved, "BuildCustomerFeatures", "output")["features"] == offline
    assert io_of(resolved, "ExportTrainingSet", "input")["offline_store"] == offline
    assert offline in connected(resolved)


def test_retail_run_time_outputs_of_callback_and_automl_connect_to_their_readers():
    resolved = resolve_definition(load("retail_dataprep"))
    export = "{Steps.ExportTrainingSet.OutputParameters['s3_uri']}"
    best = "{Steps.ChurnAutoML.BestCandidate.InferenceContainers[0].ModelDataUrl}"
    assert io_of(resolved, "ChurnAutoML", "input") == {"training": export}
    assert io_of(resolved, "ChurnBestModel-CreateModel", "input") == {"model": best}
    assert connected(resolved) == {f"{BUCKET}/retail/sessions/2024-01-31", export, best}
    assert io_of(resolved, "ScoreCustomers", "output") == {
        "output": f"{BUCKET}/retail/scores/{{Execution.StartDateTime}}"
    }


def test_retail_execution_variables_and_parameters_of_one_run():
    resolved = resolve_definition(
        load("retail_dataprep"),
        {"RunDate": "2024-02-29"},
        execution={"PipelineExecutionId": "abc123", "StartDateTime": "2024-03-01T00:00:00Z"},
    )
    assert io_of(resolved, "ScoreCustomers", "output")["output"] == (
        f"{BUCKET}/retail/scores/2024-03-01T00:00:00Z"
    )
    assert io_of(resolved, "ExportTrainingSet", "input")["destination"] == (
        f"{BUCKET}/retail/training-set/abc123"
    )
    assert io_of(resolved, "BuildCustomerFeatures", "input")["sessions"] == (
        f"{BUCKET}/retail/sessions/2024-02-29"
    )


def test_a_custom_job_prefix_is_never_taken_for_the_job_name():
    definition = load("retail_dataprep")
    assert definition["Steps"][1]["Arguments"]["ProcessingJobName"] == "retail-features"
    step = copy.deepcopy(definition["Steps"][2])
    step["Name"], step["DependsOn"] = "Notify", []
    step["Arguments"] = {
        "log": {
            "Std:Join": {
                "On": "/",
                "Values": [
                    "s3://logs",
                    {"Get": "Steps.BuildCustomerFeatures.ProcessingJobName"},
                ],
            }
        }
    }
    definition["Steps"].append(step)
    resolved = resolve_definition(definition)
    assert io_of(resolved, "Notify", "input") == {
        "log": "s3://logs/{Steps.BuildCustomerFeatures.ProcessingJobName}"
    }


@pytest.mark.parametrize(
    "name",
    [
        "abalone",
        "churn_monitored",
        "retail_dataprep",
        "fraud_serving",
        "review_functions",
        "mlops_arguments",
    ],
)
def test_text_and_object_definitions_resolve_alike(name):
    text = (FIXTURES / f"{name}.json").read_text()
    as_text, as_object = resolve_definition(text), resolve_definition(json.loads(text))
    assert as_text.io == as_object.io and as_text.edges == as_object.edges
    assert len(as_text.steps) == len(as_object.steps) > 0


# --- fraud serving: ModelStep with an entry point (RepackModel), EndpointConfig, Endpoint,
# MonitorBatchTransformStep (Transform + QualityCheck), model-bias ClarifyCheck, LineageStep


def test_fraud_every_step_of_step_collections():
    resolved = resolve_definition(load("fraud_serving"))
    assert [(s.name, s.type) for s in resolved.steps] == [
        ("FraudTrain", "Training"),
        ("FraudModel-RepackModel-0", "Training"),
        ("FraudModel-CreateModel", "Model"),
        ("FraudEndpointConfig", "EndpointConfig"),
        ("FraudEndpoint", "Endpoint"),
        ("FraudScoreMonitored-transform", "Transform"),
        ("FraudScoreMonitored-monitoring", "QualityCheck"),
        ("FraudModelBias", "ClarifyCheck"),
        ("RecordFraudLineage", "Lineage"),
    ]
    assert resolved.warnings == ()
    assert edges_of(resolved) == {
        ("FraudTrain", "FraudModel-RepackModel-0", "reference"),
        ("FraudModel-RepackModel-0", "FraudModel-CreateModel", "reference"),
        ("FraudModel-CreateModel", "FraudEndpointConfig", "reference"),
        ("FraudEndpointConfig", "FraudEndpoint", "reference"),
        ("FraudModel-CreateModel", "FraudScoreMonitored-transform", "reference"),
        ("FraudScoreMonitored-transform", "FraudScoreMonitored-monitoring", "dependsOn"),
        ("FraudModel-CreateModel", "FraudModelBias", "reference"),
        ("FraudScoreMonitored-transform", "RecordFraudLineage", "dependsOn"),
        ("FraudScoreMonitored-monitoring", "RecordFraudLineage", "dependsOn"),
    }


def test_fraud_repacked_model_code_capture_and_monitoring_io():
    resolved = resolve_definition(load("fraud_serving"))
    repack = {io.channel: io for io in resolved.io if io.step == "FraudModel-RepackModel-0"}
    trained = "{Steps.FraudTrain.ModelArtifacts.S3ModelArtifacts}"
    assert (repack["training"].uri, repack["training"].data_kind) == (trained, "model_artifact")
    code = repack["sagemaker_submit_directory"]
    assert code.data_kind == "code" and code.uri.endswith("/source/sourcedir.tar.gz")
    repacked = "{Steps.FraudModel-RepackModel-0.ModelArtifacts.S3ModelArtifacts}"
    assert io_of(resolved, "FraudModel-CreateModel", "input") == {"model": repacked}
    assert io_of(resolved, "FraudTrain", "output")["checkpoints"] == f"{BUCKET}/fraud/checkpoints"
    assert io_of(resolved, "FraudEndpointConfig", "output") == {
        "data_capture": f"{BUCKET}/fraud/capture"
    }
    scored = f"{BUCKET}/fraud/scored/{RUN}"
    assert io_of(resolved, "FraudScoreMonitored-transform", "output") == {"output": scored}
    assert io_of(resolved, "FraudScoreMonitored-monitoring", "input") == {
        "baseline_dataset_input": scored,
        "SuppliedBaselineConstraints": f"{BUCKET}/fraud/baselines/constraints.json",
    }
    assert connected(resolved) == {trained, repacked, scored}


def test_fraud_lineage_step_reads_what_it_records_and_writes_nothing():
    resolved = resolve_definition(load("fraud_serving"))
    assert io_of(resolved, "RecordFraudLineage", "output") == {}
    records = {
        io.channel: (io.uri, io.data_kind) for io in resolved.io if io.step == "RecordFraudLineage"
    }
    assert records == {
        "fraud-scoring": (f"{BUCKET}/fraud/score/", "lineage_artifact"),
        "fraud-scores": (f"{BUCKET}/fraud/scored/", "lineage_artifact"),
    }


# --- @step functions: Training steps whose results are read with Std:JsonGet over an S3Uri


def test_function_steps_their_arguments_results_and_edges():
    resolved = resolve_definition(load("review_functions"))
    assert [(s.name, s.type, s.parent) for s in resolved.steps] == [
        ("AccurateEnough", "Condition", None),
        ("ReportReviews", "Processing", "AccurateEnough"),
        ("TooInaccurate", "Fail", "AccurateEnough"),
        ("score-reviews", "Training", None),
        ("split-reviews", "Training", None),
    ]
    assert edges_of(resolved) == {
        ("score-reviews", "AccurateEnough", "dependsOn"),
        ("score-reviews", "AccurateEnough", "reference"),
        ("split-reviews", "ReportReviews", "dependsOn"),
        ("split-reviews", "ReportReviews", "reference"),
        ("AccurateEnough", "ReportReviews", "if"),
        ("AccurateEnough", "TooInaccurate", "else"),
        ("split-reviews", "score-reviews", "dependsOn"),
        ("split-reviews", "score-reviews", "reference"),
    }
    results = f"{BUCKET}/ReviewFunctions/{RUN}/split-reviews/results"
    split = {io.channel: (io.uri, io.data_kind) for io in resolved.io if io.step == "split-reviews"}
    assert split["Parameters.SourceUri"] == (f"{BUCKET}/reviews/raw/", "argument")
    assert split["sagemaker_remote_function_bootstrap"][1] == "code"
    assert split["pre_exec_script_and_dependencies"][1] == "code"
    assert split["output"] == (results, "function_result")
    assert "model" not in split  # a function writes no model artifact
    assert (
        io_of(resolved, "score-reviews", "input")[
            "Steps.split-reviews.OutputDataConfig.S3OutputPath"
        ]
        == results
    )
    assert results in connected(resolved)
    test_split = io_of(resolved, "ReportReviews", "input")["input-1"]
    assert test_split == "{Std:JsonGet(" + results + "/results.json, Result['test'])}"


def test_outputs_selected_by_position_resolve_like_by_name():
    text = (FIXTURES / "abalone.json").read_text()
    by_position = json.loads(text.replace("Outputs['test']", "Outputs[2]"))
    assert "Outputs[2]" in json.dumps(by_position)
    resolved = resolve_definition(by_position)
    test = f"{BUCKET}/AbalonePipeline/{RUN}/AbaloneProcess/output/test"
    assert io_of(resolved, "AbaloneEval", "input")["input-2"] == test
    via = {(e.from_step, e.to_step): e.properties for e in resolved.edges}
    path = "ProcessingOutputConfig.Outputs[2].S3Output.S3Uri"
    assert path in via["AbaloneProcess", "AbaloneEval"]


def _job_named_outputs() -> dict:
    """Abalone with two outputs under ExecutionVariables.PROCESSING_JOB_NAME."""
    definition = load("abalone")
    for step_name, output in (("AbaloneProcess", "train"), ("AbaloneEval", "evaluation")):
        step = next(s for s in definition["Steps"] if s["Name"] == step_name)
        for item in step["Arguments"]["ProcessingOutputConfig"]["Outputs"]:
            if item["OutputName"] == output:
                item["S3Output"]["S3Uri"] = {
                    "Std:Join": {
                        "On": "/",
                        "Values": ["s3://jobs", {"Get": "Execution.ProcessingJobName"}, output],
                    }
                }
    return definition


def test_job_name_execution_variables_name_the_job_of_their_own_step():
    resolved = resolve_definition(_job_named_outputs())
    train = "s3://jobs/{Steps.AbaloneProcess.ProcessingJobName}/train"
    assert io_of(resolved, "AbaloneProcess", "output")["train"] == train
    assert io_of(resolved, "AbaloneTrain", "input")["train"] == train  # resolved in its producer
    assert io_of(resolved, "AbaloneEval", "output")["evaluation"] == (
        "s3://jobs/{Steps.AbaloneEval.ProcessingJobName}/evaluation"
    )
    assert train in connected(resolved)
    assert resolved.warnings == ()
    described = resolve_definition(
        _job_named_outputs(),
        properties={"AbaloneProcess": {"ProcessingJobName": "pipelines-k3x9-abaloneprocess-x1"}},
    )
    real = "s3://jobs/pipelines-k3x9-abaloneprocess-x1/train"
    assert io_of(described, "AbaloneTrain", "input")["train"] == real
    assert io_of(described, "AbaloneProcess", "output")["train"] == real


def test_a_training_channel_on_efs_is_named_by_its_file_system():
    definition = load("abalone")
    train = next(s for s in definition["Steps"] if s["Name"] == "AbaloneTrain")
    channel = train["Arguments"]["InputDataConfig"][1]
    channel["DataSource"] = {
        "FileSystemDataSource": {
            "FileSystemId": "fs-0123456789abcdef0",
            "FileSystemAccessMode": "ro",
            "FileSystemType": "EFS",
            "DirectoryPath": {"Std:Join": {"On": "/", "Values": ["/abalone", "validation"]}},
        }
    }
    resolved = resolve_definition(definition)
    assert io_of(resolved, "AbaloneTrain", "input")["validation"] == (
        "efs://fs-0123456789abcdef0/abalone/validation"
    )


# --- data passed as job arguments (the MLOps project template's `--input-data`)


def test_data_passed_as_container_arguments_and_hyperparameters():
    resolved = resolve_definition(load("mlops_arguments"))
    extra = f"{BUCKET}/mlops/{RUN}/extra"
    train = f"{BUCKET}/MlopsArguments/{RUN}/PreprocessAbaloneData/output/train"
    assert io_of(resolved, "PreprocessAbaloneData", "input") == {
        "code": f"{BUCKET}/mlops/code/preprocess.py",
        "arg-1": f"{BUCKET}/mlops/raw/abalone.csv",  # after --input-data
    }
    assert io_of(resolved, "PreprocessAbaloneData", "output") == {"arg-3": extra, "train": train}
    inputs = io_of(resolved, "TrainAbaloneModel", "input")
    assert inputs["hp.train-data"] == train and inputs["hp.extra-data"] == extra
    assert "hp.epochs" not in inputs  # not data
    assert inputs["sagemaker_submit_directory"].endswith("/source/sourcedir.tar.gz")
    assert connected(resolved) == {train, extra}
    assert edges_of(resolved) == {("PreprocessAbaloneData", "TrainAbaloneModel", "reference")}


def test_json_encoded_hyperparameters_and_output_names():
    definition = load("mlops_arguments")
    train = next(s for s in definition["Steps"] if s["Name"] == "TrainAbaloneModel")
    train["Arguments"]["HyperParameters"]["validation"] = '"s3://lake/validation/"'
    train["Arguments"]["HyperParameters"]["model_output_path"] = '"s3://lake/exports/"'
    train["Arguments"]["HyperParameters"]["timeout"] = '"s3://lake/not-a-flag/"'
    resolved = resolve_definition(definition)
    assert io_of(resolved, "TrainAbaloneModel", "input")["hp.validation"] == "s3://lake/validation/"
    assert io_of(resolved, "TrainAbaloneModel", "input")["hp.timeout"] == "s3://lake/not-a-flag/"
    assert io_of(resolved, "TrainAbaloneModel", "output")["hp.model_output_path"] == (
        "s3://lake/exports/"
    )


def test_tuning_static_hyperparameters_holding_s3_paths_are_inputs():
    definition = load("churn_monitored")
    tune = next(s for s in definition["Steps"] if s["Name"] == "ChurnTune")
    static = tune["Arguments"]["TrainingJobDefinition"]["StaticHyperParameters"]
    static["lookup_table"] = "s3://lake/lookups/zip.csv"
    resolved = resolve_definition(definition)
    assert io_of(resolved, "ChurnTune", "input")["hp.lookup_table"] == "s3://lake/lookups/zip.csv"
    assert "hp.num_round" not in io_of(resolved, "ChurnTune", "input")
