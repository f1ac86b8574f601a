"""Empty is input too: the whole lineage job on an AWS account with no bucket, no pipeline and
nothing to sample (a fresh account of the emulator), with a SQL repository that has no parse
error or no SQL at all. Every asset materializes, every check passes, every metadata table
carries its schema."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.definitions import defs
from lineage_assets import config

EMPTY_ACCOUNT = "210987654390"  # an account of the emulator where nothing was ever created
# (not 210987654321: that is the seeded organization's member account)


def git_remote(root: Path, files: dict[str, str]) -> Path:
    """A bare remote whose `main` has one commit holding `files` (none: an empty commit)."""
    work, remote = root / "work", root / "remote.git"
    work.mkdir(parents=True)

    def git(*args: str, cwd: Path = work) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    git("add", "-A")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "first",
    )
    git("clone", "-q", "--bare", str(work), str(remote), cwd=root)
    return remote


@pytest.fixture
def empty_account(aws_env, monkeypatch):
    """Every AWS call of the test goes to an account where nothing exists (moto keeps one state
    per account id; the session's seeded account is untouched)."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", EMPTY_ACCOUNT)
    return EMPTY_ACCOUNT


REPOSITORIES = {
    "clean": {
        "models/orders.sql": "CREATE TABLE mart.orders AS\nSELECT id, amount FROM raw.orders;\n",
    },
    "no_sql": {"README.md": "Nothing here yet.\n"},
}


@pytest.mark.parametrize("repository", sorted(REPOSITORIES))
def test_the_lineage_job_succeeds_on_an_empty_account(
    empty_account, repository, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    remote = git_remote(tmp_path / "git", REPOSITORIES[repository])
    monkeypatch.setenv("LINEAGE_HOME", str(home))
    monkeypatch.setenv("LINEAGE_AWS_REGIONS", "us-east-1,eu-west-1")
    monkeypatch.setenv("LINEAGE_SQL_REPO", str(remote))
    with dg.instance_for_test() as instance:
        result = (
            defs()
            .resolve_job_def("lineage_job")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
    failures = [e.message for e in result.all_events if e.is_failure]
    assert result.success, failures

    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks, "the job ran no check"
    assert all(c.passed for c in checks.values()), {n: c.metadata for n, c in checks.items()}
    assert checks["s3_pii_bucket_protection"].metadata["findings"].value.records == []

    tables = 0
    for materialization in result.get_asset_materialization_events():
        metadata = materialization.materialization.metadata
        for key, value in metadata.items():
            if isinstance(value, dg.TableMetadataValue):
                tables += 1
                assert value.schema.columns, f"{materialization.asset_key} {key} has no schema"
    assert tables >= 5
    by_asset = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert by_asset["s3_bucket_posture"]["dagster/row_count"].value == 0
    assert by_asset["sagemaker_crawl"]["dagster/row_count"].value == 0
    assert by_asset["s3_dataset_schemas"]["dagster/row_count"].value == 0
    assert by_asset["sql_lineage"]["parse_errors"].value.records == []

    con = duckdb.connect(str(config.published_path(home)), read_only=True)
    try:
        runs = con.execute("SELECT status FROM crawl_runs").fetchall()
        scopes = con.execute("SELECT scope FROM graph_snapshots").fetchall()
    finally:
        con.close()
    assert runs == [("succeeded",)]
    assert scopes == [("global",)]
    assert (home / "graph" / "global.json").exists()
