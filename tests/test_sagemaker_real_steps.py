"""The resolver on more definitions the SageMaker Python SDK (v2.257) wrote
(tests/fixtures/sagemaker_real/generate/): legacy step collections, notebook jobs, framework
and Spark processors, EMR on a new cluster, training side outputs; each step's I/O and edges
as the definition says them."""

from __future__ import annotations

import json
import random

from lineage_assets.contract.definition import pipeline_lineage
from lineage_assets.core.ids import data_node, model_package_node
from lineage_assets.sagemaker.fetch import Execution, PipelineCrawl, StepRun
from lineage_assets.sagemaker.inventory import Pipeline
from lineage_assets.sagemaker.records import crawl_records, pipeline_records
from lineage_assets.sagemaker.resolver import resolve_definition
from tests.test_sagemaker_real_definitions import (
    BUCKET,
    FIXTURES,
    RUN,
    connected,
    edges_of,
    io_of,
    load,
)
from tests.test_sagemaker_resolver import damage

ACCOUNT = "111122223333"
PIPELINE_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/LoansEnsemble"

# --- claims: PySpark and Framework processors, NotebookJobStep, debugger/profiler/TensorBoard,
# legacy CreateModelStep, RegisterModel and EstimatorTransformer collections, EMR ClusterConfig

CLAIMS = f"{BUCKET}/claims"
CLEANED = f"{CLAIMS}/cleaned/{RUN}"
TRAIN = f"{BUCKET}/ClaimsLegacyPipeline/{RUN}/PrepareClaims/output/train"
HOLDOUT = f"{CLAIMS}/{{Execution.StartDateTime}}/holdout"


def test_claims_every_step_with_the_names_legacy_collections_give_them():
    resolved = resolve_definition(load("claims_legacy"))
    assert [(s.name, s.type) for s in resolved.steps] == [
        ("CleanClaims", "Processing"),
        ("PrepareClaims", "Processing"),
        ("ExploreClaims", "Training"),  # a NotebookJobStep
        ("TrainClaims", "Training"),
        ("ClaimsModel", "Model"),  # CreateModelStep
        ("RegisterClaims-RepackModel", "Training"),
        ("RegisterClaims-RegisterModel", "RegisterModel"),
        ("ScoreClaimsCreateModelStep", "Model"),  # EstimatorTransformer
        ("ScoreClaimsTransformStep", "Transform"),
        ("ReportClaims", "Training"),
        ("ArchiveClaims", "EMR"),
    ]
    assert resolved.warnings == ()


def test_claims_edges_from_references_and_depends_on_a_step_collection():
    resolved = resolve_definition(load("claims_legacy"))
    assert edges_of(resolved) == {
        ("CleanClaims", "PrepareClaims", "dependsOn"),
        ("PrepareClaims", "ExploreClaims", "reference"),  # a notebook parameter
        ("ExploreClaims", "TrainClaims", "dependsOn"),
        ("PrepareClaims", "TrainClaims", "reference"),
        ("TrainClaims", "ClaimsModel", "reference"),
        ("TrainClaims", "RegisterClaims-RepackModel", "reference"),
        ("RegisterClaims-RepackModel", "RegisterClaims-RegisterModel", "reference"),
        ("TrainClaims", "ScoreClaimsCreateModelStep", "reference"),
        ("ScoreClaimsCreateModelStep", "ScoreClaimsTransformStep", "reference"),
        ("PrepareClaims", "ScoreClaimsTransformStep", "reference"),
        # depends_on=[RegisterModel collection] is every step of the collection
        ("RegisterClaims-RepackModel", "ReportClaims", "dependsOn"),
        ("RegisterClaims-RegisterModel", "ReportClaims", "dependsOn"),
        ("ClaimsModel", "ReportClaims", "reference"),
        ("PrepareClaims", "ArchiveClaims", "dependsOn"),
    }


