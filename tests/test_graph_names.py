"""Names are data: snapshot files named after pipelines are short, distinct for distinct names
and inside the data folder whatever the name (256 characters, `/`, `..`, unicode), and a
snapshot row never exists without its file (a failed write is retried, a lost file rewritten)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import boto3
import dagster as dg
import duckdb
import pytest

from dagster_project.definitions import defs
from dagster_project.defs.graph.assets import lineage_graph
from dagster_project.resources import LineageStoreResource
from lineage_assets import config
from lineage_assets.cli import main
from lineage_assets.graph import snapshot
from lineage_assets.store import LineageStore, SourceRecords, Upsert
from lineage_dev.emulator.definitions import ROLE_ARN, processing_arguments, s3_input, s3_output

LONG_NAME = ("Churn-" * 43)[:255] + "X"  # 256 characters: the longest name SageMaker accepts
ACCOUNT = "123456789012"  # the account of the pipelines written straight into a store
NAMES_ACCOUNT = "210987654322"  # an emulator account of its own (the seeded one is untouched)

HOSTILE_SCOPES = [
    f"sagemaker:us-east-1/{LONG_NAME}",
    f"sagemaker:eu-west-1/{LONG_NAME}",
    "sagemaker:us-east-1/a/b",
    "sagemaker:us-east-1/a_b",
    "sagemaker:us-east-1/a:b",
    "sagemaker:us-east-1/..",
    "sagemaker:us-east-1/../../../../etc/passwd",
    "sagemaker:us-east-1/.hidden",
    "sagemaker:us-east-1/파이프라인",
    "sagemaker:us-east-1/e\u0301",  # decomposed é
    "sagemaker:us-east-1/\u00e9",  # composed é: another name, another file
    "sagemaker:us-east-1/with\nnewline\x00and nul",
    "sagemaker:us-east-1/" + "/" * 300,
    "sagemaker:us-east-1/",
    "global/..",
]


def test_file_names_are_short_distinct_and_stay_in_the_folder(tmp_path):
    names = [snapshot.file_name(scope) for scope in HOSTILE_SCOPES]
    assert len(set(names)) == len(names)
    assert "global.json" not in names
    for scope, name in zip(HOSTILE_SCOPES, names, strict=True):
        assert len(name.encode()) <= 120, scope
        assert name.isascii() and name.endswith(".json")
        assert not name.startswith(".") and "/" not in name and "\x00" not in name
        path = snapshot.file_path(tmp_path, scope)
        assert path.parent == tmp_path and path.resolve().parent == tmp_path.resolve()
    assert snapshot.file_name(snapshot.GLOBAL_SCOPE) == "global.json"
    assert snapshot.file_name("sagemaker:us-east-1/AbalonePipeline").startswith(
        "sagemaker_us-east-1_AbalonePipeline-"
    )


# -- the long name end to end: emulator → crawl → graph → file → CLI --------------------------


def create_pipeline(region: str, name: str) -> None:
    """A one-step pipeline reading and writing S3, created in the current emulator account."""
    definition = {
        "Version": "2020-12-01",
        "Parameters": [],
        "Steps": [
            {
                "Name": "Prepare",
                "Type": "Processing",
                "Arguments": processing_arguments(
                    region=region,
                    script="prepare.py",
                    inputs=[s3_input("raw", "s3://names-raw/in/", "/opt/ml/processing/input")],
                    outputs=[s3_output("out", "s3://names-lake/out/")],
                ),
            }
        ],
    }
    boto3.client("sagemaker", region_name=region).create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn=ROLE_ARN
    )


def test_a_256_character_pipeline_name_goes_through_the_lineage_job(
    aws_env, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", NAMES_ACCOUNT)
    for region in ("us-east-1", "eu-west-1"):  # the same long name in two regions
        create_pipeline(region, LONG_NAME)
    home = tmp_path / "home"
    monkeypatch.setenv("LINEAGE_HOME", str(home))
    monkeypatch.setenv("LINEAGE_AWS_REGIONS", "us-east-1,eu-west-1")
    monkeypatch.setenv("LINEAGE_SQL_REPO", str(tmp_path / "no-sql.git"))  # a stale source only
    with dg.instance_for_test() as instance:
        job = defs().resolve_job_def("lineage_job")
        assert job.execute_in_process(instance=instance, raise_on_error=False).success
    assert materialize_graph(home).success  # again, nothing changed

    scopes = {
        f"sagemaker:{NAMES_ACCOUNT}/{region}/{LONG_NAME}" for region in ("us-east-1", "eu-west-1")
    }
    con = duckdb.connect(str(config.published_path(home)), read_only=True)
    try:
        rows = con.execute("SELECT scope, count(*) FROM graph_snapshots GROUP BY 1").fetchall()
    finally:
        con.close()
    assert dict(rows) == {"global": 1} | dict.fromkeys(scopes, 1)  # unchanged: not saved twice
    folder = home / "graph"
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(["global.json", *(snapshot.file_name(s) for s in scopes)])
    for scope in scopes:
        document = json.loads(snapshot.file_path(folder, scope).read_text())
        assert document["pipeline"]["sourceKey"] == scope
        assert "Prepare" in {n["id"] for n in document["graphPipeline"]["nodes"]}

    assert main(["graph", "--pipeline", LONG_NAME, "--region", "eu-west-1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {k: printed["pipeline"][k] for k in ("region", "name", "sourceKey")} == {
        "region": "eu-west-1",
        "name": LONG_NAME,
        "sourceKey": f"sagemaker:{NAMES_ACCOUNT}/eu-west-1/{LONG_NAME}",
    }
    assert main(["graph", "--pipeline", LONG_NAME]) == 2  # two regions: it asks for one
    assert "2 snapshots match" in capsys.readouterr().err


# -- odd names in the store, the asset, and the order of file and row --------------------------


def pipeline_records(region: str, name: str) -> SourceRecords:
    """A crawled pipeline as the SageMaker crawler stores it (one step, its definition)."""
    arn = f"arn:aws:sagemaker:{region}:123456789012:pipeline/{name}"
    definition = json.dumps(
        {"Version": "2020-12-01", "Steps": [{"Name": "Only", "Type": "Processing"}]}
    )
    records = SourceRecords(f"sagemaker:{ACCOUNT}/{region}/{name}", "sagemaker_pipeline", name)
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": ACCOUNT,
                "region": region,
                "pipeline_name": name,
                "pipeline_arn": arn,
                "definition_hash": "d",
            }
        ],
    )
    records.history.append(
        Upsert(
            "sagemaker_pipeline_versions",
            ("pipeline_arn", "definition_hash"),
            [{"pipeline_arn": arn, "definition_hash": "d", "definition": definition}],
        )
    )
    return records


ODD_NAMES = ["a/b", "a_b", "..", "../../outside", "파이프라인"]


@pytest.fixture
def home(tmp_path) -> Path:
    """A data folder whose store holds one pipeline per odd name."""
    home = tmp_path / "home"
    with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
        store.replace_sources([pipeline_records("us-east-1", name) for name in ODD_NAMES])
    return home


def materialize_graph(home: Path) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [lineage_graph],
            resources={"lineage_store": LineageStoreResource(lineage_home=str(home))},
            instance=instance,
        )


def snapshot_rows(home: Path) -> dict[str, int]:
    with LineageStore.open(config.duckdb_path(home)) as store:
        rows = store.conn.execute("SELECT scope, count(*) FROM graph_snapshots GROUP BY 1")
        return dict(rows.fetchall())


def test_names_differing_by_slash_and_underscore_get_their_own_snapshot_files(
    home, monkeypatch, capsys
):
    assert materialize_graph(home).success
    folder = home / "graph"
    scopes = [f"sagemaker:{ACCOUNT}/us-east-1/{name}" for name in ODD_NAMES]
    assert set(snapshot_rows(home)) == {"global", *scopes}
    for scope in scopes:
        document = json.loads(snapshot.file_path(folder, scope).read_text())
        assert document["pipeline"]["sourceKey"] == scope
    assert len(list(folder.iterdir())) == len(scopes) + 1  # nothing written anywhere else
    assert sorted(p.name for p in home.iterdir()) == sorted(
        ["graph", "lineage.duckdb", "lineage_published.duckdb"]
    )

    monkeypatch.setenv("LINEAGE_HOME", str(home))
    for name in ODD_NAMES:
        assert main(["graph", "--pipeline", name]) == 0
        assert json.loads(capsys.readouterr().out)["pipeline"]["name"] == name
    assert main(["graph", "--pipeline", "b"]) == 1  # a whole name, never the end of `a/b`
    assert capsys.readouterr().err.startswith("error: unknown pipeline 'b'")


def test_a_snapshot_whose_file_cannot_be_written_has_no_row_and_is_saved_next_run(home):
    (home / "graph").write_text("a file where the folder should be")
    failed = materialize_graph(home)
    assert failed.success  # the graph is built; the snapshots wait for the next run
    metadata = failed.asset_materializations_for_node("lineage_graph")[0].metadata
    assert "FileExistsError" in metadata["snapshots_not_saved"].value
    assert snapshot_rows(home) == {}

    (home / "graph").unlink()
    assert materialize_graph(home).success
    assert len(snapshot_rows(home)) == len(ODD_NAMES) + 1
    assert len(list((home / "graph").iterdir())) == len(ODD_NAMES) + 1


def test_a_lost_or_altered_file_is_rewritten_by_the_next_run(home):
    assert materialize_graph(home).success
    folder = home / "graph"
    lost = snapshot.file_path(folder, f"sagemaker:{ACCOUNT}/us-east-1/a/b")
    altered = snapshot.file_path(folder, f"sagemaker:{ACCOUNT}/us-east-1/a_b")
    expected = altered.read_bytes()
    lost.unlink()
    altered.write_text("{}")
    assert materialize_graph(home).success
    assert (
        snapshot_rows(home)[f"sagemaker:{ACCOUNT}/us-east-1/a/b"] == 1
    )  # unchanged: no second row
    assert json.loads(lost.read_text())["pipeline"]["name"] == "a/b"
    assert altered.read_bytes() == expected
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_the_cli_without_configuration_answers_in_one_line(tmp_path, monkeypatch, capsys):
    """The CLI has a default for every variable: reading before any crawl says so in one line
    and creates nothing."""
    for name in config.DAGSTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    for command in (["graph"], ["graph", "--pipeline", LONG_NAME], ["pii-exposure"]):
        assert main(command) == 2
        error = capsys.readouterr().err
        assert error.startswith("error: no published store at ") and error.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_links_pipes_and_leftovers_in_the_snapshot_folder_are_never_followed(home, tmp_path):
    assert materialize_graph(home).success
    folder = home / "graph"
    outside = tmp_path / "outside.json"
    outside.write_text("keep me")
    linked = snapshot.file_path(folder, f"sagemaker:{ACCOUNT}/us-east-1/a/b")
    piped = snapshot.file_path(folder, f"sagemaker:{ACCOUNT}/us-east-1/a_b")
    linked.unlink()
    linked.symlink_to(outside)  # a planted link: replaced, never written through
    piped.unlink()
    os.mkfifo(piped)  # a pipe: never read (it would block)
    leftover = folder / ".0123abcd.tmp"
    leftover.write_text("from a killed build")
    assert materialize_graph(home).success
    assert outside.read_text() == "keep me"
    assert not linked.is_symlink() and json.loads(linked.read_text())["pipeline"]["name"] == "a/b"
    assert piped.is_file() and json.loads(piped.read_text())["pipeline"]["name"] == "a_b"
    assert not leftover.exists()

    shutil.rmtree(folder)
    (tmp_path / "elsewhere").mkdir()
    folder.symlink_to(tmp_path / "elsewhere")  # the folder itself a link: nothing written
    result = materialize_graph(home)
    assert result.success
    unsaved = result.asset_materializations_for_node("lineage_graph")[0].metadata
    assert "symbolic link" in unsaved["snapshots_not_saved"].value
    assert list((tmp_path / "elsewhere").iterdir()) == []
