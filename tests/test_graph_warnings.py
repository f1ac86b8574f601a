"""Odd pipeline definitions are visible: crawled from the emulator, their warnings (a cycle, a
step that depends on no step, no steps at all) reach the per-pipeline snapshot file and the
`lineage_graph` metadata, and the graph is still built for every pipeline."""

from __future__ import annotations

import json

import boto3
import dagster as dg

from dagster_project.defs.graph.assets import lineage_graph
from dagster_project.defs.sagemaker.assets import sagemaker_crawl
from dagster_project.defs.store.assets import crawl_run
from dagster_project.resources import AwsResource, LineageStoreResource
from lineage_assets.graph import snapshot
from lineage_dev.emulator.definitions import ROLE_ARN

WARNINGS_ACCOUNT = "210987654323"  # an emulator account of its own


def step(name: str, *depends_on: str) -> dict:
    return {"Name": name, "Type": "Processing", "Arguments": {}, "DependsOn": list(depends_on)}


DEFINITIONS = {
    "Cyclic": {"Version": "2020-12-01", "Steps": [step("A", "B"), step("B", "A")]},
    "MissingRef": {"Version": "2020-12-01", "Steps": [step("A", "Ghost")]},
    "NoSteps": {"Version": "2020-12-01"},
    "Fine": {"Version": "2020-12-01", "Steps": [step("A"), step("B", "A")]},
}


def test_definition_warnings_reach_the_snapshot_and_the_metadata(aws_env, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", WARNINGS_ACCOUNT)
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    for name, definition in DEFINITIONS.items():
        sagemaker.create_pipeline(
            PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn=ROLE_ARN
        )
    home = tmp_path / "home"
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [crawl_run, sagemaker_crawl, lineage_graph],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "aws": AwsResource(regions="us-east-1"),
            },
            instance=instance,
        )
    assert result.success
    metadata = result.asset_materializations_for_node("lineage_graph")[0].metadata
    rows = [r.data for r in metadata["pipeline_warnings"].value.records]
    warned = {row["pipeline"].rsplit("/", 1)[-1] for row in rows}
    assert warned == {"Cyclic", "MissingRef", "NoSteps"}
    assert all(row["code"] and row["message"] for row in rows)
    snapshots = {r.data["scope"]: r.data for r in metadata["snapshots"].value.records}
    for name in DEFINITIONS:
        scope = f"sagemaker:{WARNINGS_ACCOUNT}/us-east-1/{name}"
        document = json.loads(snapshot.file_path(home / "graph", scope).read_text())
        assert bool(document["warnings"]) == (name != "Fine"), name
        assert snapshots[scope]["warnings"] == len(document["warnings"])
    cyclic = json.loads(
        snapshot.file_path(
            home / "graph", f"sagemaker:{WARNINGS_ACCOUNT}/us-east-1/Cyclic"
        ).read_text()
    )
    assert any("A → B → A" in str(w) for w in cyclic["warnings"])
    missing = json.loads(
        snapshot.file_path(
            home / "graph", f"sagemaker:{WARNINGS_ACCOUNT}/us-east-1/MissingRef"
        ).read_text()
    )
    assert any("Ghost" in str(w) for w in missing["warnings"])
