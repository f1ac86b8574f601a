"""A dbt project as found in real repositories that do not commit `dbt_packages/`: legacy
`source-paths`/`data-paths`, a `local:` package that lives in the same repository, and a
package macro in the shape of `dbt_utils.star` (private `_is_relation` helpers, relations as
mappings and as dict keys). Scored against the manifest `dbt parse` (dbt-core 1.10.23,
dbt-duckdb 1.10.1) wrote with the local package installed as `dbt deps` installs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from lineage_assets.git_sql.collect import dbt_context
from lineage_assets.git_sql.dbt import DbtGraph, DbtSettings, Target
from lineage_assets.git_sql.dbt.naming import relation_name
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

FIXTURES = Path(__file__).parent / "fixtures" / "dbt"
MONOREPO = FIXTURES / "monorepo"
TARGET = Target(name="prod", schema="analytics", database="prod", type="duckdb")
AUTHOR = git.Actor("Dee Bee", "dee@example.com")


def repository_files() -> dict[str, str]:
    return {str(p.relative_to(MONOREPO)): p.read_text() for p in MONOREPO.rglob("*") if p.is_file()}


def expected() -> tuple[dict[str, str], set[tuple[str, str]]]:
    """dbt's relation per node and its (upstream, downstream) edges, as our names."""
    manifest = json.loads((FIXTURES / "monorepo_expected_prod.json").read_text())
    names = {
        uid: relation_name(n["database"], n["schema"], n["alias"], TARGET)
        for uid, n in manifest["nodes"].items()
    }
    edges = {
        (names[upstream], names[uid])
        for uid, node in manifest["nodes"].items()
        for upstream in node["depends_on"]
    }
    return names, edges


@pytest.fixture(scope="module")
def warehouse() -> DbtGraph:
    context, problems = dbt_context(repository_files(), DbtSettings(target=TARGET))
    assert problems == []
    project = next(p for p in context.projects if p.name == "warehouse")
    return context.graph(project)


def test_legacy_paths_and_the_local_package_give_dbts_nodes_and_names(warehouse):
    names, _ = expected()
    ours = {n.unique_id: n.relation for n in warehouse.nodes if n.resource_type != "source"}
    assert ours == names


def test_edges_are_dbts_without_dbt_deps(warehouse):
    _, edges = expected()
    ours = {(up, n.relation) for n in warehouse.nodes for up in n.depends_on}
    assert ours == edges
    assert not [w for w in warehouse.warnings if "names no model" in w]


def test_a_star_shaped_package_macro_renders_a_star_as_dbt_does_at_parse(warehouse):
    node = next(n for n in warehouse.nodes if n.unique_id == "model.warehouse.stg_customers")
    assert node.error is None
    assert node.warnings == ()
    assert node.sql.split("from")[0].split() == ["select", "*"]


def test_relations_used_as_dict_keys_render(warehouse):
    node = next(n for n in warehouse.nodes if n.unique_id == "model.warehouse.fct_orders")
    assert node.error is None
    assert node.warnings == ()


def test_sync_of_the_repository_with_a_merge_stores_dbts_edges(tmp_path):
    bare = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    shutil.copytree(MONOREPO, work.working_dir, dirs_exist_ok=True)
    work.git.add("-A")
    work.index.commit("warehouse and its local package", author=AUTHOR, committer=AUTHOR)
    work.git.checkout("-b", "feature")
    readme = Path(work.working_dir, "README.md")
    readme.write_text("models in warehouse/, shared models in common/\n")
    work.git.add("-A")
    work.index.commit("readme", author=AUTHOR, committer=AUTHOR)
    work.git.checkout("main")
    work.git.merge("--no-ff", "feature", "-m", "merge feature")
    work.create_remote("origin", bare.git_dir)
    work.git.push("origin", "HEAD:main")

    config = GitSourceConfig(
        remote=str(bare.git_dir),
        name="monorepo",
        dialect="duckdb",
        dbt_target="prod",
        dbt_database="prod",
        dbt_schema="analytics",
    )
    query = (
        "SELECT DISTINCT e.source_table, e.target_table FROM table_edges e "
        "JOIN sql_files f USING (source_key) WHERE f.path LIKE 'warehouse/%'"
    )
    with LineageStore.open(tmp_path / "lineage.duckdb") as store:
        result = sync_repository(config, store, tmp_path / "cache")
        assert result.error is None
        _, edges = expected()
        assert set(store.conn.execute(query).fetchall()) == edges

        # The local package renames its model: the project's models that ref it follow,
        # as they would after `dbt deps` copied the package again.
        model = Path(work.working_dir, "common/models/dim_countries.sql")
        model.write_text("{{ config(alias='countries') }}\n" + model.read_text())
        work.git.add("-A")
        work.index.commit("countries get their short name", author=AUTHOR, committer=AUTHOR)
        work.git.push("origin", "HEAD:main")
        again = sync_repository(config, store, tmp_path / "cache")
        assert again.error is None
        assert "warehouse/transform/marts/fct_orders.sql" in again.changed
        renamed = {(up.replace("dim_countries", "countries"), down) for up, down in edges}
        assert set(store.conn.execute(query).fetchall()) == renamed


