"""Red-team attacks on `lineage-assets sql-sync` through the CLI: repositories built in temp
folders (plain SQL, dbt projects, SQL in Python, odd git trees) that try to read secrets, files
or the process, or to stop the sync."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from lineage_assets import cli
from lineage_assets.git_sql import repository
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

TOKEN = "rt-secret-token-7f3a9c"
AWS_SECRET = "rt-aws-secret-b81d"
PROJECT = "name: shop\nversion: '1.0'\nprofile: shop\n"


def git(*args: str, cwd: Path, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=a", "-c", "user.email=a@b", *args],
        cwd=cwd, input=data, capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout.decode().strip()


def make_remote(root: Path, files: dict[str, str | bytes], message: str = "init") -> str:
    """A bare remote whose main branch holds exactly `files` in one commit."""
    work = root / "work"
    work.mkdir(parents=True)
    git("init", "-q", "-b", "main", ".", cwd=work)
    for path, text in files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    git("clone", "-q", "--bare", str(work), str(root / "remote.git"), cwd=root)
    return str(root / "remote.git")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("LINEAGE_HOME", str(folder))
    monkeypatch.setenv("LINEAGE_GIT_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.delenv("LINEAGE_SQL_REPO", raising=False)
    return folder


def sync(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    code = cli.main(["sql-sync", "--repo", url, "--name", "rt"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), out + err


def rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "lineage.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def every_value(home: Path) -> str:
    """Every cell of every table of the store, as one text to grep."""
    with duckdb.connect(str(home / "lineage.duckdb"), read_only=True) as conn:
        tables = [t for (t,) in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return "\n".join(str(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)  # noqa: S608


def test_repository_settings_cannot_allow_secret_env_vars(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repository's own `.lineage.toml` naming secret variables in `[dbt] env_allow` must not
    let its templates read them (it put the git token into a table name and the stored SQL)."""
    url = make_remote(
        tmp_path,
        {
            "dbt_project.yml": PROJECT,
            ".lineage.toml": '[dbt]\nenv_allow = ["LINEAGE_GIT_TOKEN", "AWS_SECRET_ACCESS_KEY"]\n',
            "models/leak.sql": "select * from raw.t_{{ env_var('LINEAGE_GIT_TOKEN', 'd') }}"
            " union all select * from raw.u_{{ env_var('AWS_SECRET_ACCESS_KEY', 'd') }}",
        },
    )
    _, output = sync(url, capsys)
    stored = every_value(home)
    for secret in (TOKEN, AWS_SECRET):
        assert secret not in stored
        assert secret not in output
    with LineageStore.open(tmp_path / "direct.duckdb") as store:
        warnings = sync_repository(GitSourceConfig(remote=url), store, tmp_path / "cache").warnings
    assert any("[dbt] env_allow ignored" in w for w in warnings)


@pytest.mark.parametrize(
    ("name", "model", "expected_error"),
    [
        ("include_local", "select * from {% include 'models/b.sql' %}", "no loader"),
        ("include_abs", "{% include '/etc/passwd' %}", "no loader"),
        ("import_local", "{% import 'macros/m.sql' as m %}select 1", "no loader"),
        ("extends_abs", "{% extends '/etc/passwd' %}", "no loader"),
        ("format_width", "select '{{ '{:>10000000}'.format('x') }}'", "Error"),
        ("expandtabs", "select '{{ '\t'.expandtabs(10000000) }}'", "Error"),
        ("circular_json", "{% set l = [] %}{% do l.append(l) %}{{ tojson(l) }}", "Circular"),
    ],
)
def test_template_file_and_size_escapes_are_model_errors(
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    model: str,
    expected_error: str,
) -> None:
    url = make_remote(
        tmp_path,
        {
            "dbt_project.yml": PROJECT,
            "macros/m.sql": "{% macro m() %}1{% endmacro %}",
            "models/b.sql": "select 1 as x",
            f"models/{name}.sql": model,
        },
    )
    sync(url, capsys)
    errors = rows(
        home,
        f"SELECT error FROM sql_statements WHERE source_key = 'sql:rt/models/{name}.sql'",  # noqa: S608
    )
    assert errors and expected_error in (errors[0][0] or "")
    assert rows(home, "SELECT sql_text FROM sql_statements WHERE source_key LIKE '%/b.sql'") == [
        ("select 1 as x",)
    ]
    assert "root:" not in every_value(home)


