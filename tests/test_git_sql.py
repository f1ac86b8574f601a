"""SQL from git into the store, against real repositories made in temp dirs: incremental
sync by blob, provenance, deletes, renames, force-pushes, dbt, embedded SQL, failures."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb
import pytest
from support.git_remote import AUTHOR, Remote, sync

from lineage_assets.git_sql.embedded import find_embedded_sql
from lineage_assets.git_sql.repository import GitSourceConfig, fetch
from lineage_assets.git_sql.sync import file_source_key, sync_repository
from lineage_assets.store import LineageStore


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path)


def rows(store: LineageStore, sql: str, params: list | None = None) -> list[tuple]:
    return store.conn.execute(sql, params or []).fetchall()


ORDERS = (
    "CREATE TABLE mart.daily AS\nSELECT dt, sum(amount) AS revenue\nFROM raw.orders\nGROUP BY dt;\n"
)
USERS = "INSERT INTO mart.users (id, email)\nSELECT id, lower(email)\nFROM raw.users;\n"


def test_first_sync_parses_everything_with_provenance(remote, store, tmp_path):
    remote.write("a/orders.sql", ORDERS)
    remote.write("b/users.sql", "-- users\n\n" + USERS)
    sha = remote.commit("add marts")
    result = sync(remote, store, tmp_path)
    assert result.commit == sha and result.error is None
    assert sorted(result.added) == ["a/orders.sql", "b/users.sql"]
    assert result.statements_parsed == 2
    edges = rows(
        store,
        "SELECT e.source_table, e.target_table, e.start_line, e.end_line, f.path, f.commit_sha, "
        "f.commit_author FROM table_edges e JOIN sql_files f USING (source_key) ORDER BY 1",
    )
    assert edges == [
        ("raw.orders", "mart.daily", 1, 4, "a/orders.sql", sha, "Ana Analyst"),
        ("raw.users", "mart.users", 3, 5, "b/users.sql", sha, "Ana Analyst"),
    ]
    columns = rows(
        store,
        "SELECT target_table, target_column, source_column, transform FROM column_edges "
        "WHERE NOT is_indirect ORDER BY 1, 2",
    )
    assert ("mart.daily", "revenue", "amount", "aggregate") in columns
    email = [x for t, c, src, x in columns if (t, c, src) == ("mart.users", "email", "email")]
    assert email and email[0] not in ("masking", "aggregate")  # lower() carries the value
    located = rows(
        store, "SELECT location FROM lineage_edges WHERE target_node = 'table:mart.users'"
    )
    assert located == [("b/users.sql:3",)]


def test_a_sync_without_a_new_commit_parses_nothing(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.commit("one")
    sync(remote, store, tmp_path)
    again = sync(remote, store, tmp_path)
    assert again.statements_parsed == 0
    assert again.unchanged == 1 and not (again.added or again.changed or again.deleted)


def test_a_commit_that_changes_one_file_reparses_that_file_only(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.write("users.sql", USERS)
    first = remote.commit("one")
    sync(remote, store, tmp_path)
    remote.write("users.sql", USERS.replace("raw.users", "raw.customers"))
    second = remote.commit("users come from customers now")
    result = sync(remote, store, tmp_path)
    assert result.changed == ["users.sql"] and result.unchanged == 1
    assert result.statements_parsed == 1
    provenance = dict(rows(store, "SELECT path, commit_sha FROM sql_files"))
    assert provenance == {"orders.sql": first, "users.sql": second}
    assert rows(
        store, "SELECT source_table FROM table_edges WHERE target_table = 'mart.users'"
    ) == [("raw.customers",)]


def test_deleted_and_renamed_files_lose_or_move_their_lineage(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.write("users.sql", USERS)
    remote.commit("one")
    sync(remote, store, tmp_path)
    remote.delete("orders.sql")
    remote.rename("users.sql", "marts/users.sql")
    deleting = remote.commit("reorganise")
    result = sync(remote, store, tmp_path)
    assert result.deleted == [("orders.sql", deleting)]
    assert result.renamed == [("users.sql", "marts/users.sql")]
    assert rows(store, "SELECT path FROM sql_files") == [("marts/users.sql",)]
    assert rows(store, "SELECT count(*) FROM table_edges WHERE target_table = 'mart.daily'") == [
        (0,)
    ]
    keys = {
        k for (k,) in rows(store, "SELECT source_key FROM sources WHERE source_kind = 'sql_file'")
    }
    assert keys == {file_source_key(GitSourceConfig(remote=remote.url), "marts/users.sql")}


def test_a_force_push_is_detected_and_triggers_a_full_resync(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.write("users.sql", USERS)
    remote.commit("one")
    remote.write("users.sql", USERS + "\n-- tweak\n")
    remote.commit("two")
    sync(remote, store, tmp_path)
    remote.work.git.reset("--hard", "HEAD~1")  # rewrite: drop "two", commit something else
    remote.write("orders.sql", ORDERS.replace("raw.orders", "raw.orders_v2"))
    rewritten = remote.commit("rewrite", force=True)
    result = sync(remote, store, tmp_path)
    assert result.rewritten and result.commit == rewritten
    assert sorted(result.changed) == ["orders.sql", "users.sql"]  # everything re-parsed
    assert result.statements_parsed == 2


def test_branches_tags_and_commits_can_be_synced(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    first = remote.commit("one")
    remote.work.create_tag("v1")
    remote.work.git.push("origin", "v1")
    remote.work.git.checkout("-b", "feature")
    remote.write("users.sql", USERS)
    remote.work.index.commit("feature work", author=AUTHOR, committer=AUTHOR)
    remote.work.git.push("origin", "feature")
    assert sync(remote, store, tmp_path, ref="feature").added == ["orders.sql", "users.sql"]
    checkout = fetch(GitSourceConfig(remote=remote.url, ref="v1"), tmp_path / "cache")
    assert checkout.commit_sha == first
    assert fetch(
        GitSourceConfig(remote=remote.url, ref=first[:10]), tmp_path / "c2"
    ).commit_sha == (first)


def test_an_unreachable_remote_keeps_the_last_good_lineage_marked_stale(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.commit("one")
    sync(remote, store, tmp_path)
    gone = (tmp_path / "moved-away.git").as_uri()
    result = sync(remote, store, tmp_path, url=gone, name="remote")
    assert result.error and "moved-away.git" in result.error
    assert rows(store, "SELECT count(*) FROM table_edges") == [(1,)]
    statuses = dict(rows(store, "SELECT source_key, status FROM sources"))
    assert statuses == {"git:remote": "stale", "sql:remote/orders.sql": "stale"}


def test_a_missing_ref_is_a_clear_error(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.commit("one")
    result = sync(remote, store, tmp_path, ref="does-not-exist")
    assert "does-not-exist" in result.error and remote.url in result.error


def test_a_corrupt_clone_is_recloned(remote, store, tmp_path):
    remote.write("orders.sql", ORDERS)
    remote.commit("one")
    sync(remote, store, tmp_path)
    for head in (tmp_path / "cache").glob("*/HEAD"):
        head.write_text("garbage")
    (tmp_path / "lineage2").mkdir()
    with LineageStore.open(tmp_path / "lineage2" / "l.duckdb") as fresh:
        assert sync(remote, fresh, tmp_path).added == ["orders.sql"]


def test_the_token_never_reaches_errors_logs_or_the_store(remote, tmp_path, caplog, monkeypatch):
    token = "ghp_SuperSecretToken1234567890"
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "lineage.duckdb"
    with LineageStore.open(db) as store:
        result = sync(
            remote,
            store,
            tmp_path,
            url=f"https://{token}@127.0.0.1:9/acme/sql.git",
            token=token,
            name="acme-sql",
        )
    assert result.error and "https://127.0.0.1:9/acme/sql.git" in result.error
    outputs = [
        result.error,
        str(result.summary()),
        caplog.text,
        repr(GitSourceConfig("x", token=token)),
    ]
    assert all(token not in text for text in outputs)
    assert token.encode() not in db.read_bytes()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


DBT_PROJECT = """name: shop
model-paths: ["models"]
vars: {days: 30}
models:
  shop:
    staging: {+schema: staging, +materialized: view}