def test_claims_spark_configuration_is_code_and_event_logs_are_logs():
    resolved = resolve_definition(load("claims_legacy"))
    inputs = {io.channel: io for io in resolved.io if io.step == "CleanClaims"}
    assert inputs["conf"].data_kind == "code"
    assert inputs["conf"].uri.endswith("/configuration.json")
    assert inputs["code"].uri.endswith("/spark_clean.py")
    assert io_of(resolved, "CleanClaims", "input")["arg-1"] == f"{CLAIMS}/raw/claims"
    assert io_of(resolved, "CleanClaims", "output") == {
        "arg-3": CLEANED,  # after --output
        "output-1": f"{CLAIMS}/spark-events",
    }
    assert inputs["output-1"].data_kind == "logs"


def test_claims_framework_processor_code_and_execution_variables_in_outputs():
    resolved = resolve_definition(load("claims_legacy"))
    inputs = {io.channel: io for io in resolved.io if io.step == "PrepareClaims"}
    assert inputs["cleaned"].uri == CLEANED
    assert inputs["code"].uri.endswith("/sourcedir.tar.gz")
    assert (inputs["entrypoint"].data_kind, inputs["code"].data_kind) == ("code", "code")
    assert io_of(resolved, "PrepareClaims", "output") == {"train": TRAIN, "holdout": HOLDOUT}
    run = resolve_definition(
        load("claims_legacy"),
        execution={"PipelineExecutionId": "x1y2z3", "StartDateTime": "2024-05-01T00:00:00Z"},
    )
    assert io_of(run, "PrepareClaims", "output")["holdout"] == (
        f"{CLAIMS}/2024-05-01T00:00:00Z/holdout"
    )
    assert io_of(run, "PrepareClaims", "input")["cleaned"] == f"{CLAIMS}/cleaned/x1y2z3"


def test_claims_notebook_job_reads_its_notebook_as_code_and_only_s3_parameters_as_data():
    resolved = resolve_definition(load("claims_legacy"))
    explore = {io.channel: io for io in resolved.io if io.step == "ExploreClaims"}
    notebook = explore["sagemaker_headless_execution_pipelinestep"]
    assert notebook.data_kind == "code"
    assert notebook.uri.startswith(f"{CLAIMS}/notebook-jobs/ClaimsLegacyPipeline/ExploreClaims/")
    assert explore["hp.train_uri"].uri == TRAIN  # a notebook parameter
    assert explore["env.CLAIMS_URI"].uri == f"{CLAIMS}/raw/claims"
    # notebook and kernel names, the threshold: no data, and no S3 location
    assert set(explore) == {
        "sagemaker_headless_execution_pipelinestep",
        "hp.train_uri",
        "env.CLAIMS_URI",
        "output",
        "model",
    }
    assert (
        explore["output"].uri == f"{CLAIMS}/notebook-jobs/ClaimsLegacyPipeline/{RUN}/ExploreClaims"
    )
    assert {explore["output"].data_kind, explore["model"].data_kind} == {"notebook_output"}
    assert all(io.uri is not None and io.uri.startswith(("s3://", "{")) for io in resolved.io)


def test_claims_training_writes_profiler_and_tensorboard_data_beside_its_model():
    resolved = resolve_definition(load("claims_legacy"))
    assert io_of(resolved, "TrainClaims", "output") == {
        "output": f"{CLAIMS}/models",  # the debugger's default path too: recorded once
        "profiler_output": f"{CLAIMS}/profiler",
        "tensorboard": f"{CLAIMS}/tensorboard",
        "model": "{Steps.TrainClaims.ModelArtifacts.S3ModelArtifacts}",
    }


def test_claims_legacy_collections_repack_register_and_transform():
    resolved = resolve_definition(load("claims_legacy"))
    model = "{Steps.TrainClaims.ModelArtifacts.S3ModelArtifacts}"
    repacked = "{Steps.RegisterClaims-RepackModel.ModelArtifacts.S3ModelArtifacts}"
    assert io_of(resolved, "ClaimsModel", "input") == {"model": model}
    repack = io_of(resolved, "RegisterClaims-RepackModel", "input")
    assert repack["training"] == model
    assert repack["sagemaker_submit_directory"].endswith("/source/sourcedir.tar.gz")
    assert "hp.source_dir" not in repack  # a local directory of the machine that built it
    assert io_of(resolved, "RegisterClaims-RegisterModel", "input") == {"model": repacked}
    assert io_of(resolved, "ScoreClaimsCreateModelStep", "input") == {"model": model}
    assert io_of(resolved, "ScoreClaimsTransformStep", "input") == {"input": HOLDOUT}
    assert io_of(resolved, "ScoreClaimsTransformStep", "output") == {"output": f"{CLAIMS}/scores"}
    assert connected(resolved) == {CLEANED, TRAIN, HOLDOUT, model, repacked}