PROBES = {
    "p_key": ("{{ ref('stg_orders')['_key'] }}", "SecurityError"),
    "p_init": ("{{ ref('stg_orders')['__init__'] }}", "SecurityError"),
    "p_class": ("{{ common['__class__'] }}", "SecurityError"),
    "p_globals": ("{{ common._is_relation.__globals__ }}", "SecurityError"),
    "p_iter": ("{{ ref('stg_orders') | list }}", "not iterable"),
    "p_get_class": ("{{ ref('stg_orders').get('__class__') }}", None),
    "p_get_key": ("{{ ref('stg_orders').get('_key') }}", None),
    "p_macros": ("{{ common['_macros'] }}", None),
    "p_func": ("{{ common['_is_relation']._func }}", None),
}


def test_relation_and_namespace_lookups_reach_no_private_state():
    files = {
        **repository_files(),
        **{f"warehouse/transform/{name}.sql": f"select '{text}' as probe"
           for name, (text, _) in PROBES.items()},
        "warehouse/packages.yml": (
            "packages:\n  - local: ../common\n  - local: ../../outside\n  - local: /etc\n"
        ),
    }  # fmt: skip
    context, problems = dbt_context(files, DbtSettings(target=TARGET))
    assert problems == []
    project = next(p for p in context.projects if p.name == "warehouse")
    assert [p.name for p in project.packages] == ["common"]
    nodes = {n.name: n for n in context.graph(project).nodes}
    for name, (_, refused) in PROBES.items():
        node = nodes[name]
        if refused:
            assert node.error is not None and refused in node.error, name
        else:
            assert node.error is None, name
            assert node.sql in ("select 'None' as probe", "select '' as probe"), name


def test_a_ref_to_a_package_not_installed_is_named_by_dbts_default():
    files = {
        **repository_files(),
        "warehouse/transform/marts/fct_payments.sql": (
            "select * from {{ ref('stripe_payments') }}\n"
            "join {{ ref('stripe', 'stripe_refunds', v=2) }} using (payment_id)"
        ),
    }
    context, _ = dbt_context(files, DbtSettings(target=TARGET))
    project = next(p for p in context.projects if p.name == "warehouse")
    graph = context.graph(project)
    node = next(n for n in graph.nodes if n.name == "fct_payments")
    assert node.depends_on == ("analytics.stripe_payments", "analytics.stripe_refunds_v2")
    assert any("taken as analytics.stripe_payments" in w for w in node.warnings)


def test_a_project_inside_a_hidden_folder_keeps_its_path():
    files = {
        f".analytics/{path}": text
        for path, text in repository_files().items()
        if path.startswith("warehouse/")
    }
    context, _ = dbt_context(files, DbtSettings(target=TARGET))
    assert [p.root for p in context.projects] == [".analytics/warehouse"]
    model = ".analytics/warehouse/transform/staging/stg_orders.sql"
    assert context.project_of(model) is context.projects[0]
    relations = {n.relation for n in context.graph(context.projects[0]).nodes}
    assert "analytics_staging.stg_orders" in relations


def test_a_snapshot_defined_in_yaml_is_stored_with_its_edge(tmp_path):
    bare = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    shutil.copytree(MONOREPO, work.working_dir, dirs_exist_ok=True)
    snapshots = Path(work.working_dir, "warehouse/snapshots")
    snapshots.mkdir()
    (snapshots / "orders_snapshot.yml").write_text(
        "snapshots:\n  - name: orders_snapshot\n    relation: ref('stg_orders')\n"
        "    config:\n      unique_key: order_id\n      strategy: check\n      check_cols: all\n"
    )
    work.git.add("-A")
    work.index.commit("orders are snapshotted", author=AUTHOR, committer=AUTHOR)
    work.create_remote("origin", bare.git_dir)
    work.git.push("origin", "HEAD:main")
    config = GitSourceConfig(
        remote=str(bare.git_dir), name="monorepo", dialect="duckdb", dbt_database="prod"
    )
    with LineageStore.open(tmp_path / "lineage.duckdb") as store:
        assert sync_repository(config, store, tmp_path / "cache").error is None
        edges = store.conn.execute(
            "SELECT e.source_table, e.target_table, f.path FROM table_edges e "
            "JOIN sql_files f USING (source_key) WHERE e.target_table LIKE '%snapshot%'"
        ).fetchall()
        # dbt parse: "prod"."analytics"."orders_snapshot" depends on model.warehouse.stg_orders
        assert edges == [
            (
                "analytics_staging.stg_orders",
                "analytics.orders_snapshot",
                "warehouse/snapshots/orders_snapshot.yml",
            )
        ]
        assert sync_repository(config, store, tmp_path / "cache").statements_parsed == 0
