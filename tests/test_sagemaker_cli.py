"""`lineage-assets sagemaker list|lineage --live` against the seeded emulator, and offline on a
definition file (the stored default: test_cli_store_lineage.py)."""

from __future__ import annotations

import argparse
import json

import pytest

from lineage_assets.cli import sagemaker as cli_sagemaker
from lineage_dev.emulator import definitions as seeded


def run(capsys, *argv):
    parser = argparse.ArgumentParser(prog="lineage-assets")
    cli_sagemaker.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sagemaker", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_list_every_region_and_filter_by_domain(aws_env, capsys):
    code, listing, _ = run(capsys, "list", "--live", "--region", "us-east-1,eu-west-1")
    assert code == 0
    names = {p["name"]: r["region"] for r in listing["regions"] for p in r["pipelines"]}
    assert names == dict(aws_env.pipelines)
    code, listing, _ = run(
        capsys, "list", "--live", "--region", "us-east-1", "--domain", "ML-PLATFORM"
    )
    domain_pipelines = {p["name"] for r in listing["regions"] for p in r["pipelines"]}
    assert domain_pipelines == {seeded.ABALONE_PIPELINE, seeded.CHURN_PIPELINE}
    entry = listing["regions"][0]["pipelines"][0]
    assert entry["matchedDomain"]["DomainId"] == aws_env.domain_id


def test_lineage_of_a_never_run_pipeline(aws_env, capsys):
    code, result, _ = run(
        capsys, "lineage", seeded.FRAUD_PIPELINE, "--live", "--region", "us-east-1"
    )
    assert code == 0
    assert [n["id"] for n in result["graphPipeline"]["nodes"]] == [
        "FraudFeatureEngineering",
        "FraudTuning",
    ]
    assert result["pipeline"]["name"] == seeded.FRAUD_PIPELINE


def test_lineage_of_the_latest_execution(aws_env, capsys):
    code, result, _ = run(
        capsys,
        "lineage",
        seeded.ABALONE_PIPELINE,
        "--live",
        "--region",
        "us-east-1",
        "--latest-exec",
    )
    assert code == 0
    latest = aws_env.executions_of(seeded.ABALONE_PIPELINE)[-1]
    assert result["execution"]["arn"] == latest.arn
    assert result["summary"]["overallStatus"] == "Failed"
    nodes = {n["id"]: n for n in result["graphPipeline"]["nodes"]}
    assert nodes["AbaloneTransform"]["run"]["status"] == "Failed"
    assert nodes["AbaloneProcess"]["run"]["cacheSourceExecutionArn"] == latest.cache_source_arn
    assert nodes["AbaloneRegisterModel-RegisterModel"]["registry"]["modelPackageArn"]
    assert nodes["AbaloneTransform"]["inputs"][0]["uri"] == latest.parameters["BatchData"]
    assert "AbaloneMSEFail" in nodes and "run" not in nodes["AbaloneMSEFail"]  # branch not taken
    differs = {(d["step"], d["channel"]): d for d in result["execution"]["differsFromDefaults"]}
    assert set(differs) == {("AbaloneTransform", "input")}  # BatchData is the only URI override
    assert differs[("AbaloneTransform", "input")]["default"] == seeded.ABALONE_BATCH_DATA
    assert result["execution"]["overriddenParameters"]["MseThreshold"] == "7.5"
    evaluation = nodes["AbaloneEval"]["run"]
    assert evaluation["metrics"]["eval.regression_metrics.mse.value"] == 4.2  # seed.py
    assert evaluation["reportObject"].endswith("/evaluation.json")


def test_data_view_only(aws_env, capsys):
    code, result, _ = run(
        capsys, "lineage", seeded.EU_PIPELINE, "--live", "--region", "eu-west-1", "--view", "data"
    )
    assert code == 0 and "graphPipeline" not in result and result["graphData"]["nodes"]


def test_unknown_pipeline_is_a_clear_error(aws_env, capsys):
    code, result, err = run(capsys, "lineage", "AbalonePipelin", "--live", "--region", "us-east-1")
    assert code == 1 and result is None
    assert err == (
        "error: unknown pipeline in us-east-1 'AbalonePipelin'; close matches: AbalonePipeline\n"
    )


def test_offline_definition_with_parameters(tmp_path, capsys):
    path = tmp_path / "abalone.json"
    path.write_text(json.dumps(seeded.abalone_definition()))
    code, result, _ = run(
        capsys, "lineage", "--definition", str(path), "--param", "BatchData=s3://b/other/"
    )
    assert code == 0
    transform = next(n for n in result["graphPipeline"]["nodes"] if n["id"] == "AbaloneTransform")
    assert transform["inputs"][0]["uri"] == "s3://b/other/"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--definition", "missing.json"], "missing.json"),
        (["--definition", "x.json", "--param", "novalue"], "'novalue' is not K=V"),
        ([], "NAME or --definition"),
    ],
)
def test_offline_errors_name_the_problem(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "lineage", *argv)
    assert code == 2 and message in err


def test_offline_odd_definition_warns_on_stderr(tmp_path, capsys):
    path = tmp_path / "odd.json"
    path.write_text('{"Steps": [{"Name": "X", "Type": "Quantum"}]}')
    code, result, err = run(capsys, "lineage", "--definition", str(path))
    assert code == 0 and result["graphPipeline"]["nodes"][0]["type"] == "Quantum"
    assert f"warning: {path}:" in err and "Quantum" in err


def test_hostile_definitions_give_one_line_never_a_traceback(aws_env, capsys, tmp_path):
    from lineage_assets import aws

    deep = '{"Steps": ' + "[" * 200_000 + "]" * 200_000 + "}"
    sagemaker = aws.client("sagemaker", "ap-south-1")
    sagemaker.create_pipeline(
        PipelineName="DeepCli", PipelineDefinition=deep, RoleArn=seeded.ROLE_ARN
    )
    code, result, err = run(capsys, "lineage", "DeepCli", "--live", "--region", "ap-south-1")
    assert (code, result) == (1, None)
    assert err.startswith("error: DeepCli in ap-south-1: too_deep: definition nests 200001 deep")
    assert err.count("\n") == 1

    (tmp_path / "deep.json").write_text(deep)
    code, result, err = run(capsys, "lineage", "--definition", str(tmp_path / "deep.json"))
    assert code == 0 and result["graphPipeline"]["nodes"] == []
    assert "nests 200001 deep" in result["warnings"][0] and "warning:" in err
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00binary")
    code, result, err = run(capsys, "lineage", "--definition", str(tmp_path / "binary.json"))
    assert (code, result) == (2, None) and err.startswith("error: ") and "utf-8" in err


def test_the_parser_offers_the_contract_views():
    from lineage_assets.contract.definition import VIEWS

    assert cli_sagemaker.VIEWS == VIEWS