def test_claims_emr_on_a_new_cluster_runs_its_bootstrap_copies_data_and_writes_logs():
    resolved = resolve_definition(load("claims_legacy"))
    assert io_of(resolved, "ArchiveClaims", "input") == {
        "arg-2": CLEANED,
        "bootstrap.install-libs": f"{CLAIMS}/emr/bootstrap.sh",  # a new cluster's set-up script
    }
    assert io_of(resolved, "ArchiveClaims", "output") == {
        "arg-4": "s3://archive-111122223333/claims/",
        "logs": f"{CLAIMS}/emr-logs/",
    }


# --- loans: multi-algorithm tuning, warm start, top model of a tuning step in a two-container
# PipelineModel (create and register), nested conditions, pipeline name and start time in paths

SPLIT = f"{BUCKET}/{{Execution.PipelineName}}/{{Execution.StartDateTime}}"
BEST = f"{BUCKET}/ensemble/xgb-refined/{{Steps.RefineXgb.TrainingJobSummaries[0].TrainingJobName}}"
FEATURIZER = f"{BUCKET}/ensemble/featurizer/model.tar.gz"


def test_loans_every_step_in_nested_branches_and_their_edges():
    resolved = resolve_definition(load("loans_ensemble"))
    assert [(s.name, s.type, s.parent, s.branch) for s in resolved.steps] == [
        ("SplitLoans", "Processing", None, None),
        ("TuneLoans", "Tuning", None, None),
        ("RefineXgb", "Tuning", None, None),
        ("CheckAuc", "Condition", None, None),
        ("LoansTooWeak", "Fail", "CheckAuc", "IfSteps"),
        ("LoansEnsemble-CreateModel", "Model", "CheckAuc", "ElseSteps"),
        ("CheckExcellent", "Condition", "CheckAuc", "ElseSteps"),
        ("RegisterLoans-RegisterModel", "RegisterModel", "CheckExcellent", "IfSteps"),
        ("ScoreTestLoans", "Transform", "CheckExcellent", "ElseSteps"),
    ]
    assert edges_of(resolved) == {
        ("SplitLoans", "TuneLoans", "reference"),
        ("SplitLoans", "RefineXgb", "reference"),
        ("TuneLoans", "RefineXgb", "reference"),  # warm start from its tuning job
        ("RefineXgb", "CheckAuc", "reference"),
        ("CheckAuc", "LoansTooWeak", "if"),
        ("RefineXgb", "LoansEnsemble-CreateModel", "reference"),
        ("CheckAuc", "LoansEnsemble-CreateModel", "else"),
        ("RefineXgb", "CheckExcellent", "reference"),
        ("CheckAuc", "CheckExcellent", "else"),
        ("RefineXgb", "RegisterLoans-RegisterModel", "reference"),
        ("CheckExcellent", "RegisterLoans-RegisterModel", "if"),
        ("LoansEnsemble-CreateModel", "ScoreTestLoans", "reference"),
        ("SplitLoans", "ScoreTestLoans", "reference"),
        ("CheckExcellent", "ScoreTestLoans", "else"),
    }
    via = {(e.from_step, e.to_step): e.properties for e in resolved.edges}
    assert via["TuneLoans", "RefineXgb"] == ("HyperParameterTuningJobName",)
    assert resolved.warnings == ()


