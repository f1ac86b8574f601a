"""`lineage-assets sql`: JSON and table output, exit 1 when a statement fails (real files)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from lineage_assets.cli.sql import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_json_output_with_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = tmp_path / "q.sql"
    sql.write_text("CREATE TABLE t AS SELECT * FROM s;\n")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"s": {"a": "int", "b": "unknown"}}))
    assert run(["sql", str(sql), "--schema", str(schema)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["targets"] == ["t"] and result["sources"] == ["s"]
    assert result["column_lineage"] == [["t.a", "s.a", "identity"], ["t.b", "s.b", "identity"]]
    assert result["statements"][0]["start_line"] == 1


def test_error_exits_1_and_still_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = tmp_path / "bad.sql"
    sql.write_text("SELECT a FROM s;\nSELEC x FROM;\n")
    assert run(["sql", str(sql), "--dialect", "athena"]) == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["statements"][1]["error"].startswith("line 2")
    assert "bad.sql" in captured.err


def test_table_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = tmp_path / "q.sql"
    sql.write_text("INSERT INTO t (x) SELECT md5(e) FROM s;\n")
    assert run(["sql", str(sql), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "INSERT" in out and "t.x" in out and "(masking)" in out


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert run(["sql", str(tmp_path / "nope.sql")]) == 2
