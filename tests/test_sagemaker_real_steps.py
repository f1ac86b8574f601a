"""The resolver on more definitions the SageMaker Python SDK (v2.257) wrote
(tests/fixtures/sagemaker_real/generate/): legacy step collections, notebook jobs, framework
and Spark processors, EMR on a new cluster, training side outputs; each step's I/O and edges
as the definition says them."""

from __future__ import annotations

from lineage_assets.sagemaker.resolver import resolve_definition
from tests.test_sagemaker_real_definitions import BUCKET, RUN, connected, edges_of, io_of, load

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


def test_claims_emr_on_a_new_cluster_copies_data_and_writes_its_logs():
    resolved = resolve_definition(load("claims_legacy"))
    assert io_of(resolved, "ArchiveClaims", "input") == {"arg-2": CLEANED}
    assert io_of(resolved, "ArchiveClaims", "output") == {
        "arg-4": "s3://archive-111122223333/claims/",
        "logs": f"{CLAIMS}/emr-logs/",
    }
