"""Hostile input to the git source: credentials planted in remote URLs and in the token
variable never leave (CLI output, logs, every table of the store and its published copy, every
file and folder name under the data folder), and no file can abort a sync."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from urllib.parse import quote

import duckdb
import jinja2
import pytest
from support.git_remote import Remote, sync

from lineage_assets import cli
from lineage_assets.git_sql import sync as sync_module
from lineage_assets.git_sql.repository import GitSourceConfig, cache_dir_for
from lineage_assets.git_sql.sync import file_source_key
from lineage_assets.redact import public_url, redact, split_credentials
from lineage_assets.store import LineageStore

SQL = "INSERT INTO mart.{name} SELECT id FROM raw.{name};\n"


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path)


def status(store: LineageStore) -> dict[str, tuple[str, str | None]]:
    rows = store.conn.execute("SELECT source_key, status, last_error FROM sources").fetchall()
    return {key: (state, error) for key, state, error in rows}


# -- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://u:p/a?b#c@d@host/org/r.git", "https://host/org/r.git"),
        ("https://ghp_tok3n@host/x.git", "https://host/x.git"),
        ("https://u:p%40ss%2F@host/x", "https://host/x"),
        ("https://host/x.git?private_token=abcd", "https://host/x.git"),
        ("ssh://u:pw@host/x.git", "ssh://host/x.git"),
        ("u:pw@host:org/x.git", "host:org/x.git"),
        ("ssh://git@host/x.git", "ssh://git@host/x.git"),  # an account name, not a secret
        ("git@github.com:org/x.git", "git@github.com:org/x.git"),
        ("file:///tmp/a@b/x.git", "file:///tmp/a@b/x.git"),
        ("/srv/repos/a@b.git", "/srv/repos/a@b.git"),
    ],
)
def test_credentials_are_cut_from_urls_whatever_they_contain(url, public):
    assert public_url(url) == public
    split = split_credentials(url)
    assert (split.credentials is not None) == (public != url)
    for secret in split.secrets:
        assert secret not in public
    if split.credentials:
        assert GitSourceConfig(url).remote == public
        assert GitSourceConfig(url).credentials_in_remote


def test_redact_masks_a_password_holding_url_delimiters():
    text = "fatal: unable to access 'https://user:pa/ss?w#o@rd@example.com/x.git/': 403"
    assert redact(text) == "fatal: unable to access 'https://***@example.com/x.git/': 403"


def planted() -> tuple[str, str]:
    """A unique URL password holding every URL delimiter, and a unique token."""
    marker = uuid.uuid4().hex
    return f"Pw{marker[:12]}/x?y#z@w%41v", f"ghp_{marker[12:]}"


def secret_forms(password: str, token: str) -> list[str]:
    core = password[:14]  # the unique part alone, wherever the delimiters were cut
    return [password, quote(password, safe=""), core, token]


def assert_nowhere(secrets: list[str], texts: list[str], folders: list[Path]) -> None:
    """No secret in any text, any file's bytes, or any file or folder name below `folders`."""
    for text in texts:
        for secret in secrets:
            assert secret not in text
    for folder in folders:
        for path in folder.rglob("*"):
            for secret in secrets:
                assert secret not in str(path)
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path