def test_raw_block_is_text_never_rendered_again(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"
    url = make_remote(
        tmp_path,
        {
            "dbt_project.yml": PROJECT,
            "models/raw.sql": f"{{% raw %}}{payload}{{% endraw %}} select 1",
        },
    )
    sync(url, capsys)
    assert not marker.exists()
    (text,) = rows(home, "SELECT sql_text FROM sql_statements")[0]
    assert payload in text


def test_macro_named_like_builtins_stays_in_the_sandbox(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Macros overriding `ref`/`env_var`/`config` (as dbt allows) render, and a builtin reached
    through `builtins` cannot read the process environment."""
    url = make_remote(
        tmp_path,
        {
            "dbt_project.yml": PROJECT,
            "macros/over.sql": (
                "{% macro env_var(n, d=None) %}{{ d }}{% endmacro %}"
                "{% macro config() %}{% endmacro %}"
            ),
            "models/b.sql": "select 1 as x",
            "models/over.sql": (
                "{{ config(materialized='table') }}"
                "{% macro ref(x) %}own_{{ x }}{% endmacro %}"
                "select * from {{ ref('b') }} join t_{{ env_var('LINEAGE_GIT_TOKEN', 'd') }}"
            ),
            "models/builtin.sql": "select * from t_{{ builtins.env_var('LINEAGE_GIT_TOKEN') }}",
        },
    )
    _, output = sync(url, capsys)
    assert TOKEN not in every_value(home) and TOKEN not in output


def sync_direct(url: str, tmp_path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Warnings of a sync through the library entry point, and the rows `sql` reads after it."""
    with LineageStore.open(tmp_path / "direct.duckdb") as store:
        config = GitSourceConfig(remote=url, name="rt")
        result = sync_repository(config, store, tmp_path / "cache")
        return result.warnings, store.conn.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("name", "source", "warning"),
    [
        # CPython's f-string parser is quadratic in fields: 100,000 took 11 s (4 MiB: ~35 min).
        ("fstring_fields", "x = f'" + "{a}" * 100_000 + "'\n", "f-string with over"),
        ("fstring_triple", "x = f'''" + "{a}\n" * 100_000 + "'''\n", "f-string with over"),
        ("attribute_chain", "x = a" + ".b" * 100_000 + "\n", "not readable"),
        ("subscript_chain", "x = a" + "[0]" * 100_000 + "\n", "not readable"),
        ("lambda_chain", "x = " + "lambda: " * 100_000 + "1\n", "not readable"),
        ("if_else_chain", "x = " + "a if b else " * 100_000 + "c\n", "not readable"),
        ("huge_int", "x = " + "1" * 100_000 + "\n", "Python syntax error"),
    ],
)
def test_hostile_python_is_a_warning_and_the_rest_lands(
    tmp_path: Path, name: str, source: str, warning: str
) -> None:
    url = make_remote(
        tmp_path,
        {
            f"jobs/{name}.py": source,
            "jobs/good.py": "spark.sql('INSERT INTO mart.g SELECT a FROM raw.g')\n",
        },
    )
    warnings, edges = sync_direct(
        url, tmp_path, "SELECT source_table, target_table FROM table_edges"
    )
    assert [w for w in warnings if w.startswith(f"jobs/{name}.py:") and warning in w]
    assert edges == [("raw.g", "mart.g")]


def test_settings_file_with_endless_dialect_patterns_is_bounded(tmp_path: Path) -> None:
    """50,000 `[sql.dialects]` patterns made every file cost 5 s of glob matching (100 files:
    492 s); only the first patterns are used, with a warning, and the first still applies."""
    patterns = "".join(f'"zz{i}/*/*.sql" = "postgres"\n' for i in range(50_000))
    url = make_remote(
        tmp_path,
        {
            ".lineage.toml": f'[sql.dialects]\n"tsql/*" = "tsql"\n{patterns}"{"*" * 600}" = "x"\n',
            "tsql/q.sql": "INSERT INTO mart.t SELECT TOP 1 a FROM raw.t;\n",
            "other/q.sql": "INSERT INTO mart.u SELECT a FROM raw.u;\n",
        },
    )
    warnings, files = sync_direct(url, tmp_path, "SELECT path, dialect FROM sql_files ORDER BY 1")
    assert files == [("other/q.sql", None), ("tsql/q.sql", "tsql")]
    assert any("[sql.dialects] has 50,001 patterns; the first 100 are used" in w for w in warnings)
    assert any("patterns over 500 chars ignored" in w for w in warnings)


def planted_remote(root: Path) -> str:
    """A bare remote whose tree git itself would refuse to check out: `..`, `.`, `.git/config`
    with a command in it, case and Unicode-normalisation twins, a backslash; a 2 MB message."""
    remote = root / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=root)

    def blob(text: str) -> str:
        return git("hash-object", "-w", "--stdin", cwd=remote, data=text.encode())

    def tree(entries: list[tuple[str, str, str]]) -> str:
        listing = "".join(f"{mode} {kind} {sha}\t{name}\n" for mode, kind, name, sha in entries)
        return git("mktree", cwd=remote, data=listing.encode())

    a = blob("INSERT INTO mart.a SELECT x FROM raw.a;\n")
    b = blob("INSERT INTO mart.b SELECT x FROM raw.b;\n")
    hook = blob(f"[core]\n\tfsmonitor = touch {root / 'pwned'}\n")
    inner = tree([("100644", "blob", "x.sql", a)])
    dotgit = tree([("100644", "blob", "config", hook), ("100644", "blob", "evil.sql", a)])
    top = tree(
        [
            ("040000", "tree", "..", inner),
            ("040000", "tree", ".", inner),
            ("040000", "tree", ".git", dotgit),
            ("100644", "blob", "A.sql", a),
            ("100644", "blob", "a.sql", b),
            ("100644", "blob", "caf\u00e9.sql", a),
            ("100644", "blob", "cafe\u0301.sql", b),
            ("100644", "blob", "x\\y.sql", a),
        ]
    )
    message = root / "message"
    message.write_text("m" * 2_000_000)
    commit = git("commit-tree", top, "-F", str(message), cwd=remote)
    git("update-ref", "refs/heads/main", commit, cwd=remote)
    return str(remote)