def test_loans_each_algorithm_of_a_tuning_job_keeps_its_own_channels_and_output():
    resolved = resolve_definition(load("loans_ensemble"))
    assert io_of(resolved, "TuneLoans", "input") == {
        f"{algorithm}.{name}": f"{SPLIT}/{name}"
        for algorithm in ("linear", "xgb")
        for name in ("train", "validation")
    }
    assert io_of(resolved, "TuneLoans", "output") == {
        "linear.output": f"{BUCKET}/ensemble/linear",
        "xgb.output": f"{BUCKET}/ensemble/xgb",
    }
    assert io_of(resolved, "RefineXgb", "input") == {
        name: f"{SPLIT}/{name}" for name in ("train", "validation")
    }


def test_loans_top_model_of_the_refined_tuning_reaches_both_containers_of_the_ensemble():
    resolved = resolve_definition(load("loans_ensemble"))
    best = f"{BEST}/output/model.tar.gz"
    assert io_of(resolved, "RefineXgb", "output") == {
        "output": f"{BUCKET}/ensemble/xgb-refined",
        "model": best,  # revealed by its readers: get_top_model_s3_uri under the output path
    }
    for step in ("LoansEnsemble-CreateModel", "RegisterLoans-RegisterModel"):
        assert io_of(resolved, step, "input") == {"model": FEATURIZER, "model-2": best}
    assert io_of(resolved, "ScoreTestLoans", "input") == {"input": f"{SPLIT}/test"}
    assert io_of(resolved, "ScoreTestLoans", "output") == {"output": f"{SPLIT}/scored"}
    assert connected(resolved) == {f"{SPLIT}/{n}" for n in ("train", "validation", "test")} | {best}


def test_loans_pipeline_name_and_start_time_of_one_run_fill_every_path():
    resolved = resolve_definition(
        load("loans_ensemble"),
        {"RawData": "s3://landing/loans/2024-06.csv"},
        execution={"PipelineName": "LoansEnsemble", "StartDateTime": "2024-06-30T02:00:00Z"},
    )
    run = f"{BUCKET}/LoansEnsemble/2024-06-30T02:00:00Z"
    assert io_of(resolved, "SplitLoans", "input")["input-1"] == "s3://landing/loans/2024-06.csv"
    assert io_of(resolved, "TuneLoans", "input")["xgb.train"] == f"{run}/train"
    assert io_of(resolved, "ScoreTestLoans", "output") == {"output": f"{run}/scored"}


# --- ledger: @step functions with dependencies fed by a processing output, their results
# (JsonGet over results.json) as a later step's inputs, a property file inside an output path

LEDGER = f"{BUCKET}/LedgerFunctions/{RUN}"


def test_ledger_functions_with_dependencies_and_their_edges():
    resolved = resolve_definition(load("ledger_functions"))
    assert [(s.name, s.type, s.parent) for s in resolved.steps] == [
        ("ExtractLedger", "Processing", None),
        ("ReconciledCleanly", "Condition", None),
        ("PublishLedger", "Processing", "ReconciledCleanly"),
        ("LedgerOff", "Fail", "ReconciledCleanly"),
        ("reconcile", "Training", None),
        ("summarize", "Training", None),
    ]
    assert edges_of(resolved) == {
        ("ExtractLedger", "reconcile", "reference"),
        ("reconcile", "summarize", "dependsOn"),
        ("reconcile", "summarize", "reference"),
        ("reconcile", "ReconciledCleanly", "dependsOn"),
        ("reconcile", "ReconciledCleanly", "reference"),
        ("ReconciledCleanly", "PublishLedger", "if"),
        ("ReconciledCleanly", "LedgerOff", "else"),
        ("reconcile", "PublishLedger", "dependsOn"),
        ("reconcile", "PublishLedger", "reference"),
        ("summarize", "PublishLedger", "dependsOn"),  # depends_on=[summary]
        ("summarize", "PublishLedger", "reference"),
        ("ExtractLedger", "PublishLedger", "reference"),  # the property file in its output path
        ("reconcile", "LedgerOff", "dependsOn"),
        ("reconcile", "LedgerOff", "reference"),
    }
    assert resolved.warnings == ()


