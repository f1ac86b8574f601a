"""The query console cannot touch the machine: every statement kind an attacker would try is
refused with one line, nothing is read or written outside the published copy, no request leaves,
and the live store and its copy are byte-for-byte unchanged afterwards."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from lineage_assets.cli import main
from lineage_assets.store import connect_published
from lineage_assets.store.console import RefusedStatementError, run_read_query

SECRET = "TOPSECRET-7f3a"


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a CSV holding the secret, and counts the requests."""

    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = f"a\n{SECRET}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        """Silent."""


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server (URL, requests seen): any request proves the console reached out."""
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    server.shutdown()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a migrated store, its published copy, and a secret file beside it."""
    folder = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LINEAGE_HOME", str(folder))
        assert main(["init"]) == 0
    (folder / "secret.csv").write_text(f"a\n{SECRET}\n")
    return folder


@pytest.fixture
def console(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LINEAGE_HOME", str(home))
    return home


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# (statement, a word of the one-line refusal). {home} is the data folder, {web} the local server.
ESCAPES = [
    ("COPY (SELECT 1) TO '{home}/lineage.duckdb' (FORMAT csv)", "COPY"),
    ("COPY (SELECT 1) TO '{home}/out.csv'", "COPY"),
    ("COPY (SELECT 1) TO '{web}/upload.csv'", "COPY"),
    ("COPY sources FROM '{home}/secret.csv'", "COPY"),
    ("EXPORT DATABASE '{home}/export'", "EXPORT"),
    ("IMPORT DATABASE '{home}'", "file system operations are disabled"),
    ("ATTACH '{home}/lineage.duckdb' AS live", "ATTACH"),
    ("ATTACH '{home}/new.duckdb' AS fresh", "ATTACH"),
    ("ATTACH ':memory:' AS scratch", "ATTACH"),
    ("DETACH lineage_published", "DETACH"),
    ("SELECT * FROM read_csv('{home}/secret.csv')", "read_csv"),
    ("SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto"),
    ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
    ("SELECT * FROM read_blob('{home}/lineage.duckdb')", "read_blob"),
    ("SELECT * FROM read_parquet('{home}/secret.csv')", "read_parquet"),
    ("SELECT * FROM read_json('{home}/secret.csv')", "read_json"),
    ("SELECT * FROM read_json_objects('{home}/secret.csv')", "read_json_objects"),
    ("SELECT * FROM read_duckdb('{home}/lineage.duckdb')", "read_duckdb"),
    ("SELECT * FROM parquet_metadata('{home}/secret.csv')", "parquet_metadata"),
    ("SELECT * FROM sniff_csv('{home}/secret.csv')", "sniff_csv"),
    ("SELECT * FROM glob('{home}/*')", "glob"),
    ("SELECT * FROM read_csv('{web}/data.csv')", "read_csv"),
    ("SELECT * FROM read_text('{web}/data.txt')", "read_text"),
    ("SELECT * FROM read_parquet('{web}/x.parquet')", "read_parquet"),
    ("SELECT * FROM glob('{web}/*')", "glob"),
    ("SELECT * FROM read_text('s3://bucket/key')", "read_text"),
    ("SELECT * FROM '/etc/passwd'", "file or URL"),
    ("SELECT * FROM '{home}/secret.csv'", "file or URL"),
    ("FROM '{web}/data.csv'", "file or URL"),
    ("SELECT count(*) FROM (SELECT * FROM '{home}/secret.csv')", "file or URL"),
    ("WITH x AS (SELECT * FROM read_csv('{home}/secret.csv')) SELECT * FROM x", "read_csv"),
    ("SELECT (SELECT a FROM read_csv('{home}/secret.csv') LIMIT 1)", "read_csv"),
    ("SELECT * FROM query_table('{home}/secret.csv')", "query_table"),
    ("SELECT * FROM query('SELECT * FROM read_csv(''{home}/secret.csv'')')", "query"),
    ("SELECT * FROM enable_logging(storage='file', storage_path='{home}/logs')", "enable_logging"),
    ("SELECT * FROM enable_profiling()", "enable_profiling"),
    ("SELECT * FROM checkpoint()", "checkpoint"),
    ("SELECT * FROM force_checkpoint()", "force_checkpoint"),
    ("SELECT * FROM truncate_duckdb_logs()", "truncate_duckdb_logs"),
    ("SELECT * FROM which_secret('s3://b/k', 's3')", "which_secret"),
    ("SELECT * FROM duckdb_secrets()", "duckdb_secrets"),
    ("SELECT * FROM duckdb_extensions()", "duckdb_extensions"),
    ("SELECT * FROM arrow_scan(1, 2, 3)", "arrow_scan"),
    ("SELECT * FROM python_map_function('x', 'y', 'z')", "python_map_function"),
    ("SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", "json_execute"),
    ("SELECT * FROM json_execute_serialized_sql('{{}}')", "json_execute"),
    ("SET threads = 1", "SET"),
    ("SET enable_external_access = true", "SET"),
    ("SET lock_configuration = false", "SET"),
    ("RESET lock_configuration", "SET"),
    ("SET VARIABLE x = 1", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("PRAGMA import_database('{home}')", "file system operations are disabled"),
    ("PRAGMA copy_database('lineage_published', 'memory')", "TRANSACTION"),
    ("PRAGMA add_parquet_key('k', '0123456789112345')", "PRAGMA"),
    ("PRAGMA json_execute_serialized_sql(json_serialize_sql('COPY (SELECT 1) TO ''x'''))", "Only"),
    (
        "PRAGMA json_execute_serialized_sql(json_serialize_sql("
        "'SELECT * FROM read_text(''{home}/secret.csv'')'))",
        "read_text",
    ),
    ("PRAGMA all_profiling_output", "profiling_output"),
    ("SELECT * FROM histogram('{home}/secret.csv', a)", "histogram"),
    ("PRAGMA profiling_output = '{home}/profile.txt'", "SET"),
    ("USE memory", "SET"),
    ("INSTALL httpfs", "LOAD"),
    ("FORCE INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("INSTALL httpfs FROM '{web}'", "LOAD"),
    ("LOAD '{home}/evil.duckdb_extension'", "LOAD"),
    ("UPDATE EXTENSIONS", "statement 1 is UPDATE EXTENSIONS"),
    ("CREATE TABLE t (a INT)", "CREATE"),
    ("CREATE TEMP TABLE t (a INT)", "CREATE"),
    ("CREATE MACRO m() AS 1", "CREATE"),
    ("CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE"),
    ("CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE"),
    ("INSERT INTO sources VALUES ('x')", "INSERT"),
    ("UPDATE sources SET source_key = 'x'", "UPDATE"),
    ("DELETE FROM sources", "DELETE"),
    ("DROP TABLE sources", "DROP"),
    ("ALTER TABLE sources ADD COLUMN x INT", "ALTER"),
    ("COMMENT ON TABLE sources IS 'x'", "ALTER"),
    ("TRUNCATE sources", "DELETE"),
    ("CALL duckdb_settings()", "CALL"),
    ("CALL enable_logging()", "CALL"),
    ("CHECKPOINT", "CALL"),
    ("VACUUM", "VACUUM"),
    ("ANALYZE", "VACUUM"),
    ("BEGIN TRANSACTION", "TRANSACTION"),
    ("PREPARE p AS SELECT 1", "PREPARE"),
    ("EXECUTE p", "EXECUTE"),
    ("PIVOT sources ON source_key", "CREATE"),
    ("SELECT 1; COPY (SELECT 1) TO '{home}/after.csv'", "statement 2 is COPY"),
    ("SELECT 1; DROP TABLE sources", "statement 2 is DROP"),
    ("SELECT 1; SELECT 2; ATTACH '{home}/x.duckdb'", "statement 3 is ATTACH"),
    ("WITH x AS (SELECT 1) INSERT INTO sources SELECT * FROM x", "INSERT"),
    ("WITH x AS (INSERT INTO sources VALUES ('x') RETURNING *) SELECT * FROM x", "CTE"),
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{home}/explained.csv'", "explains"),
    ("EXPLAIN COPY (SELECT 1) TO '{home}/explained.csv'", "explains"),
    ("EXPLAIN ANALYZE SELECT * FROM read_csv('{home}/secret.csv')", "read_csv"),
    ("/* hidden */ EXPLAIN (FORMAT json) SELECT * FROM glob('/*')", "glob"),
    ("DESCRIBE '{home}/secret.csv'", "file or URL"),
    ("SUMMARIZE '{home}/secret.csv'", "file or URL"),
    ("SHOW '{home}/secret.csv'", "file or URL"),
    ("DESCRIBE SELECT * FROM read_text('{home}/secret.csv')", "read_text"),
    ("SELECT list_transform([1], x -> (SELECT count(*) FROM read_text('/etc/passwd')))", "read_"),
    ("FROM duckdb_tables() t, LATERAL (SELECT * FROM query_table(t.table_name))", "query_table"),
    ("SELECT * FROM system.main.read_text('{home}/secret.csv')", "read_text"),
    ("SELECT * FROM \"READ_TEXT\"('{home}/secret.csv')", "read_text"),
    ("SELECT * FROM (PIVOT sources ON source_key)", "CREATE"),
    ("SELECT * FROM sqlite_scan('{home}/lineage.duckdb', 'sources')", "sqlite_scan"),
    ("SELECT * FROM postgres_scan('host=127.0.0.1', 'public', 't')", "postgres_scan"),
]


@pytest.mark.parametrize(("template", "refusal"), ESCAPES, ids=[e[0][:60] for e in ESCAPES])
def test_every_escape_is_refused_and_touches_nothing(console, web, capsys, template, refusal):
    base_url, hits = web
    sql = template.format(home=console, web=base_url)
    live, published = console / "lineage.duckdb", console / "lineage_published.duckdb"
    before = (_digest(live), _digest(published), _files(console), len(hits))

    assert main(["query", sql]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert refusal.lower() in err.lower()
    assert "Traceback" not in err and SECRET not in err
    assert (_digest(live), _digest(published), _files(console), len(hits)) == before


LOCKED_OUT = [
    "COPY (SELECT 1) TO '{home}/lineage.duckdb' (FORMAT csv)",
    "EXPORT DATABASE '{home}/export'",
    "ATTACH '{home}/lineage.duckdb' AS live",
    "SELECT * FROM read_csv('{home}/secret.csv')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('{home}/*')",
    "SELECT * FROM '{home}/secret.csv'",
    "SELECT * FROM read_csv('{web}/data.csv')",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "INSTALL httpfs",
    "LOAD httpfs",
    "CREATE TABLE t (a INT)",
    "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "SELECT 1; COPY (SELECT 1) TO '{home}/after.csv'",
]


@pytest.mark.parametrize("template", LOCKED_OUT, ids=[t[:60] for t in LOCKED_OUT])
def test_the_connection_alone_refuses_them_too(console, web, template):
    """The second wall: even a statement that got past the vetting fails on the connection."""
    base_url, hits = web
    sql = template.format(home=console, web=base_url)
    live = console / "lineage.duckdb"
    before = (_digest(live), _files(console), len(hits))
    conn = connect_published(console / "lineage_published.duckdb")
    try:
        with pytest.raises(duckdb.Error):
            conn.execute(sql).fetchall()
    finally:
        conn.close()
    assert (_digest(live), _files(console), len(hits)) == before


READS = [
    ("SELECT 1 AS one", "one"),
    ("FROM sources", "source_key"),
    ("SELECT count(*) AS n FROM lineage_edges", "n"),
    ("WITH x AS (SELECT 2 AS two) SELECT * FROM x", "two"),
    ("VALUES (1)", "col0"),
    ("TABLE schema_migrations", "version"),
    ("SHOW TABLES", "name"),
    ("DESCRIBE sources", "column_name"),
    ("SUMMARIZE schema_migrations", "column_name"),
    ("PRAGMA show_tables", "name"),
    ("PRAGMA table_info('sources')", "cid"),
    ("EXPLAIN SELECT * FROM sources", "explain_key"),
    ("EXPLAIN ANALYZE SELECT 1", "analyzed_plan"),
    ("SELECT node, depth FROM downstream('nothing', 3)", "depth"),
    ("SELECT node FROM upstream('nothing', 3)", "node"),
    ("SELECT name, value FROM duckdb_settings() WHERE name = 'enable_external_access'", "false"),
    ("SELECT current_setting('lock_configuration') AS locked", "True"),
    ("SELECT * FROM range(3) r, unnest([1, 2]) u", "range"),
    ("SELECT table_name FROM information_schema.tables", "table_name"),
    ("SELECT 1; SELECT 2 AS last", "last"),
    ("SELECT ';' AS semicolon -- ; DROP TABLE sources", "semicolon"),
]


@pytest.mark.parametrize(("sql", "expected"), READS, ids=[r[0][:60] for r in READS])
def test_read_queries_answer(console, capsys, sql, expected):
    live = console / "lineage.duckdb"
    before = _digest(live)
    assert main(["query", sql]) == 0
    out, err = capsys.readouterr()
    assert expected in out and err == ""
    assert _digest(live) == before


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_output_formats_are_kept(console, capsys, fmt):
    assert main(["query", "SELECT 1 AS a, NULL AS b", "--format", fmt]) == 0
    out = capsys.readouterr().out
    expected = {"table": "NULL", "json": '"b": null', "csv": "a,b\n1,"}[fmt]
    assert expected in out.replace("\r\n", "\n")


@pytest.mark.parametrize("sql", ["", "   ", "\n\t"])
def test_empty_input_prints_the_usage_and_exits_2(console, capsys, sql):
    assert main(["query", sql]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: lineage-assets query") and err.count("\n") == 1


@pytest.mark.parametrize(
    "sql",
    [
        "selec nonsense",
        "SELECT * FROM no_such_table",
        "-- only a comment",
        ";;",
        "SELECT 'unterminated",
        "SELECT " + "(" * 100_000 + "1" + ")" * 100_000,
        "SELECT " + " + ".join(["1"] * 5_000),
        "SELECT 1/0::INT, 'x'::INT",
    ],
    ids=["typo", "unknown table", "comment", "semicolons", "quote", "deep", "wide", "cast"],
)
def test_any_error_is_one_line_and_exit_2(console, capsys, sql):
    assert main(["query", sql]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1, err


def test_a_huge_result_is_cut_with_a_note(console, capsys, monkeypatch):
    monkeypatch.setattr("lineage_assets.store.console.MAX_ROWS", 50)
    assert main(["query", "SELECT * FROM range(1000000000000)", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 51
    assert err.startswith("note: only the first 50 rows")


def _readme_examples() -> list[str]:
    """The SQL of the README's example queries, one statement each."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Example queries", 1)[1]
    block = section.split("```sql", 1)[1].split("```", 1)[0]
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_the_readme_example_queries_run_in_the_console(console, capsys):
    examples = _readme_examples()
    assert len(examples) >= 6
    for sql in examples:
        assert main(["query", sql]) == 0, capsys.readouterr().err
    assert capsys.readouterr().err == ""