def test_odd_tree_paths_are_data(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = planted_remote(tmp_path)
    result, _ = sync(url, capsys)
    assert result["files_added"] == 8 and result["error"] is None
    paths = {p for (p,) in rows(home, "SELECT path FROM sql_files")}
    assert paths == {
        "../x.sql", "./x.sql", ".git/evil.sql", "A.sql", "a.sql",
        "caf\u00e9.sql", "cafe\u0301.sql", "x\\y.sql",
    }  # fmt: skip
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "x.sql").exists() and not (home / "x.sql").exists()


def test_settings_file_with_a_huge_integer_is_ignored_with_a_warning(tmp_path: Path) -> None:
    """tomllib raises a plain ValueError past Python's 4,300-digit limit: it failed the sync."""
    url = make_remote(
        tmp_path,
        {
            ".lineage.toml": f'[sql]\ndialect = "tsql"\nsize = {"9" * 5000}\n',
            "q.sql": "INSERT INTO mart.t SELECT a FROM raw.t;\n",
        },
    )
    warnings, edges = sync_direct(
        url, tmp_path, "SELECT source_table, target_table FROM table_edges"
    )
    assert edges == [("raw.t", "mart.t")]
    assert any(w.startswith(".lineage.toml:") and "ignored" in w for w in warnings)


