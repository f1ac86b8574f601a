"""Red-team attacks on dbt projects through `lineage-assets sql-sync`."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from lineage_assets import cli
from tests.test_hostile_git import PROJECT, make_remote

BIG = "9" * 5000  # past Python's 4,300-digit int conversion limit


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("models/schema.yml", f"version: 2\nmodels:\n  - name: a\n    meta:\n      n: {BIG}\n"),
        ("dbt_project.yml", f"{PROJECT}vars:\n  big: {BIG}\n"),
    ],
)
def test_huge_integer_in_dbt_yaml_is_that_files_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: str,
    text: str,
) -> None:
    files = {
        "dbt_project.yml": PROJECT,
        "models/a.sql": "select 1 as x",
        "plain/q.sql": "INSERT INTO mart.t SELECT a FROM raw.t;\n",
    }
    files[path] = text
    url = make_remote(tmp_path, files)
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path / "home"))
    code = cli.main(["sql-sync", "--repo", url, "--name", "rt"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["error"] is None
    with duckdb.connect(str(tmp_path / "home" / "lineage.duckdb"), read_only=True) as conn:
        edges = conn.execute("SELECT source_table, target_table FROM table_edges").fetchall()
    assert ("raw.t", "mart.t") in edges
