"""The command line: init, query over the published copy, sql-sync, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_assets.cli import main
from lineage_dev.demo_repo import build_demo_remote

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


READERS = [
    ["query", "select 1"],
    ["s3", "schema", "s3://bucket/prefix/"],
    ["graph"],
    ["graph-diff", "1", "2"],
    ["impact", "s3://bucket/prefix/"],
    ["pii-exposure"],
]


@pytest.mark.parametrize("argv", READERS, ids=[a[0] for a in READERS])
def test_every_reader_without_a_store_says_so_in_one_line(home, capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "lineage_published.duckdb" in err and "LINEAGE_HOME" in err


@pytest.mark.parametrize("argv", [["init"], ["query", "select 1"], ["graph"]])
def test_a_data_folder_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys, argv):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("LINEAGE_HOME", str(not_a_folder))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(not_a_folder) in err


def test_sql_sync_without_a_repository_names_the_variable_and_writes_nothing(
    home, capsys, monkeypatch
):
    monkeypatch.delenv("LINEAGE_SQL_REPO", raising=False)
    assert main(["sql-sync"]) == 2
    err = capsys.readouterr().err
    assert "LINEAGE_SQL_REPO" in err and err.count("\n") == 1
    assert list(home.iterdir()) == []


def test_an_unexpected_error_is_one_line_without_a_traceback(home, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("lineage_assets.cli.store.open_store", broken)
    assert main(["init"]) == 1
    assert capsys.readouterr().err == "error: KeyError: 'boom'\n"


def test_a_reader_that_stops_early_gets_no_error(home):
    """`lineage-assets query … | head -1`: no broken-pipe message, no traceback."""
    assert main(["init"]) == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "lineage_assets", "query", "SELECT * FROM range(200000)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().strip() == b"range"
    process.stdout.close()
    assert process.stderr.read() == b""
    assert process.wait(timeout=60) == 0


@pytest.mark.parametrize("content", [b"", b"a,b\n1,2\n", b"\x00" * 5000])
def test_a_damaged_published_copy_is_one_line_and_left_as_is(home, capsys, content):
    published = home / "lineage_published.duckdb"
    published.write_bytes(content)
    assert main(["query", "select 1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(published) in err
    assert published.read_bytes() == content and sorted(home.iterdir()) == [published]


def loaded_modules(home: Path, script: str) -> str:
    """The last line a fresh interpreter printed after running `script`."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + script],
        capture_output=True,
        text=True,
        env={**os.environ, "LINEAGE_HOME": str(home)},
        check=True,
    )
    return done.stdout.splitlines()[-1]


LOADED = "print(sorted(m for m in sys.modules if m.split('.')[0] in HEAVY or m in HEAVY))\n"


def test_the_command_line_and_the_sync_import_no_aws_arrow_fs_or_openlineage(home):
    """What `lineage-assets sql-sync` imports before it runs, read from `sys.modules`."""
    script = (
        "HEAVY = ('boto3', 'botocore', 'pyarrow.fs', 'openlineage', 'moto', 'lineage_dev')\n"
        "from lineage_assets.cli import build_parser\n"
        "import lineage_assets.git_sql.sync\n"
        "build_parser()\n"
    )
    assert loaded_modules(home, script + LOADED) == "[]"


def test_a_sql_sync_loads_no_aws_client_nor_openlineage(home):
    """After a sync ran (DuckDB's scan of the records' Arrow tables loads pyarrow's dataset and
    filesystem modules itself, so those are not asked about)."""
    remote = build_demo_remote(PROJECT / "sql_repo", home / "sql_repo.git")
    script = (
        "HEAVY = ('boto3', 'botocore', 'openlineage', 'moto', 'lineage_dev')\n"
        "from lineage_assets.cli import main\n"
        f"assert main(['sql-sync', '--repo', {str(remote.path)!r}]) == 0\n"
    )
    assert loaded_modules(home, script + LOADED) == "[]"


@pytest.mark.parametrize("command", ["demo", "emulator"])
def test_the_demo_commands_point_at_the_checkout(home, capsys, command):
    assert main([command, "--port", "3000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make demo" in err and f"lineage_dev {command}" in err
