"""The command line: init, query over the published copy, sql-sync, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineage_assets.cli import main
from lineage_assets.demo_repo import build_demo_remote

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    return tmp_path


def test_query_needs_a_published_store_then_answers_from_it(home, capsys):
    assert main(["query", "select 1"]) == 2
    assert "no published store" in capsys.readouterr().err
    assert main(["init"]) == 0
    capsys.readouterr()
    assert (
        main(["query", "select version from schema_migrations order by 1", "--format", "json"]) == 0
    )
    versions = [row["version"] for row in json.loads(capsys.readouterr().out)]
    assert versions == sorted(versions) and versions[0] == 1


def test_query_is_read_only_and_reports_sql_errors(home, capsys):
    main(["init"])
    capsys.readouterr()
    assert main(["query", "delete from sources"]) == 2
    assert "read-only" in capsys.readouterr().err.lower()
    assert main(["query", "selec nonsense"]) == 2
    assert "error" in capsys.readouterr().err


def test_sql_sync_prints_a_summary_and_a_rerun_parses_nothing(home, capsys, monkeypatch):
    remote = build_demo_remote(PROJECT / "sql_repo", home / "sql_repo.git")
    monkeypatch.delenv("LINEAGE_SQL_REPO", raising=False)
    assert main(["sql-sync"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["commit"] == remote.head and first["statements_parsed"] > 10
    assert main(["sql-sync", "--repo", str(remote.path)]) == 0
    assert json.loads(capsys.readouterr().out)["statements_parsed"] == 0
    assert main(["query", "select count(*) as n from table_edges", "--format", "csv"]) == 0
    assert int(capsys.readouterr().out.splitlines()[1]) > 5


def test_sql_sync_of_a_missing_remote_exits_1_naming_it(home, capsys):
    assert main(["sql-sync", "--repo", str(home / "missing.git")]) == 1
    assert "missing.git" in json.loads(capsys.readouterr().out)["error"]


def test_unknown_arguments_are_refused(home):
    with pytest.raises(SystemExit):
        main(["query", "select 1", "--bogus"])