"""
DBT_SOURCES = """version: 2
sources:
  - name: raw
    schema: landing
    tables: [{name: orders}, {name: users, identifier: users_v2}]
"""
STG = "{{ config(materialized='view') }}\nselect id, amount from {{ source('raw', 'orders') }}\n"
MART = (
    "{{ config(materialized='table', schema='mart', alias='revenue') }}\n"
    "select o.id, sum(o.amount) as total\n"
    "from {{ ref('stg_orders') }} o\n"
    "join {{ source('raw', 'users') }} u on u.id = o.id\n"
    "{% if is_incremental() %}where o.id > (select max(id) from {{ this }}){% endif %}\n"
    "where o.amount > {{ var('days') }}\n"
    "group by o.id\n"
)


def test_dbt_models_are_rendered_into_model_lineage(remote, store, tmp_path):
    remote.write("dbt/dbt_project.yml", DBT_PROJECT)
    remote.write("dbt/models/sources.yml", DBT_SOURCES)
    remote.write("dbt/models/staging/stg_orders.sql", STG)
    remote.write("dbt/models/marts/revenue_model.sql", MART)
    remote.commit("dbt")
    result = sync(remote, store, tmp_path)
    assert result.parse_errors == []
    edges = set(rows(store, "SELECT source_table, target_table FROM table_edges"))
    # dbt's default generate_schema_name under the default target (schema `analytics`).
    assert edges == {
        ("landing.orders", "analytics_staging.stg_orders"),
        ("analytics_staging.stg_orders", "analytics_mart.revenue"),
        ("landing.users_v2", "analytics_mart.revenue"),
    }
    assert ("analytics_mart.revenue", "total", "amount", "aggregate") in set(
        rows(
            store,
            "SELECT target_table, target_column, source_column, transform FROM column_edges",
        )
    )


PY_JOB = '''import pandas as pd

def run(spark, cursor, athena, conn):
    spark.sql("""
        INSERT OVERWRITE TABLE mart.stats
        SELECT id, count(*) AS n FROM raw.events GROUP BY id
    """)
    cursor.execute("DELETE FROM mart.tmp WHERE id IN (SELECT id FROM raw.bad)")
    athena.start_query_execution(QueryString="SELECT * FROM raw.clicks", WorkGroup="wg")
    table = "raw.dynamic"
    pd.read_sql(f"SELECT * FROM {table}", conn)
'''


def test_sql_embedded_in_python_is_found_with_its_lines(remote, store, tmp_path):
    found, skipped = find_embedded_sql(PY_JOB)
    assert [(f.call, f.line, f.dialect) for f in found] == [
        ("sql", 4, "spark"),
        ("execute", 8, None),
        ("start_query_execution", 9, "athena"),
    ]
    assert [(s.call, s.line) for s in skipped] == [("read_sql", 11)]
    remote.write("jobs/stats.py", PY_JOB)
    remote.commit("job")
    result = sync(remote, store, tmp_path)
    assert result.warnings == ["jobs/stats.py:11: SQL passed to read_sql() is an f-string"]
    edge = rows(store, "SELECT source_table, target_table, start_line FROM table_edges")
    assert ("raw.events", "mart.stats", 5) in edge
    kinds = [k for (k,) in rows(store, "SELECT kind FROM sql_statements ORDER BY start_line")]
    assert len(kinds) == 3


def test_parse_errors_name_file_and_line_and_other_statements_still_count(remote, store, tmp_path):
    remote.write("mixed.sql", ORDERS + "\nSELEC broken FROM;\n" + USERS)
    remote.commit("mixed")
    result = sync(remote, store, tmp_path)
    assert len(result.parse_errors) == 1 and result.parse_errors[0].startswith("mixed.sql:6:")
    assert rows(store, "SELECT statement_count, error_count FROM sql_files") == [(3, 1)]
    assert len(rows(store, "SELECT * FROM table_edges")) == 2


def test_subdirectory_include_exclude_and_dialect_overrides(remote, store, tmp_path):
    remote.write("warehouse/orders.sql", ORDERS)
    remote.write("warehouse/scratch/tmp.sql", USERS)
    remote.write("other/users.sql", USERS)
    remote.write("warehouse/top.sql", "SELECT TOP 5 id INTO mart.top FROM raw.t;\n")
    remote.commit("layout")
    result = sync(
        remote,
        store,
        tmp_path,
        subdirectory="warehouse",
        exclude=("warehouse/scratch/*",),
        dialect="athena",
        dialect_overrides=(("*/top.sql", "tsql"),),
    )
    assert sorted(result.added) == ["warehouse/orders.sql", "warehouse/top.sql"]
    dialects = dict(rows(store, "SELECT path, dialect FROM sql_files"))
    assert dialects == {"warehouse/orders.sql": "athena", "warehouse/top.sql": "tsql"}
    assert ("raw.t", "mart.top") in set(
        rows(store, "SELECT source_table, target_table FROM table_edges")
    )


def test_git_never_prompts_for_credentials(remote, store, tmp_path, monkeypatch):
    monkeypatch.delenv("GIT_ASKPASS", raising=False)
    result = sync(remote, store, tmp_path, url="https://127.0.0.1:9/private.git", name="p")
    assert result.error is not None  # fails at once instead of waiting on a prompt
    assert os.environ.get("GIT_TERMINAL_PROMPT") in (None, "0")
    assert duckdb.__version__  # the store stays usable afterwards
    assert rows(store, "SELECT status FROM sources WHERE source_key = 'git:p'") == [("failed",)]


def test_repository_settings_file_sets_dialects_and_the_demo_repo_syncs(store, tmp_path):
    from lineage_dev.demo_repo import build_demo_remote

    project = Path(__file__).resolve().parents[1]
    demo = build_demo_remote(project / "sql_repo", tmp_path / "demo.git")
    result = sync_repository(GitSourceConfig(remote=demo.url), store, tmp_path / "cache")
    assert result.error is None
    assert [e.split(": ", 1)[0] for e in result.parse_errors] == ["broken/99_syntax_error.sql:9"]
    dialects = dict(rows(store, "SELECT path, dialect FROM sql_files"))
    assert dialects["redshift/40_unload_orders.sql"] == "redshift"
    assert dialects["athena/01_customers_raw.sql"] == "athena"
    assert dialects["python/feature_job.py"] == "spark"
    locations = set(rows(store, "SELECT table_name, location_uri, direction FROM table_locations"))
    assert ("analytics.customers_raw", "s3://acme-raw-landing/customers/", "location") in locations
    assert ("analytics.orders", "s3://acme-curated-lake/exports/orders/", "unload") in locations
    assert (
        "reporting.orders_export",
        "s3://acme-curated-lake/exports/orders/",
        "copy",
    ) in locations
    history = dict(rows(store, "SELECT path, commit_sha FROM sql_files"))
    assert history["athena/01_customers_raw.sql"] == demo.commits[0]
    assert history["athena/04_customer_features.sql"] == demo.commits[1]  # changed in commit 2
