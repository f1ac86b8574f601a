"""The dbt fixture project synced from a real git repository into a DuckDB store: the stored
table edges are dbt's, named for the target `.lineage.toml` gives, and a re-sync with no
change parses nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from lineage_assets.git_sql.dbt.naming import relation_name
from lineage_assets.git_sql.dbt.records import Target
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

FIXTURES = Path(__file__).parent / "fixtures" / "dbt"
AUTHOR = git.Actor("Dee Bee", "dee@example.com")


@pytest.fixture
def remote(tmp_path: Path) -> tuple[git.Repo, str]:
    bare = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    shutil.copytree(FIXTURES / "shop", Path(work.working_dir, "warehouse"))
    Path(work.working_dir, ".lineage.toml").write_text(
        '[sql]\ndialect = "duckdb"\n[dbt]\ntarget = "dev"\nschema = "dbt_ana"\ndatabase = "dev"\n'
    )
    work.git.add("-A")
    work.index.commit("dbt project", author=AUTHOR, committer=AUTHOR)
    work.create_remote("origin", str(tmp_path / "remote.git"))
    work.git.push("origin", "HEAD:main")
    return work, bare.working_dir or str(tmp_path / "remote.git")


def expected_edges(target: Target) -> set[tuple[str, str]]:
    manifest = json.loads((FIXTURES / f"shop_expected_{target.name}.json").read_text())
    names = {
        uid: relation_name(n["database"], n["schema"], n["alias"], target)
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "seed", "snapshot")
    }
    names |= {
        uid: relation_name(s["database"], s["schema"], s["identifier"], target)
        for uid, s in manifest["sources"].items()
    }
    return {
        (names[up], names[uid])
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot")
        for up in node["depends_on"]
    }


def test_sync_stores_dbt_edges_named_for_the_configured_target(remote, tmp_path):
    work, url = remote
    config = GitSourceConfig(remote=url, name="warehouse")
    with LineageStore.open(tmp_path / "lineage.duckdb") as store:
        first = sync_repository(config, store, tmp_path / "cache")
        assert first.error is None
        edges = set(
            store.conn.execute(
                "SELECT DISTINCT source_table, target_table FROM table_edges"
            ).fetchall()
        )
        dev = Target(name="dev", schema="dbt_ana", database="dev")
        assert edges == expected_edges(dev)
        files = dict(store.conn.execute("SELECT path, statement_count FROM sql_files").fetchall())
        assert files["warehouse/macros/order_sources.sql"] == 0
        assert files["warehouse/tests/assert_revenue_is_positive.sql"] == 0
        assert files["warehouse/analyses/revenue_by_country.sql"] == 0
        assert files["warehouse/models/staging/stg_orders.sql"] == 1
        assert any("audit_helper.hash_pii" in w for w in first.warnings)

        again = sync_repository(config, store, tmp_path / "cache")
        assert again.statements_parsed == 0

        seed = Path(work.working_dir, "warehouse/seeds/country_codes.csv")
        seed.write_text("code,name,region,currency\nNL,Netherlands,EMEA,EUR\n")
        work.git.add("-A")
        work.index.commit("seed gains a column", author=AUTHOR, committer=AUTHOR)
        work.git.push("origin", "HEAD:main")
        third = sync_repository(config, store, tmp_path / "cache")
        assert "warehouse/models/marts/dim_customers.sql" in third.changed

        macro = Path(work.working_dir, "warehouse/macros/cents_to_dollars.sql")
        macro.write_text(macro.read_text().replace("/ 100", "/ 1000"))
        work.git.add("-A")
        work.index.commit("cents are mills now", author=AUTHOR, committer=AUTHOR)
        work.git.push("origin", "HEAD:main")
        fourth = sync_repository(config, store, tmp_path / "cache")
        assert "warehouse/models/staging/stg_payments.sql" in fourth.changed
        text = store.conn.execute(
            "SELECT sql_text FROM sql_statements s JOIN sql_files f USING (source_key) "
            "WHERE f.path = 'warehouse/models/staging/stg_payments.sql'"
        ).fetchone()[0]
        assert "/ 1000" in text


def test_seeds_and_sources_are_stored_as_nodes_with_their_columns(remote, tmp_path):
    _, url = remote
    config = GitSourceConfig(remote=url, name="warehouse")
    with LineageStore.open(tmp_path / "lineage.duckdb") as store:
        sync_repository(config, store, tmp_path / "cache")
        rows = store.conn.execute(
            "SELECT unique_id, resource_type, relation, columns FROM dbt_nodes"
        ).fetchall()
    nodes = {uid: (kind, relation, columns) for uid, kind, relation, columns in rows}
    assert nodes["seed.shop.country_codes"] == (
        "seed", "reference.country_codes", ["code", "name", "region"],
    )  # fmt: skip
    assert nodes["source.shop.stripe.charges"][1:] == (
        "payments_db.stripe.charges", ["id", "order_id", "amount_cents", "created"],
    )  # fmt: skip
    assert nodes["snapshot.shop.customers_snapshot"][:2] == (
        "snapshot",
        "snapshots.customers_snapshot",
    )
    assert not any(uid.startswith(("test.", "analysis.", "macro.")) for uid in nodes)
    assert len([u for u in nodes if u.startswith("model.")]) == 15


def test_sql_sync_takes_the_dbt_target_on_the_command_line():
    from lineage_assets.cli import build_parser

    args = build_parser().parse_args(
        ["sql-sync", "--dbt-target", "dev", "--dbt-database", "dev", "--dbt-schema", "dbt_ana"]
    )
    assert (args.dbt_target, args.dbt_database, args.dbt_schema) == ("dev", "dev", "dbt_ana")


def test_the_sql_repo_resource_carries_the_dbt_target():
    from dagster_project.resources import SqlRepoResource

    resource = SqlRepoResource(
        remote="file:///nowhere.git", dbt_target="dev", dbt_schema="dbt_ana", dbt_env_allow=["TEAM"]
    )
    config = resource.source_config()
    assert (config.dbt_target, config.dbt_schema, config.dbt_database) == ("dev", "dbt_ana", None)
    assert config.dbt_env_allow == ("TEAM",)