def test_ledger_function_reads_a_processing_output_and_its_dependencies_are_code():
    resolved = resolve_definition(load("ledger_functions"))
    entries = f"{LEDGER}/ExtractLedger/output/entries"
    reconcile = {io.channel: io for io in resolved.io if io.step == "reconcile"}
    assert reconcile[
        "Steps.ExtractLedger.ProcessingOutputConfig.Outputs['entries'].S3Output.S3Uri"
    ].uri == (entries)
    assert reconcile["pre_exec_script_and_dependencies"].data_kind == "code"
    assert reconcile["sagemaker_remote_function_bootstrap"].data_kind == "code"
    assert reconcile["env.LEDGER_BUCKET"].uri == f"{BUCKET}/ledger/"
    assert io_of(resolved, "reconcile", "output") == {"output": f"{LEDGER}/reconcile/results"}
    kinds = {io.channel: io.data_kind for io in resolved.io if io.step == "reconcile"}
    assert kinds["output"] == "function_result"  # its pickled return value, not a model
    assert "model" not in io_of(resolved, "summarize", "output")  # a function trains no model
    assert connected(resolved) == {entries, f"{LEDGER}/reconcile/results"}


def test_ledger_function_results_and_a_property_file_stay_symbolic_in_paths():
    resolved = resolve_definition(load("ledger_functions"))
    assert io_of(resolved, "PublishLedger", "input") == {
        "input-1": f"{{Std:JsonGet({LEDGER}/reconcile/results/results.json, Result[0])}}",
        "input-2": f"{{Std:JsonGet({LEDGER}/summarize/results/results.json, Result['uri'])}}",
        "code": f"{BUCKET}/ledger/code/publish.py",
    }
    period = "{Std:JsonGet(Steps.ExtractLedger.PropertyFiles.Manifest, period)}"
    assert io_of(resolved, "PublishLedger", "output") == {
        "published": f"{BUCKET}/ledger/published/{period}/{RUN}"
    }


# --- credit: a baseline check feeding a drift check's supplied baselines, SHAP explainability
# of a created model, an inference component on an endpoint

CREDIT = f"{BUCKET}/credit"


def test_credit_edges_through_baselines_model_names_and_the_endpoint():
    resolved = resolve_definition(load("credit_explained"))
    assert [(s.name, s.type) for s in resolved.steps] == [
        ("BaselineTrain", "QualityCheck"),
        ("DriftFresh", "QualityCheck"),
        ("TrainCredit", "Training"),
        ("CreditModel-CreateModel", "Model"),
        ("ExplainCredit", "ClarifyCheck"),
        ("CreditEndpointConfig", "EndpointConfig"),
        ("CreditEndpoint", "Endpoint"),
        ("CreditComponent", "InferenceComponent"),
        ("RegisterCredit-RegisterModel", "RegisterModel"),
    ]
    assert edges_of(resolved) == {
        ("BaselineTrain", "DriftFresh", "reference"),
        ("DriftFresh", "TrainCredit", "dependsOn"),
        ("TrainCredit", "CreditModel-CreateModel", "reference"),
        ("CreditModel-CreateModel", "ExplainCredit", "reference"),  # step-level ModelName
        ("CreditModel-CreateModel", "CreditEndpointConfig", "reference"),
        ("CreditEndpointConfig", "CreditEndpoint", "reference"),
        ("CreditEndpoint", "CreditComponent", "reference"),
        ("CreditModel-CreateModel", "CreditComponent", "reference"),
        ("ExplainCredit", "CreditComponent", "dependsOn"),
        ("TrainCredit", "RegisterCredit-RegisterModel", "reference"),
        ("DriftFresh", "RegisterCredit-RegisterModel", "reference"),  # metrics and baselines
        ("ExplainCredit", "RegisterCredit-RegisterModel", "reference"),
    }
    assert resolved.warnings == ()


