"""The retention asset and its check in Dagster: nothing to do without locations; with them,
the check fails naming the dataset and both reports while a dataset holds a deleted id, and
passes once a newer cross-check no longer finds it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.retention.assets import NOT_CONFIGURED, retention_reports
from dagster_project.defs.retention.checks import retention_no_deleted_ids_held
from dagster_project.resources import LineageStoreResource, RetentionReportsResource
from lineage_assets import config
from lineage_assets.store import LineageStore, SourceRecords

DELETED = "subject-8001011234567"


def write(path: Path, document: object, mtime: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    os.utime(path, (mtime, mtime))


def materialize(home: Path, locations: str) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [retention_reports, retention_no_deleted_ids_held],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "retention": RetentionReportsResource(locations=locations),
            },
            instance=instance,
        )


def test_without_locations_there_is_nothing_to_do_and_no_store(tmp_path, monkeypatch):
    monkeypatch.delenv("LINEAGE_RETENTION_REPORTS", raising=False)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [retention_reports],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
                "retention": RetentionReportsResource(),
            },
            instance=instance,
        )
    assert result.success
    metadata = result.asset_materializations_for_node("retention_reports")[0].metadata
    assert metadata["reports"].value == NOT_CONFIGURED
    assert not config.duckdb_path(tmp_path).exists()


def test_the_locations_default_to_the_environment_variable(monkeypatch):
    monkeypatch.setenv("LINEAGE_RETENTION_REPORTS", " /r/rds-*.json, s3://b/x/ ,")
    assert RetentionReportsResource().location_list == ["/r/rds-*.json", "s3://b/x/"]
    assert RetentionReportsResource(locations="/given.json").location_list == ["/given.json"]


@pytest.mark.parametrize("deleted_still_there", [True, False])
def test_the_check_names_dataset_and_reports_while_a_deleted_id_is_held(
    tmp_path, deleted_still_there
):
    home = tmp_path / "home"
    home.mkdir()
    with LineageStore.open(config.duckdb_path(home)) as store:
        edge = {"source_node": "data:s3://lake/users", "target_node": "t", "edge_kind": "x"}
        store.replace_source(SourceRecords("test:datasets", "test").add("inferred_edges", [edge]))
    rds = tmp_path / "rds" / "rds-auto.json"
    write(rds, {"items": [{"user_id": DELETED, "status": "deleted"}]}, 1_000)
    xcheck = tmp_path / "xcheck" / "xcheck-1.json"
    write(xcheck, [{"file": "s3/lake/users/part-0.csv", "ids": [DELETED]}], 2_000)
    if not deleted_still_there:
        write(tmp_path / "xcheck" / "xcheck-2.json", {"affected": []}, 3_000)
    result = materialize(home, f"{tmp_path}/rds/*.json, {tmp_path}/xcheck/")
    assert result.success
    metadata = result.asset_materializations_for_node("retention_reports")[0].metadata
    assert metadata["reports_read"].value == (2 if deleted_still_there else 3)
    assert metadata["reports_refused"].value == 0
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed is not deleted_still_there
    details = evaluation.metadata["details"].value
    if deleted_still_there:
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert evaluation.metadata["datasets_holding_deleted_ids"].value == 1
        assert "s3://lake/users still holds 1 id(s) reported deleted by" in details
        assert str(rds) in details and str(xcheck) in details
    assert DELETED not in details