def table_dumps(database: Path) -> list[str]:
    """Every row of every table of a DuckDB file, as text."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        tables = [t for (t,) in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return [f"{t}: {conn.table(t).fetchall()}" for t in tables]
    finally:
        conn.close()


def test_planted_credentials_never_leave_the_cli_logs_store_or_caches(
    remote, tmp_path, capsys, caplog, monkeypatch
):
    password, token = planted()
    home = tmp_path / "home"
    monkeypatch.setenv("LINEAGE_HOME", str(home))
    monkeypatch.setenv("LINEAGE_GIT_TOKEN", token)
    monkeypatch.delenv("LINEAGE_SQL_REPO", raising=False)
    caplog.set_level(logging.DEBUG)
    remote.write("orders.sql", SQL.format(name="orders"))
    remote.commit("one")
    attempts = [
        f"https://analyst:{password}@127.0.0.1:9/acme/sql.git",
        f"https://analyst:{quote(password, safe='')}@127.0.0.1:9/acme/sql.git",
        f"https://{token}@127.0.0.1:9/acme/sql.git",
        f"ssh://git:{password}@127.0.0.1:9/acme/sql.git",
        "https://127.0.0.1:9/acme/sql.git",  # the token travels as a header, and fails
        remote.url,  # a reachable remote with the token variable set
    ]
    codes = [cli.main(["sql-sync", "--repo", url, "--name", "acme"]) for url in attempts]
    out, err = capsys.readouterr()
    assert codes == [1, 1, 1, 1, 1, 0]
    assert out.count("credentials in the remote URL are refused") == 4
    assert "$LINEAGE_GIT_TOKEN" in out and "https://127.0.0.1:9/acme/sql.git" in out
    dumps = table_dumps(home / "lineage.duckdb") + table_dumps(home / "lineage_published.duckdb")
    assert any("credentials in the remote URL are refused" in d for d in dumps)  # it is stored
    assert any("mart.orders" in d for d in dumps)  # and the reachable sync landed
    assert_nowhere(secret_forms(password, token), [out, err, caplog.text, *dumps], [home])


def test_the_configuration_never_holds_the_url_credentials(tmp_path):
    password, token = planted()
    config = GitSourceConfig(f"https://me:{password}@example.com/x.git", token=token)
    texts = [repr(config), config.remote, config.public_remote, config.refusal() or ""]
    texts += [str(cache_dir_for(config, tmp_path)), config.repo_name]
    assert_nowhere(secret_forms(password, token), texts, [])
    named = GitSourceConfig("https://example.com/x.git", name="../../" + "n" * 300)
    folder = cache_dir_for(named, tmp_path)
    assert folder.parent == tmp_path and len(folder.name) < 80


def test_a_refused_remote_leaves_the_last_good_lineage_marked_stale(remote, store, tmp_path):
    remote.write("orders.sql", SQL.format(name="orders"))
    remote.commit("one")
    sync(remote, store, tmp_path, name="acme")
    password, _ = planted()
    result = sync(remote, store, tmp_path, url=f"https://a:{password}@h/acme.git", name="acme")
    assert result.error and "token_env" in result.error
    states = status(store)
    assert {k: s for k, (s, _) in states.items()} == {
        "git:acme": "stale",
        "sql:acme/orders.sql": "stale",
    }
    assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (1,)


# -- no file aborts a sync --------------------------------------------------------------------


def failing_parser(monkeypatch, failures: dict[str, BaseException]) -> None:
    """Make parsing raise the given exception for the given paths (the rest parse normally)."""
    real = sync_module.parse_file

    def parse(path, text, dialect, context):
        if path in failures:
            raise failures[path]
        return real(path, text, dialect, context)

    monkeypatch.setattr(sync_module, "parse_file", parse)


def test_an_exception_in_one_file_keeps_its_last_lineage_stale_and_the_rest_lands(
    remote, store, tmp_path, monkeypatch
):
    for name in ("deep", "huge", "jinja", "fine"):
        remote.write(f"{name}.sql", SQL.format(name=name))
    remote.commit("one")
    sync(remote, store, tmp_path, name="r")
    for name in ("deep", "huge", "jinja", "fine"):
        remote.write(f"{name}.sql", SQL.format(name=f"{name}_v2"))
    remote.write("new.sql", SQL.format(name="new"))
    remote.commit("two")
    failing_parser(
        monkeypatch,
        {
            "deep.sql": RecursionError("maximum recursion depth exceeded"),
            "huge.sql": MemoryError(),
            "jinja.sql": jinja2.TemplateSyntaxError("unexpected '}'", lineno=7),
            "new.sql": RecursionError("maximum recursion depth exceeded"),
        },
    )
    result = sync(remote, store, tmp_path, name="r")
    assert result.error is None
    assert sorted(result.failed_files) == [
        "deep.sql:1: RecursionError: maximum recursion depth exceeded",
        "huge.sql:1: MemoryError",
        "jinja.sql:7: TemplateSyntaxError: unexpected '}'",
        "new.sql:1: RecursionError: maximum recursion depth exceeded",
    ]
    assert set(result.failed_files) <= set(result.parse_errors)  # printed and logged with them
    states = status(store)
    assert states["sql:r/fine.sql"][0] == "ok" and states["git:r"][0] == "ok"
    assert states["sql:r/deep.sql"][0] == "stale" and states["sql:r/new.sql"][0] == "failed"
    targets = {t for (t,) in store.conn.execute("SELECT target_table FROM table_edges").fetchall()}
    assert targets == {"mart.deep", "mart.huge", "mart.jinja", "mart.fine_v2"}  # last good kept
    located = store.conn.execute(
        "SELECT location FROM crawl_errors WHERE error_type = 'file_failed' ORDER BY 1"
    ).fetchall()
    assert located == [("deep.sql:1",), ("huge.sql:1",), ("jinja.sql:7",), ("new.sql:1",)]
    monkeypatch.undo()
    healed = sync(remote, store, tmp_path, name="r")
    assert sorted(healed.changed + healed.added) == ["deep.sql", "huge.sql", "jinja.sql", "new.sql"]
    assert {s for s, _ in status(store).values()} == {"ok"}


def test_a_sync_that_fails_as_a_whole_marks_every_source_stale(
    remote, store, tmp_path, monkeypatch
):
    remote.write("a.sql", SQL.format(name="a"))
    remote.commit("one")
    sync(remote, store, tmp_path, name="r")
    remote.write("a.sql", SQL.format(name="a_v2"))
    remote.commit("two")

    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded while planning")

    monkeypatch.setattr(sync_module, "checkout_state", explode)
    result = sync(remote, store, tmp_path, name="r")
    assert result.error == "RecursionError: maximum recursion depth exceeded while planning"
    assert status(store) == {
        "git:r": ("stale", result.error),
        "sql:r/a.sql": ("stale", result.error),
    }
    assert store.conn.execute("SELECT target_table FROM table_edges").fetchall() == [("mart.a",)]


def test_a_file_the_store_refuses_is_named_and_the_rest_of_its_batch_lands(
    remote, store, tmp_path, monkeypatch
):
    for name in ("a", "bad", "c"):
        remote.write(f"{name}.sql", SQL.format(name=name))
    remote.commit("one")
    real = sync_module.file_records

    def records(source_key, *args):
        built = real(source_key, *args)
        if source_key.endswith("/bad.sql"):
            built.add("sql_statements", [{"statement_index": "not a number"}])
        return built

    monkeypatch.setattr(sync_module, "file_records", records)
    result = sync(remote, store, tmp_path, name="r")
    assert result.error is None
    assert [f.split(": ", 1)[0] for f in result.failed_files] == ["bad.sql:1"]
    states = status(store)
    assert states["sql:r/a.sql"][0] == states["sql:r/c.sql"][0] == "ok"
    assert states["sql:r/bad.sql"][0] == "failed"


RECURSIVE_PROJECT = "name: shop\nmodel-paths: [models]\nmacro-paths: [macros]\n"
RECURSIVE_MACRO = "{% macro forever(n) %}{{ forever(n + 1) }}{% endmacro %}\n"
RECURSIVE_MODEL = "select id, {{ forever(1) }} as x from {{ source('raw', 'orders') }}\n"


def test_a_recursive_dbt_macro_does_not_abort_the_sync_or_leave_the_model_ok(
    remote, store, tmp_path
):
    remote.write("dbt/dbt_project.yml", RECURSIVE_PROJECT)
    remote.write("dbt/macros/forever.sql", RECURSIVE_MACRO)
    remote.write("dbt/models/loop.sql", RECURSIVE_MODEL)
    remote.write("plain.sql", SQL.format(name="plain"))
    remote.commit("a macro that never ends")
    result = sync(remote, store, tmp_path, name="r")
    states = status(store)
    assert states["sql:r/plain.sql"][0] == "ok"
    model = file_source_key(GitSourceConfig(remote.url, name="r"), "dbt/models/loop.sql")
    errors = store.conn.execute(
        "SELECT count(*) FROM sql_statements WHERE source_key = ? AND error IS NOT NULL", [model]
    ).fetchone()[0]
    assert errors > 0 or states.get(model, ("failed",))[0] in ("stale", "failed")
    assert result.error is None or states["git:r"][0] != "ok"


def test_a_remote_or_ref_that_would_run_a_command_is_refused(remote, store, tmp_path):
    marker = tmp_path / "pwned"
    result = sync(remote, store, tmp_path, url=f"ext::sh -c touch% {marker}", name="ext")
    assert result.error and "ext" in result.error
    assert not marker.exists()
    upload = sync(remote, store, tmp_path, url=f"--upload-pack=touch {marker}", name="up")
    assert upload.error and "is not a URL or a path" in upload.error
    proxy = sync(remote, store, tmp_path, url=f"ssh://-oProxyCommand=touch%20{marker}/x", name="p")
    assert proxy.error and "blocked" in proxy.error
    remote.write("a.sql", SQL.format(name="a"))
    remote.commit("one")
    option = sync(remote, store, tmp_path, ref=f"--output={marker}", name="opt")
    assert option.error and "is not a branch, tag or commit name" in option.error
    assert not marker.exists()


def test_python_too_deep_for_the_parser_is_reported_not_crashed_on(remote, store, tmp_path):
    remote.write("jobs/chain.py", "x = " + "1 + " * 200_000 + "1\n")
    remote.write("jobs/nul.py", "x = 1\n" * 2000 + "\0\n")
    remote.write("jobs/ok.py", 'spark.sql("INSERT INTO mart.ok SELECT id FROM raw.ok")\n')
    remote.commit("python")
    result = sync(remote, store, tmp_path, name="r")
    assert result.error is None and result.failed_files == []
    assert sorted(result.warnings) == [
        "jobs/chain.py:1: Python source not readable: RecursionError",
        "jobs/nul.py:1: Python syntax error: source code string cannot contain null bytes",
    ]
    edges = store.conn.execute("SELECT source_table, target_table FROM table_edges").fetchall()
    assert edges == [("raw.ok", "mart.ok")]


def test_inline_sql_that_breaks_the_engine_is_stored_as_an_error(monkeypatch, store):
    from lineage_assets.git_sql import inline

    def explode(sql, dialect=None):
        raise MemoryError

    monkeypatch.setattr(inline, "extract_lineage", explode)
    records = inline.inline_records("nightly", "SELECT 1")
    store.replace_source(records)
    assert store.conn.execute("SELECT kind, error FROM sql_statements").fetchall() == [
        ("UNKNOWN", "MemoryError")
    ]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ("[sql]\ndialect = " + "[" * 50_000 + "]" * 50_000 + "\n", "RecursionError"),
        ("[sql\ndialect = 'athena'\n", "TOMLDecodeError"),
    ],
)
def test_an_unreadable_settings_file_is_reported_and_ignored(
    remote, store, tmp_path, settings, problem
):
    remote.write(".lineage.toml", settings)
    remote.write("a.sql", SQL.format(name="a"))
    remote.commit("settings")
    result = sync(remote, store, tmp_path, name="r")
    assert result.error is None
    assert [w.split(": ignored: ")[1].split(":")[0] for w in result.warnings] == [problem]
    assert result.warnings[0].startswith(".lineage.toml:1: ignored: ")
    assert status(store)["sql:r/a.sql"][0] == "ok"