def test_credit_calculated_baselines_of_one_check_are_the_supplied_baselines_of_the_next():
    resolved = resolve_definition(load("credit_explained"))
    statistics = "{Steps.BaselineTrain.CalculatedBaselineStatistics}"
    constraints = "{Steps.BaselineTrain.CalculatedBaselineConstraints}"
    assert io_of(resolved, "BaselineTrain", "input") == {
        "baseline_dataset_input": f"{CREDIT}/train/"
    }
    assert io_of(resolved, "BaselineTrain", "output") == {
        "quality_check_output": f"{CREDIT}/{RUN}/baseline",
        "CalculatedBaselineStatistics": statistics,
        "CalculatedBaselineConstraints": constraints,
    }
    assert io_of(resolved, "DriftFresh", "input") == {
        "baseline_dataset_input": f"{CREDIT}/fresh/",
        "SuppliedBaselineStatistics": statistics,
        "SuppliedBaselineConstraints": constraints,
    }
    registered = {
        "{Steps.DriftFresh." + name + "}"
        for name in (
            "CalculatedBaselineStatistics",
            "CalculatedBaselineConstraints",
            "BaselineUsedForDriftCheckStatistics",
            "BaselineUsedForDriftCheckConstraints",
        )
    } | {
        "{Steps.ExplainCredit.CalculatedBaselineConstraints}",
        "{Steps.ExplainCredit.BaselineUsedForDriftCheckConstraints}",
    }
    assert connected(resolved) == {
        statistics,
        constraints,
        "{Steps.TrainCredit.ModelArtifacts.S3ModelArtifacts}",
        *registered,  # what the registration reads, revealed as the checks' outputs
    }


def test_credit_registration_keeps_calculated_metrics_and_drift_baselines_apart():
    """ModelMetrics and DriftCheckBaselines both hold ModelDataQuality.Statistics/Constraints:
    each section's file is its own input (one used to hide the other)."""
    resolved = resolve_definition(load("credit_explained"))
    register = {
        io.channel: (io.uri, io.data_kind)
        for io in resolved.io
        if io.step == "RegisterCredit-RegisterModel"
    }
    drift, explain = "{Steps.DriftFresh.", "{Steps.ExplainCredit."
    assert register == {
        "model": ("{Steps.TrainCredit.ModelArtifacts.S3ModelArtifacts}", "model_artifact"),
        "ModelDataQuality.Statistics": (drift + "CalculatedBaselineStatistics}", "report"),
        "ModelDataQuality.Constraints": (drift + "CalculatedBaselineConstraints}", "report"),
        "Explainability.Report": (explain + "CalculatedBaselineConstraints}", "report"),
        "DriftCheckBaselines.ModelDataQuality.Statistics": (
            drift + "BaselineUsedForDriftCheckStatistics}",
            "baseline",
        ),
        "DriftCheckBaselines.ModelDataQuality.Constraints": (
            drift + "BaselineUsedForDriftCheckConstraints}",
            "baseline",
        ),
        "DriftCheckBaselines.Explainability.Constraints": (
            explain + "BaselineUsedForDriftCheckConstraints}",
            "baseline",
        ),
        "DriftCheckBaselines.Explainability.ConfigFile": (
            f"{CREDIT}/clarify-config/analysis_config.json",
            "code",
        ),
    }
    assert ("DriftFresh", "RegisterCredit-RegisterModel", "reference") in edges_of(resolved)
    assert ("ExplainCredit", "RegisterCredit-RegisterModel", "reference") in edges_of(resolved)


def test_credit_explainability_and_asynchronous_endpoint_inputs_and_outputs():
    resolved = resolve_definition(load("credit_explained"))
    assert io_of(resolved, "ExplainCredit", "input")["dataset"] == f"{CREDIT}/train/"
    assert io_of(resolved, "ExplainCredit", "output") == {
        "analysis_result": f"{CREDIT}/{RUN}/explainability",
        "CalculatedBaselineConstraints": "{Steps.ExplainCredit.CalculatedBaselineConstraints}",
        "BaselineUsedForDriftCheckConstraints": (
            "{Steps.ExplainCredit.BaselineUsedForDriftCheckConstraints}"
        ),
    }
    assert io_of(resolved, "CreditComponent", "input") == {}  # the model is named, not a file
    assert io_of(resolved, "CreditEndpointConfig", "output") == {
        "async_output": f"{CREDIT}/async/results",  # asynchronous inference results
        "async_failures": f"{CREDIT}/async/failures",
    }


