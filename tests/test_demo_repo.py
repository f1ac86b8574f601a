"""The demo SQL folder and the bare git remote built from it, with real git repositories."""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import git
import jinja2
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from lineage_dev import demo_repo
from lineage_dev.demo_repo import CHANGED_FILE, DemoRemote, build_demo_remote

SQL_REPO = Path(__file__).resolve().parent.parent / "sql_repo"
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

# The dialect each SQL file is parsed with; every .sql file outside broken/ must be listed.
DIALECTS = {
    "athena/01_customers_raw.sql": "athena",
    "athena/02_orders.sql": "athena",
    "athena/03_abalone_measurements.sql": "athena",
    "athena/04_customer_features.sql": "athena",
    "warehouse/10_daily_revenue.sql": "athena",
    "warehouse/20_customer_dim_merge.sql": "athena",
    "warehouse/30_v_high_value_customers.sql": "athena",
    "redshift/40_unload_orders.sql": "redshift",
    "dbt/models/staging/stg_orders.sql": "athena",
    "dbt/models/marts/churn_training_set.sql": "athena",
}
BROKEN = "broken/99_syntax_error.sql"

# The names the emulated AWS account is seeded with: table -> (file, S3 location).
ATHENA_TABLES = {
    "analytics.customers_raw": ("athena/01_customers_raw.sql", "s3://acme-raw-landing/customers/"),
    "analytics.orders": ("athena/02_orders.sql", "s3://acme-curated-lake/orders/"),
    "analytics.abalone_measurements": (
        "athena/03_abalone_measurements.sql",
        "s3://acme-curated-lake/abalone/measurements/",
    ),
    "analytics.customer_features": (
        "athena/04_customer_features.sql",
        "s3://acme-curated-lake/customer_features/",
    ),
}


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` except git metadata and Python caches, by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not {".git", "__pycache__"} & set(path.relative_to(folder).parts)
        and path.suffix != ".pyc"
    }


def clone(remote: DemoRemote, dest: Path) -> git.Repo:
    """A working clone of the remote over its `file://` URL."""
    return git.Repo.clone_from(remote.url, dest, env=GIT_ENV)


def stat_snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, size, mtime_ns) of the folder and of everything below it."""
    entries = [folder, *sorted(folder.rglob("*"))]
    return {
        path.relative_to(folder).as_posix(): (st.st_ino, st.st_size, st.st_mtime_ns)
        for path in entries
        for st in [path.stat()]
    }


def parse(sql: str, dialect: str) -> list[exp.Expression]:
    """All statements of `sql` parsed with `dialect` (raises on a syntax error)."""
    return [statement for statement in sqlglot.parse(sql, read=dialect) if statement is not None]


def render_dbt(text: str, *, incremental: bool) -> str:
    """A trivial dbt render: sources and refs become analytics tables, vars their defaults."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.from_string(text).render(
        config=lambda **_: "",
        source=lambda schema, table: f"{schema}.{table}",
        ref=lambda name: f"analytics.{name}",
        var=lambda name, default=None: default,
        is_incremental=lambda: incremental,
        this="ml.churn_training_set",
    )


