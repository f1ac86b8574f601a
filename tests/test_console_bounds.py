"""The console's bounds as a user meets them: settings that cannot be raised from SQL, one-line
configuration errors naming the variable, and cell values that cannot drive the terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lineage_assets import cli, config


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    assert cli.main(["init"]) == 0
    return tmp_path


@pytest.mark.parametrize(
    "sql",
    [
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "SET temp_directory = '/tmp'",
        "RESET memory_limit",
        "SELECT * FROM duckdb_settings() WHERE name = 'x'; SET max_temp_directory_size = '1TB'",
    ],
)
def test_bounds_cannot_be_raised_from_the_console(
    home: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", sql]) == 2
    assert capsys.readouterr().err.startswith("error: refused")


def test_memory_bound_follows_the_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINEAGE_QUERY_MEMORY", "300MiB")
    assert cli.main(["query", "--format", "csv", "SELECT current_setting('memory_limit')"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "300.0 MiB"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LINEAGE_HOME", "~nosuchuser/x"),
        ("LINEAGE_QUERY_TIMEOUT", "soon"),
        ("LINEAGE_QUERY_TIMEOUT", "-1"),
        ("LINEAGE_QUERY_TIMEOUT", "nan"),
        ("LINEAGE_QUERY_MEMORY", "lots"),
        ("LINEAGE_QUERY_MEMORY", "1KB"),
    ],
)
def test_an_unusable_value_is_one_line_naming_the_variable(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert cli.main(["query", "SELECT 1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {variable}=") and len(err.splitlines()) == 1


def test_a_home_of_an_unknown_user_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_HOME", "~nosuchuser-of-this-host/x")
    with pytest.raises(config.ConfigError, match=r"^LINEAGE_HOME="):
        config.lineage_home()


def test_table_cells_and_names_are_printed_escaped(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = (
        "SELECT 'ok' || chr(27) || ']0;pwned' || chr(7) AS \"col\x1b[2J\","
        " 'two' || chr(10) || 'lines' || chr(9) || 'tab' AS b, chr(8238) || 'evil' AS c, NULL AS d"
    )
    assert cli.main(["query", sql]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "col\\x1b[2J" in out and "ok\\x1b]0;pwned\\x07" in out
    assert "two\\nlines\\ttab" in out and "\\u202eevil" in out and "NULL" in out
    assert len(out.splitlines()) == 4


class Terminal(io.StringIO):
    """Standard output as seen when it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stdout", "expected"), [(io.StringIO, "v\r\na\x1bb\r\n"), (Terminal, "v\r\na\\x1bb\r\n")]
)
def test_csv_is_exact_into_a_pipe_and_escaped_on_a_terminal(
    home: Path, monkeypatch: pytest.MonkeyPatch, stdout: type[io.StringIO], expected: str
) -> None:
    captured = stdout()
    monkeypatch.setattr("sys.stdout", captured)
    assert cli.main(["query", "--format", "csv", "SELECT 'a' || chr(27) || 'b' AS v"]) == 0
    assert captured.getvalue() == expected