def tree_bomb(remote: Path, levels: int, parent: str) -> str:
    """A commit on `parent` whose tree repeats one subtree ten times per level: 10**levels paths
    from a few KB of objects."""
    sql = git(
        "hash-object", "-w", "--stdin", cwd=remote, data=b"INSERT INTO m.t SELECT a FROM r.t;"
    )
    listing = "".join(f"100644 blob {sql}\tf{i}.sql\n" for i in range(10))
    tree = git("mktree", cwd=remote, data=listing.encode())
    for _ in range(levels - 1):
        listing = "".join(f"040000 tree {tree}\td{i}\n" for i in range(10))
        tree = git("mktree", cwd=remote, data=listing.encode())
    return git("commit-tree", tree, "-p", parent, "-m", "bomb", cwd=remote)


def test_a_tree_bomb_is_refused_and_the_last_lineage_stays_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 200 KB repository listing 10**7 paths ran a sync for minutes towards any memory; the
    listing is streamed and stops past the bound (lowered here to keep the test small)."""
    monkeypatch.setattr(repository, "MAX_TREE_ENTRIES", 500)
    url = make_remote(tmp_path, {"good.sql": "INSERT INTO mart.g SELECT a FROM raw.g;\n"})
    remote = Path(url)
    with LineageStore.open(tmp_path / "direct.duckdb") as store:
        config = GitSourceConfig(remote=url, name="rt")
        assert sync_repository(config, store, tmp_path / "cache").error is None
        bomb = tree_bomb(remote, 4, git("rev-parse", "main", cwd=remote))
        git("update-ref", "refs/heads/main", bomb, cwd=remote)
        result = sync_repository(config, store, tmp_path / "cache")
        states = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
        edges = store.conn.execute("SELECT source_table, target_table FROM table_edges").fetchall()
    assert result.error and "lists more than 500 paths" in result.error
    assert states["sql:rt/good.sql"] != "ok"
    assert edges == [("raw.g", "mart.g")]


def test_a_file_warns_at_most_a_bounded_number_of_times(tmp_path: Path) -> None:
    """A loop of unresolved refs gave one warning (one Dagster log event) per turn: 100,000."""
    url = make_remote(
        tmp_path,
        {
            "dbt_project.yml": PROJECT,
            "models/a.sql": "select 1 as x {% for i in range(5000) %}{% set r = ref('m' ~ i) %}"
            "{% endfor %}",
        },
    )
    warnings, _ = sync_direct(url, tmp_path, "SELECT 1")
    mine = [w for w in warnings if w.startswith("models/a.sql:")]
    assert len(mine) == 101
    assert mine[-1] == "models/a.sql: 4,900 more warnings not shown"


def test_settings_file_cannot_inflate_every_model_name(tmp_path: Path) -> None:
    """A 1 MB `[dbt] schema` in .lineage.toml is in every model's relation name: 100 models made
    an 812 MB store (and as much again published). Over 255 characters it is ignored."""
    files = {
        "dbt_project.yml": PROJECT,
        ".lineage.toml": f'[dbt]\nschema = "{"s" * 100_000}"\ntarget = "prod"\n',
        "models/base.sql": "select 1 as a",
        "models/m.sql": "select a from {{ ref('base') }}",
    }
    url = make_remote(tmp_path, files)
    warnings, longest = sync_direct(
        url, tmp_path, "SELECT max(length(sql_text)) FROM sql_statements"
    )
    assert longest[0][0] < 1_000
    assert any("[dbt] schema ignored: longer than 255 characters" in w for w in warnings)


def test_settings_file_dialect_names_are_bounded(tmp_path: Path) -> None:
    """A 1 MB dialect name is stored with every file and in every file's error (100 files: a
    571 MB store); over 64 characters it is ignored with a warning."""
    huge = "d" * 100_000
    url = make_remote(
        tmp_path,
        {
            ".lineage.toml": f'[sql]\ndialect = "{huge}"\n[sql.dialects]\n"t/*" = "{huge}"\n',
            "q.sql": "INSERT INTO mart.t SELECT a FROM raw.t;\n",
            "t/q.sql": "INSERT INTO mart.u SELECT a FROM raw.u;\n",
        },
    )
    warnings, stored = sync_direct(
        url, tmp_path, "SELECT max(length(dialect)), count(*) FROM sql_files"
    )
    assert stored == [(None, 2)]
    assert any("[sql] dialect over 64 chars ignored" in w for w in warnings)
    assert any("dialect names over 64" in w for w in warnings)