# --- churn-dw: a Data Wrangler flow, manifest and augmented-manifest inputs

DW = f"{BUCKET}/churn-dw"
PREPARED = f"{DW}/prepared/{RUN}"
MANIFEST = f"{BUCKET}/ChurnDataWrangler/{RUN}/BuildManifest/output/manifest"


def test_churn_dw_flow_recipe_is_code_and_its_named_source_is_read():
    resolved = resolve_definition(load("churn_wrangler"))
    flow = {io.channel: (io.uri, io.data_kind) for io in resolved.io if io.step == "RunChurnFlow"}
    assert flow == {
        "flow": (f"{DW}/flows/churn.flow", "code"),
        "customers.csv": (f"{DW}/raw/customers.csv", "dataset"),
        "8b392709-d2c4-4b8e-bdda-e75b2d14f35e.default": (PREPARED, "dataset"),
    }
    assert edges_of(resolved) == {
        ("RunChurnFlow", "BuildManifest", "reference"),
        ("BuildManifest", "TrainFromManifest", "reference"),
        ("RunChurnFlow", "TrainFromManifest", "reference"),
    }
    assert resolved.warnings == ()


def test_churn_dw_manifests_are_named_as_manifests_and_joined_inside_an_output():
    resolved = resolve_definition(load("churn_wrangler"))
    kinds = {(io.step, io.channel): io.data_kind for io in resolved.io}
    assert kinds["BuildManifest", "listing"] == "manifest"  # S3DataType ManifestFile
    assert kinds["TrainFromManifest", "train"] == "manifest"  # AugmentedManifestFile
    assert kinds["TrainFromManifest", "validation"] == "dataset"
    assert io_of(resolved, "TrainFromManifest", "input") == {
        "train": f"{MANIFEST}/train.manifest",
        "validation": PREPARED,
    }
    # the file named inside BuildManifest's output is what it wrote for the training job
    assert kinds["BuildManifest", "manifest/train.manifest"] == "manifest"
    assert connected(resolved) == {PREPARED, f"{MANIFEST}/train.manifest"}


def test_loans_registered_pipeline_model_points_every_container_at_its_package(store):
    """A run that registered the two-container ensemble: the package's own containers (as
    DescribeModelPackage gives them) each point their model data at the package."""
    definition = json.dumps(load("loans_ensemble"))
    pipeline = Pipeline(ACCOUNT, "us-east-1", "LoansEnsemble", PIPELINE_ARN, definition)
    package = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/loanensembles/3"
    best = f"{BUCKET}/ensemble/xgb-refined/loans-refine-007/output/model.tar.gz"
    register = StepRun(
        {"StepName": "RegisterLoans-RegisterModel", "StepStatus": "Succeeded"},
        None,
        None,
        package,
        None,
    )
    run = Execution(
        f"{PIPELINE_ARN}/execution/k2j4h6g8f0",
        {"PipelineExecutionStatus": "Succeeded"},
        {},
        definition,
        {},
        (register,),
    )
    containers = [
        {"Image": "sklearn", "ModelDataUrl": FEATURIZER},
        {"Image": "xgboost", "ModelDataUrl": best},
    ]
    described = {
        "ModelPackageGroupName": "LoanEnsembles",
        "ModelPackageVersion": 3,
        "InferenceSpecification": {"Containers": containers},
    }
    crawl = PipelineCrawl(pipeline, (run,), {}, {package: described}, ())
    store.replace_source(crawl_records(crawl))
    edges = store.conn.execute(
        "SELECT source_node, location FROM lineage_edges "
        "WHERE edge_kind = 'model_data' AND target_node = ?",
        [model_package_node(package)],
    ).fetchall()
    assert set(edges) == {
        (data_node(FEATURIZER), f"ModelDataUrl of {package}"),
        (data_node(best), f"ModelDataUrl of container 2 of {package}"),
    }
    rows = store.conn.execute(
        "SELECT position, image, model_data_url FROM sagemaker_model_package_containers"
    ).fetchall()
    assert sorted(rows) == [(1, "sklearn", FEATURIZER), (2, "xgboost", best)]


