"""The store on DuckLake against a real PostgreSQL catalog, beside the embedded file: keys the
writer enforces where DuckLake has no constraints, read-only readers, as-of reads through
snapshots, the same walks on both backends, bounded retries of conflicting commits, and no
password in settings or messages."""

from __future__ import annotations

import random
import types
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from lineage_assets import config
from lineage_assets.store import (
    DuplicateKeyError,
    LineageStore,
    SourceRecords,
    StoreError,
    Upsert,
    registry,
    writer,
)
from lineage_assets.store import lake as lakes
from lineage_assets.store.lake_schema import TableKey, translate
from lineage_assets.store.migration import Migration
from tests.support.postgres import running_postgres, server_binaries
from tests.support.store_backends import LakeTemplate, StoreBackend

# A schema module with keyed per-source tables, as a source package would declare them.
KEYED = types.SimpleNamespace(
    MIGRATIONS=(
        Migration(
            9990,
            "test: keyed per-source tables",
            """
            CREATE TABLE test_keyed (
                source_key VARCHAR NOT NULL,
                name       VARCHAR,
                value      INTEGER,
                PRIMARY KEY (source_key, name)
            );
            CREATE TABLE test_unique (source_key VARCHAR NOT NULL, code VARCHAR UNIQUE);
            """,
        ),
    ),
    EDGES=(),
    NODE_COLUMNS=(),
)


def edges(key: str, pairs: list[tuple[str, str]]) -> SourceRecords:
    return SourceRecords(key, "sql_file", key).add(
        "table_edges", [{"source_table": s, "target_table": t} for s, t in pairs]
    )


def keyed(key: str, names: list[str], codes: list[str | None] | None = None) -> SourceRecords:
    records = SourceRecords(key, "test", key)
    records.add("test_keyed", [{"name": n, "value": i} for i, n in enumerate(names)])
    return records.add("test_unique", [{"code": c} for c in codes or []])


# -- the DDL for the lake -------------------------------------------------------------------


def test_keys_and_indexes_leave_the_ddl_and_primary_keys_stay_not_null():
    ddl = translate(
        "CREATE TABLE t (a VARCHAR PRIMARY KEY, b INT UNIQUE, c INT, d INT[], "
        "UNIQUE (c, d)); CREATE UNIQUE INDEX t_cd ON t (c, b); CREATE INDEX t_c ON t (c); "
        "CREATE VIEW v AS SELECT a FROM t"
    )
    assert ddl.keys == (
        TableKey("t", ("a",), primary=True),
        TableKey("t", ("b",), primary=False),
        TableKey("t", ("c", "d"), primary=False),
        TableKey("t", ("c", "b"), primary=False),
    )
    conn = duckdb.connect()
    conn.execute(ddl.sql)
    constraints = conn.execute(
        "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 't'"
    ).fetchall()
    assert constraints == [("NOT NULL",)]  # a's, from its primary key
    assert conn.execute("SELECT count(*) FROM duckdb_indexes()").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM v").fetchone() == (0,)


def test_both_backends_have_the_same_tables_columns_and_types(tmp_path, lake_template):
    with LineageStore.open(tmp_path / "file.duckdb") as file_store:
        file_columns = file_store.catalog.columns
        file_views = set(_names(file_store.conn, "view"))
        file_macros = set(_names(file_store.conn, "table_macro"))
    data = tmp_path / "data"
    data.mkdir()
    with LineageStore.open(lake=lake_template.copy(data)) as lake_store:
        assert lake_store.catalog.columns == file_columns
        assert set(_names(lake_store.conn, "view")) == file_views
        assert set(_names(lake_store.conn, "table_macro")) == file_macros
        assert {"upstream", "downstream"} <= file_macros
        versions = lake_store.conn.execute("SELECT version FROM schema_migrations").fetchall()
        released = [m.version for m in registry.default().migrations()]
        assert sorted(v for (v,) in versions) == released