def spark_sql_strings(source: str) -> list[str]:
    """The literal SQL passed to `spark.sql(...)` calls in a Python file."""
    return [
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "sql"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def location_of(create: exp.Create) -> str | None:
    """LOCATION of a Hive DDL, or `external_location` of an Athena CTAS."""
    for prop in create.args["properties"].expressions:
        if isinstance(prop, exp.LocationProperty):
            return prop.this.name
        if isinstance(prop, exp.Property) and prop.name == "external_location":
            return prop.args["value"].name
    return None


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> DemoRemote:
    """The remote built from the real sql_repo folder."""
    return build_demo_remote(SQL_REPO, tmp_path_factory.mktemp("remote") / "sql_repo.git")


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A private copy of sql_repo that a test may change."""
    return Path(shutil.copytree(SQL_REPO, tmp_path / "sql_repo"))


# --- the remote -------------------------------------------------------------------------------


def test_remote_is_bare_with_two_commits_in_order(remote: DemoRemote) -> None:
    repo = git.Repo(remote.path)
    assert repo.bare
    assert remote.branch == "main"
    assert remote.rebuilt
    assert repo.head.reference.path == "refs/heads/main"
    history = list(repo.iter_commits("main", reverse=True))
    assert [commit.hexsha for commit in history] == list(remote.commits)
    assert len(history) >= 2
    assert remote.head == repo.heads.main.commit.hexsha
    first, second = history[0], history[1]
    assert first.message == "Add raw and curated Athena tables"
    assert second.message == "Add warehouse models, dbt project and UNLOAD"
    assert first.parents == () and second.parents == (first,)
    assert first.committed_date < second.committed_date
    assert first.committed_datetime.isoformat() == "2026-10-01T09:30:00+00:00"
    assert second.committed_datetime.isoformat() == "2026-10-15T14:05:00+00:00"
    first_files = {item.path for item in first.tree.traverse() if isinstance(item, git.Blob)}
    assert first_files == {path for path in files_of(SQL_REPO) if path.startswith("athena/")}


def test_clone_over_file_url_gives_exactly_the_source_files(
    remote: DemoRemote, tmp_path: Path
) -> None:
    assert remote.url.startswith("file://")
    work = clone(remote, tmp_path / "clone")
    assert work.active_branch.name == "main"
    assert files_of(tmp_path / "clone") == files_of(SQL_REPO)
    assert not work.is_dirty(untracked_files=True)


def test_changed_file_has_two_blobs(remote: DemoRemote) -> None:
    repo = git.Repo(remote.path)
    versions = [repo.commit(sha).tree / CHANGED_FILE for sha in remote.commits[:2]]
    before, after = (blob.data_stream.read() for blob in versions)
    assert versions[0].hexsha != versions[1].hexsha
    assert after == (SQL_REPO / CHANGED_FILE).read_bytes()
    assert b"c.phone" not in before and b"c.phone" in after
    assert parse(before.decode(), "athena")  # the earlier form is valid SQL too
    changed = {diff.b_path for diff in repo.commit(remote.commits[0]).diff(remote.commits[1])} & {
        path for path in files_of(SQL_REPO) if path.startswith("athena/")
    }
    assert changed == {CHANGED_FILE}


def test_history_is_deterministic(remote: DemoRemote, tmp_path: Path) -> None:
    again = build_demo_remote(SQL_REPO, tmp_path / "elsewhere.git")
    assert again.rebuilt
    assert again.commits == remote.commits


# --- rebuilds ---------------------------------------------------------------------------------


def test_second_call_is_a_no_op(source_copy: Path, tmp_path: Path) -> None:
    first = build_demo_remote(source_copy, tmp_path / "r.git")
    before = stat_snapshot(first.path)
    second = build_demo_remote(source_copy, tmp_path / "r.git")
    assert not second.rebuilt
    assert second == first
    assert stat_snapshot(second.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.git", "sql_repo"]  # no leftovers


def test_changed_source_triggers_a_rebuild(source_copy: Path, tmp_path: Path) -> None:
    first = build_demo_remote(source_copy, tmp_path / "r.git")
    revenue = source_copy / "warehouse/10_daily_revenue.sql"
    revenue.write_text(revenue.read_text() + "-- reviewed 2026-11-02\n")
    (source_copy / "warehouse/30_v_high_value_customers.sql").unlink()
    (source_copy / "athena/05_returns.sql").write_text("SELECT 1;\n")

    second = build_demo_remote(source_copy, tmp_path / "r.git")
    assert second.rebuilt
    assert second.head != first.head
    clone(second, tmp_path / "clone")
    assert files_of(tmp_path / "clone") == files_of(source_copy)
    assert build_demo_remote(source_copy, tmp_path / "r.git").rebuilt is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone", "r.git", "sql_repo"]


def test_unchanged_athena_files_keep_the_first_commit(source_copy: Path, tmp_path: Path) -> None:
    first = build_demo_remote(source_copy, tmp_path / "r.git")
    readme = source_copy / "README.md"
    readme.write_text(readme.read_text() + "\nMore notes.\n")
    second = build_demo_remote(source_copy, tmp_path / "r.git")
    assert second.commits[0] == first.commits[0]
    assert second.commits[1] != first.commits[1]


def test_another_bare_repo_is_replaced(source_copy: Path, tmp_path: Path) -> None:
    other = git.Repo.init(tmp_path / "r.git", bare=True)
    other.close()
    built = build_demo_remote(source_copy, tmp_path / "r.git")
    assert built.rebuilt
    assert git.Repo(built.path).heads.main.commit.hexsha == built.head


def test_refuses_to_replace_a_folder_that_is_not_a_bare_repo(
    source_copy: Path, tmp_path: Path
) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        build_demo_remote(source_copy, precious)
    assert (precious / "notes.txt").read_text() == "keep me"

    working = git.Repo.init(tmp_path / "working")
    working.close()
    with pytest.raises(FileExistsError):
        build_demo_remote(source_copy, tmp_path / "working")


def test_ignores_caches_and_rejects_a_missing_source(source_copy: Path, tmp_path: Path) -> None:
    cache = source_copy / "python/__pycache__"
    cache.mkdir()
    (cache / "feature_job.cpython-311.pyc").write_bytes(b"\0")
    built = build_demo_remote(source_copy, tmp_path / "r.git")
    clone(built, tmp_path / "clone")
    assert files_of(tmp_path / "clone") == files_of(SQL_REPO)
    with pytest.raises(FileNotFoundError):
        build_demo_remote(tmp_path / "missing", tmp_path / "r2.git")


def test_blob_sha_matches_git() -> None:
    data = (SQL_REPO / CHANGED_FILE).read_bytes()
    assert demo_repo.blob_sha(data) == git.Git().hash_object(str(SQL_REPO / CHANGED_FILE))


# --- the SQL ----------------------------------------------------------------------------------


def test_every_sql_file_has_a_dialect() -> None:
    sql_files = {path for path in files_of(SQL_REPO) if path.endswith(".sql")}
    assert sql_files - {BROKEN} == set(DIALECTS)
    assert BROKEN in sql_files


@pytest.mark.parametrize("path", sorted(p for p in DIALECTS if not p.startswith("dbt/")))
def test_sql_file_parses(path: str) -> None:
    statements = parse((SQL_REPO / path).read_text(), DIALECTS[path])
    assert statements
    for statement in statements:
        # UNLOAD is the only statement sqlglot keeps as an opaque command.
        if isinstance(statement, exp.Command):
            assert statement.this.upper() == "UNLOAD"


@pytest.mark.parametrize("incremental", [False, True])
@pytest.mark.parametrize("path", sorted(p for p in DIALECTS if p.startswith("dbt/")))
def test_dbt_model_parses_after_render(path: str, incremental: bool) -> None:
    rendered = render_dbt((SQL_REPO / path).read_text(), incremental=incremental)
    assert "{{" not in rendered and "{%" not in rendered
    (statement,) = parse(rendered, DIALECTS[path])
    assert isinstance(statement, exp.Select)


def test_unload_query_parses_and_names_its_s3_target() -> None:
    text = (SQL_REPO / "redshift/40_unload_orders.sql").read_text()
    match = re.search(r"UNLOAD\s*\('((?:[^']|'')*)'\)\s*TO\s*'([^']+)'", text)
    assert match is not None
    (query,) = parse(match.group(1).replace("''", "'"), "redshift")
    assert [table.sql() for table in query.find_all(exp.Table)] == ["analytics.orders"]
    assert match.group(2) == "s3://acme-curated-lake/exports/orders/"


def test_spark_job_sql_parses() -> None:
    source = (SQL_REPO / "python/feature_job.py").read_text()
    statements = [s for sql in spark_sql_strings(source) for s in parse(sql, "spark")]
    assert [type(s) for s in statements] == [exp.Create, exp.Insert]
    insert = statements[1]
    assert insert.args["overwrite"]
    assert (insert.this.db, insert.this.name) == ("analytics", "order_stats")
    assert {t.sql() for t in insert.expression.find_all(exp.Table)} == {"analytics.orders"}


@pytest.mark.parametrize("dialect", ["athena", "trino", "hive", "redshift"])
def test_broken_file_fails_to_parse(dialect: str) -> None:
    text = (SQL_REPO / BROKEN).read_text()
    assert "on purpose" in text
    with pytest.raises(ParseError):
        sqlglot.parse(text, read=dialect)


@pytest.mark.parametrize("table", sorted(ATHENA_TABLES))
def test_athena_tables_match_the_emulated_account(table: str) -> None:
    path, location = ATHENA_TABLES[table]
    (create,) = parse((SQL_REPO / path).read_text(), "athena")
    assert isinstance(create, exp.Create)
    assert create.find(exp.Table).sql() == table
    assert location_of(create) == location


def test_customers_raw_columns() -> None:
    (create,) = parse((SQL_REPO / "athena/01_customers_raw.sql").read_text(), "athena")
    assert [column.name for column in create.this.expressions] == [
        "customer_id",
        "full_name",
        "email",
        "phone",
        "rrn",
        "card_number",
        "ip_address",
        "birth_date",
        "address",
        "country",
        "signup_date",
    ]