# --- every real definition, damaged at random, still resolves, records and renders


def test_randomly_damaged_real_definitions_never_raise_in_the_resolver_or_the_records(store):
    """Damaged copies of each definition through the contract and the records; one in eleven
    also lands in a real store (typed columns: a list where a name was, a string Arguments)."""
    rng = random.Random(416)
    names = sorted(path.stem for path in FIXTURES.glob("*.json"))
    assert len(names) >= 11
    warned = 0
    for index in range(330):
        document = load(names[index % len(names)])
        damage(document, rng)
        result = pipeline_lineage(document)
        assert json.loads(json.dumps(result)) == result
        nodes = {node["id"] for node in result["graphPipeline"]["nodes"]}
        assert {e["from"] for e in result["graphPipeline"]["edges"]} <= nodes
        text = json.dumps(document)
        run = Execution(f"{PIPELINE_ARN}/execution/x{index}", {}, {}, text, {}, ())
        pipeline = Pipeline(ACCOUNT, "us-east-1", "Damaged", PIPELINE_ARN, text)
        records = crawl_records(PipelineCrawl(pipeline, (run,), {}, {}, ()))
        if index % 11 == 0:
            store.replace_source(records)
        warned += bool(result["warnings"])
    assert warned > 100  # the damage reaches the resolver's checks


def test_damaged_parameter_declarations_are_skipped_or_cleaned_not_fatal(store):
    """Found by the fuzzing above: `EnumValues: true` stopped the whole pipeline's records."""
    document = load("abalone")
    document["Parameters"] += [
        {"Name": "Mode", "Type": "String", "DefaultValue": "a", "EnumValues": True},
        {"Name": {"Get": "Parameters.X"}, "Type": "String"},
        {"Name": "Odd", "Type": ["String"], "DefaultValue": {"k": 1}},
    ]
    text = json.dumps(document)
    pipeline = Pipeline(ACCOUNT, "us-east-1", "Abalone", PIPELINE_ARN, text)
    store.replace_source(pipeline_records(pipeline))
    rows = store.conn.execute(
        "SELECT name, type, default_value, enum_values FROM sagemaker_pipeline_parameters "
        "WHERE name IN ('Mode', 'Odd') ORDER BY name"
    ).fetchall()
    assert rows == [("Mode", "String", "a", None), ("Odd", None, "{'k': 1}", None)]


def test_damaged_step_names_and_arguments_land_in_typed_columns(store):
    """Found by fuzzing: a list DisplayName and a bare-string Arguments stopped the records
    of the whole pipeline at the store."""
    document = load("abalone")
    document["Steps"][0]["DisplayName"] = ["not", "text"]
    document["Steps"][1]["Arguments"] = "s3://x/y"
    text = json.dumps(document)
    run = Execution(f"{PIPELINE_ARN}/execution/d1", {}, {}, text, {}, ())
    pipeline = Pipeline(ACCOUNT, "us-east-1", "Abalone", PIPELINE_ARN, text)
    store.replace_source(crawl_records(PipelineCrawl(pipeline, (run,), {}, {}, ())))
    rows = store.conn.execute(
        "SELECT step_name, display_name, arguments::VARCHAR FROM sagemaker_steps "
        "WHERE step_name IN ('AbaloneProcess', 'AbaloneTrain') ORDER BY step_name"
    ).fetchall()
    assert rows[0][:2] == ("AbaloneProcess", None)
    assert rows[1] == ("AbaloneTrain", None, '"s3://x/y"')


def test_every_real_definition_names_each_input_and_output_of_a_step_once():
    """Observed I/O is keyed by (step, direction, channel): a repeated channel would hide data
    (two tuning algorithms' outputs, ModelMetrics and DriftCheckBaselines files did)."""
    for path in sorted(FIXTURES.glob("*.json")):
        resolved = resolve_definition(load(path.stem))
        keys = [(io.step, io.direction, io.channel) for io in resolved.io]
        assert len(keys) == len(set(keys)), path.stem
        assert all(io.uri is None or io.uri.startswith(("s3://", "{")) for io in resolved.io)