def test_no_setting_or_function_reveals_a_process_secret(console, capsys, monkeypatch):
    token, key = "ghp_console_token_5a1f", "aws_console_secret_77c2"
    monkeypatch.setenv("LINEAGE_GIT_TOKEN", token)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key)
    assert main(["query", "SELECT name, value FROM duckdb_settings()", "--format", "csv"]) == 0
    assert main(["query", "SELECT current_setting('s3_secret_access_key')"]) == 2
    assert main(["query", "SELECT getenv('LINEAGE_GIT_TOKEN')"]) == 2
    assert main(["query", "SELECT * FROM duckdb_secrets()"]) == 2
    out, err = capsys.readouterr()
    assert "enable_external_access,false" in out
    assert token not in out + err and key not in out + err


def test_a_table_macro_the_store_defines_beyond_the_schema_is_allowed(tmp_path):
    path = tmp_path / "published.duckdb"
    writer = duckdb.connect(str(path))
    writer.execute("CREATE TABLE runs AS SELECT range AS id FROM range(5)")
    writer.execute("CREATE MACRO first_runs(n) AS TABLE SELECT id FROM runs ORDER BY id LIMIT n")
    writer.close()
    conn = connect_published(path)
    try:
        assert run_read_query(conn, "SELECT * FROM first_runs(2)").rows == [(0,), (1,)]
        with pytest.raises(RefusedStatementError, match="read_text"):
            run_read_query(conn, "SELECT * FROM read_text('/etc/passwd')")
    finally:
        conn.close()


def test_an_input_leaves_no_state_for_the_next(console, capsys):
    """Parsing runs on a fresh scratch connection each time: how DuckDB expands a PRAGMA depends
    on what that connection ran before (it vetted a SELECT), so nothing may carry over."""
    for _ in range(2):
        assert main(["query", "SELECT * FROM read_csv('/etc/passwd')"]) == 2
        assert main(["query", "SELECT 41 + 1 AS answer"]) == 0
        assert "42" in capsys.readouterr().out
        assert main(["query", "PRAGMA copy_database('lineage_published', 'memory')"]) == 2
        assert "statement 1 is TRANSACTION" in capsys.readouterr().err