def _names(conn: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    if kind == "view":
        query = (
            "SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "AND database_name = current_database()"
        )
    else:
        query = (
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE NOT internal "
            "AND function_type = 'table_macro' AND database_name = current_database()"
        )
    return [name for (name,) in conn.execute(query).fetchall()]


# -- keys ---------------------------------------------------------------------------------------


def test_the_writer_enforces_keys_a_duplicate_never_lands(backend: StoreBackend):
    schemas = registry.default().with_schema(KEYED)
    with backend.open(schemas=schemas) as store:
        store.replace_source(keyed("a", ["x", "y"], ["c1"]))
        # a key twice within one source's rows
        with pytest.raises(DuplicateKeyError, match="test_keyed"):
            store.replace_source(keyed("a", ["x", "x"]))
        # a unique code another source already holds
        with pytest.raises(DuplicateKeyError, match="test_unique"):
            store.replace_source(keyed("b", ["x"], ["c1"]))
        # replacing a source with its own keys again is no duplicate
        store.replace_source(keyed("a", ["x", "y"], ["c1", None, None]))
        rows = store.conn.execute("SELECT source_key, name FROM test_keyed ORDER BY ALL").fetchall()
        assert rows == [("a", "x"), ("a", "y")]
        assert store.conn.execute("SELECT count(*) FROM test_unique").fetchone() == (3,)
        assert store.conn.execute("SELECT source_key FROM sources").fetchall() == [("a",)]

        overrides = Upsert(
            "classification_overrides",
            ("dataset_uri", "column_path"),
            [
                {"dataset_uri": "s3://b/", "column_path": "email", "pii_class": "EMAIL"},
                {"dataset_uri": "s3://b/", "column_path": "email", "pii_class": "NONE"},
            ],
        )
        with pytest.raises(DuplicateKeyError, match="appears twice"):
            store.upsert(overrides)
        assert store.conn.execute("SELECT count(*) FROM classification_overrides").fetchone() == (
            0,
        )
        store.upsert(Upsert(overrides.table, overrides.key_columns, overrides.rows[:1]))
        store.upsert(Upsert(overrides.table, overrides.key_columns, overrides.rows[1:]))
        assert store.conn.execute(
            "SELECT dataset_uri, column_path, pii_class FROM classification_overrides"
        ).fetchall() == [("s3://b/", "email", "NONE")]
        # a primary key's columns stay NOT NULL on the lake too
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            store.upsert(Upsert(overrides.table, overrides.key_columns, [{"dataset_uri": "s"}]))


# -- readers ------------------------------------------------------------------------------------


def lake_backend(template: LakeTemplate, folder: Path) -> StoreBackend:
    data = folder / "lake-data"
    data.mkdir()
    return StoreBackend("lake", folder, template.copy(data))


def test_a_reader_attached_read_only_cannot_write_nor_leave_the_lake(tmp_path, lake_template):
    lake = lake_backend(lake_template, tmp_path)
    with lake.open() as store:
        store.replace_source(edges("a", [("x", "y")]))
        assert store.publish() is None  # no published copy: readers attach the lake
    reader = lake.reader()
    try:
        assert reader.execute("SELECT node FROM downstream('table:x', 3)").fetchall() == [
            ("table:y",)
        ]
        for statement in (
            "INSERT INTO crawl_errors (source_key, occurred_at, message) VALUES ('k', now(), 'm')",
            "DELETE FROM table_edges",
            "CREATE TABLE extra (a INT)",
            "CREATE OR REPLACE MACRO downstream(a, b) AS TABLE SELECT 1",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                reader.execute(statement)
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            reader.execute("SELECT * FROM read_csv('/etc/hostname')")
        with pytest.raises(duckdb.Error, match="locked"):
            reader.execute("SET enable_external_access = true")
    finally:
        reader.close()
    with lake.open() as store:  # nothing the reader tried landed
        assert store.conn.execute("SELECT count(*) FROM crawl_errors").fetchone() == (0,)
        assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (1,)


def test_as_of_reads_see_the_older_snapshot(tmp_path, lake_template):
    lake = lake_backend(lake_template, tmp_path)
    with lake.open() as store:
        # more rows than are inlined in the catalog: the old snapshot's rows live in files
        store.replace_source(edges("a", [("x", "y"), *[(f"s{i}", f"t{i}") for i in range(1500)]]))
        before, when = lakes.snapshots(store.conn)[-1]
        store.replace_source(edges("a", [("x", "z")]))
        store.replace_source(edges("b", [("z", "w")]))
    now, old_by_id, old_by_time = lake.reader(), lake.reader(before), lake.reader(when)
    try:
        walk = "SELECT node FROM downstream('table:x', 5) ORDER BY depth, node"
        assert now.execute(walk).fetchall() == [("table:z",), ("table:w",)]
        assert old_by_id.execute(walk).fetchall() == [("table:y",)]
        assert old_by_time.execute(walk).fetchall() == [("table:y",)]
        assert old_by_id.execute("SELECT count(*) FROM table_edges").fetchone() == (1501,)
    finally:
        for conn in (now, old_by_id, old_by_time):
            conn.close()
    with pytest.raises(StoreError, match="no snapshot"):
        lake.reader(10**9)


def test_as_of_reads_are_refused_on_the_embedded_file(tmp_path, monkeypatch):
    monkeypatch.delenv("LINEAGE_STORE_URL", raising=False)
    with LineageStore.open(tmp_path / "s.duckdb", tmp_path / "p.duckdb") as store:
        store.publish()
    with pytest.raises(StoreError, match="DuckLake"):
        StoreBackend("file", tmp_path).reader(as_of=datetime.now(UTC))


# -- the walks agree ------------------------------------------------------------------------------


def test_the_walk_macros_answer_the_same_on_both_backends(tmp_path, lake_template):
    rng = random.Random(16)
    nodes = [f"n{i}" for i in range(40)]
    sources = [
        edges(f"src{s}.sql", [(rng.choice(nodes), rng.choice(nodes)) for _ in range(25)])
        for s in range(6)
    ]
    answers = []
    file_backend = StoreBackend("file", tmp_path / "file")
    file_backend.folder.mkdir()
    (tmp_path / "lake").mkdir()
    for backend in (file_backend, lake_backend(lake_template, tmp_path / "lake")):
        with backend.open() as store:
            store.replace_sources(sources)
            store.remove_source("src5.sql")
            store.replace_source(sources[0])
            answers.append(
                {
                    (macro, start, depth): sorted(
                        store.conn.execute(
                            f"SELECT node, depth, len(path), edge_kind FROM {macro}(?, ?)",  # noqa: S608
                            [f"table:{start}", depth],
                        ).fetchall()
                    )
                    for macro in ("downstream", "upstream")
                    for start in nodes
                    for depth in (1, 3, 100)
                }
            )
    file_answers, lake_answers = answers
    assert file_answers == lake_answers
    assert sum(len(rows) for rows in file_answers.values()) > 500  # the graph is not trivial


# -- conflicting commits ------------------------------------------------------------------------


def test_a_conflicting_commit_is_retried_a_bounded_number_of_times(
    tmp_path, lake_template, monkeypatch
):
    lake = lake_backend(lake_template, tmp_path)
    with lake.open() as first, lake.open() as second:
        first.replace_source(edges("b", [("x", "y")]))
        attempts = []

        def body(conn: duckdb.DuckDBPyConnection, conflicts: int) -> None:
            attempts.append(1)
            conn.execute("DELETE FROM table_edges")
            if len(attempts) <= conflicts:  # another writer replaces those rows meanwhile
                second.replace_source(edges("b", [(f"p{len(attempts)}", "q")]))

        first.atomic(lambda conn: body(conn, conflicts=1))
        assert len(attempts) == 2  # the first commit lost, the second won
        assert first.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (0,)

        second.replace_source(edges("b", [("x", "y")]))
        attempts.clear()
        monkeypatch.setattr(writer, "COMMIT_ATTEMPTS", 3)
        with pytest.raises(StoreError, match="after 3 attempt"):
            first.atomic(lambda conn: body(conn, conflicts=99))
        assert len(attempts) == 3


# -- settings and secrets ---------------------------------------------------------------------


def test_the_store_url_names_the_lake_and_refuses_passwords(monkeypatch):
    monkeypatch.delenv("LINEAGE_STORE_URL", raising=False)
    assert lakes.configured() is None  # unset: the embedded file
    monkeypatch.setenv("LINEAGE_STORE_URL", "ducklake:postgres:host=db dbname=lake user=lin")
    monkeypatch.setenv("LINEAGE_STORE_DATA_PATH", "s3://bucket/lake")
    found = lakes.configured()
    assert found == lakes.LakeLocation("host=db dbname=lake user=lin", "s3://bucket/lake")
    assert found.remote_data
    for url in (
        "ducklake:postgres:host=db password=hunter22 dbname=lake",
        "ducklake:postgres:host=db dbname=lake PassWord = 'hunter22'",
        "ducklake:postgres:postgresql://lin:hunter22@db/lake",
        "ducklake:postgres:postgresql://lin@db/lake?password=hunter22",
    ):
        with pytest.raises(config.ConfigError, match="PGPASSWORD") as refused:
            lakes.parse_store_url(url)
        assert "hunter22" not in str(refused.value)
    with pytest.raises(config.ConfigError, match="must start with"):
        lakes.parse_store_url("postgres://db/lake")


@pytest.mark.skipif(server_binaries() is None, reason="PostgreSQL is not installed")
def test_the_password_comes_from_pgpassword_and_never_shows(tmp_path, monkeypatch):
    with running_postgres(password="pw-Zebra-7781") as server:
        database = server.create_database("lake")
        location = lakes.LakeLocation(server.conninfo(database), str(tmp_path))
        monkeypatch.setenv("PGPASSWORD", "pw-Zebra-7781")
        with LineageStore.open(lake=location) as store:
            store.replace_source(edges("a", [("x", "y")]))
        monkeypatch.setenv("PGPASSWORD", "wrong-Wombat-1234")
        with pytest.raises(StoreError) as refused, LineageStore.open(lake=location):
            pass
        message = str(refused.value)
        assert "password authentication failed" in message
        assert "wrong-Wombat-1234" not in message and "pw-Zebra-7781" not in message
        assert location.public in message


def test_readers_follow_the_store_url(tmp_path, lake_template, monkeypatch):
    lake = lake_backend(lake_template, tmp_path)
    with lake.open() as store:
        store.replace_source(edges("a", [("x", "y")]))
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    from lineage_assets.store import open_published, open_store

    with open_store() as store:  # the configured store is the lake
        assert store.is_lake
        store.replace_source(edges("b", [("y", "z")]))
    with open_published(config.published_path()) as conn:  # the path is ignored: the lake
        assert conn.execute("SELECT count(*) FROM downstream('table:x', 5)").fetchone() == (2,)


def test_the_lake_keeps_its_data_files_on_s3(aws_env, postgres, monkeypatch):
    """Data files on S3 (the emulator, in an account of its own): the writer's and the
    reader's S3 access come from boto3's chain; a reader that names no data path finds the
    catalog's and may read only there."""
    from lineage_assets import aws

    credentials = aws.client("sts").assume_role(
        RoleArn="arn:aws:iam::210987654016:role/lake", RoleSessionName="lake"
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    s3 = aws.client("s3", "us-east-1")
    s3.create_bucket(Bucket="lineage-lake-16")
    location = lakes.LakeLocation(
        postgres.conninfo(postgres.create_database("lake")), "s3://lineage-lake-16/store"
    )
    with LineageStore.open(lake=location) as store:
        store.replace_source(edges("a", [(f"x{i}", "y") for i in range(1500)]))
    listed = s3.list_objects_v2(Bucket="lineage-lake-16", Prefix="store/")
    assert any(o["Key"].endswith(".parquet") for o in listed.get("Contents", []))
    reader = StoreBackend("lake", Path("."), lakes.LakeLocation(location.catalog)).reader()
    try:
        assert reader.execute("SELECT count(*) FROM upstream('table:y', 2)").fetchone() == (1500,)
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            reader.execute("SELECT * FROM read_parquet('s3://elsewhere/x.parquet')")
    finally:
        reader.close()


def test_a_staged_crawl_ingested_into_the_lake_equals_the_file_written_directly(
    tmp_path, lake_template
):
    """The single writer on the lake is the ingest of staged batches: two nights of a crawl
    staged and ingested into the lake give the tables the file store's own writes give."""
    from lineage_assets.staging.apply import APPLIED
    from lineage_assets.staging.ingest import ingest
    from lineage_assets.staging.location import StagingLocation
    from lineage_assets.staging.sink import StagingSink
    from tests.test_staging_apply import contents, nightly, play

    staging = StagingLocation.from_url(str(tmp_path / "staging"))
    lake = lake_backend(lake_template, tmp_path)
    with LineageStore.open(tmp_path / "direct.duckdb") as direct, lake.open() as staged:
        for day in (1, 2):
            play(direct, nightly(day))
            with StagingSink(staging, "nightly", max_batch_operations=5) as sink:
                play(sink, nightly(day))
            report = ingest(staged, staging)
            assert {applied.status for applied in report.applied} == {APPLIED}
            assert contents(staged) == contents(direct)
            assert ingest(staged, staging).applied == []  # nothing applied twice


def test_the_lineage_job_runs_on_the_lake(aws_env, tmp_path, lake_template, monkeypatch):
    """The whole nightly job against the emulator with the store on DuckLake: every asset
    writes through the lake, the health asset names the lake (no published copy) and readers
    attached read-only see the crawl."""
    from dagster_project.definitions import defs
    from lineage_dev.demo_repo import build_demo_remote

    lake = lake_backend(lake_template, tmp_path)
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LINEAGE_AWS_REGIONS", "us-east-1")
    project = Path(__file__).resolve().parents[1]
    monkeypatch.setenv(
        "LINEAGE_SQL_REPO", build_demo_remote(project / "sql_repo", tmp_path / "sql.git").url
    )
    with dg.instance_for_test() as instance:
        result = defs().resolve_job_def("lineage_job").execute_in_process(instance=instance)
    assert result.success
    health = next(
        m for m in result.asset_materializations_for_node("lineage_store_health")
    ).metadata
    assert "published_copy" not in health and "ducklake:postgres:" in health["store"].value
    assert not (tmp_path / "lineage.duckdb").exists()
    reader = lake.reader()
    try:
        assert reader.execute("SELECT count(*) FROM sql_files").fetchone()[0] > 0
        assert reader.execute("SELECT count(*) FROM sagemaker_pipelines").fetchone()[0] > 0
        (start,) = reader.execute(
            "SELECT source_node FROM lineage_edge_index GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        assert reader.execute("SELECT count(*) FROM downstream(?, 5)", [start]).fetchone()[0] > 0
    finally:
        reader.close()


def test_the_api_reads_the_lake_and_sees_new_commits(tmp_path, lake_template, monkeypatch):
    """`lineage-assets serve` on the lake: one read-only attachment, a cursor per request on
    the lake (a cursor starts on DuckDB's in-memory catalog), each request on the newest
    snapshot, with no publish."""
    from fastapi.testclient import TestClient

    from lineage_assets.api.app import create_app

    lake = lake_backend(lake_template, tmp_path)
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    with lake.open() as store:
        store.replace_source(edges("a", [("x", "y")]))
    with TestClient(create_app()) as client:
        first = client.get("/impact", params={"node": "table:x"})
        assert first.status_code == 200, first.text
        assert "table:y" in first.text and "table:z" not in first.text
        with lake.open() as store:
            store.replace_source(edges("b", [("y", "z")]))
        second = client.get("/impact", params={"node": "table:x"})
        assert second.status_code == 200 and "table:z" in second.text


def test_the_console_reads_the_lake_as_of_a_snapshot(tmp_path, lake_template, monkeypatch, capsys):
    from lineage_assets.cli import main

    lake = lake_backend(lake_template, tmp_path)
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    with lake.open() as store:
        store.replace_source(edges("a", [("x", "y")]))
        before = lakes.snapshots(store.conn)[-1][0]
        store.replace_source(edges("a", [("x", "y"), ("y", "z")]))
    query = "SELECT count(*) AS n FROM downstream('table:x', 5)"
    assert main(["query", "--format", "csv", query]) == 0
    assert capsys.readouterr().out.split() == ["n", "2"]
    assert main(["query", "--format", "csv", "--as-of", str(before), query]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]
    assert main(["query", "INSERT INTO sources (source_key) VALUES ('k')"]) != 0
    assert "refused" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["query", "--as-of", "yesterday", query])
