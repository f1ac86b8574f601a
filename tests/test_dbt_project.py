"""A dbt project written as teams write them (project macros, a vendored package, dispatch,
both config() forms, folder configs with and without `+`, a generate_schema_name override,
seeds, snapshots, sources with columns) read as dbt reads it: scored against the manifests
`dbt parse` (dbt-core 1.10.23, dbt-duckdb 1.10.1) wrote for two targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineage_assets.git_sql.collect import DbtContext, dbt_context, parse_file
from lineage_assets.git_sql.dbt import DbtGraph, DbtSettings, Target
from lineage_assets.git_sql.dbt.naming import relation_name
from lineage_assets.git_sql.dbt.project import resource_config

FIXTURES = Path(__file__).parent / "fixtures" / "dbt"
SHOP = FIXTURES / "shop"
TARGETS = {
    "prod": Target(name="prod", schema="analytics", database="prod", type="duckdb"),
    "dev": Target(name="dev", schema="dbt_ana", database="dev", type="duckdb"),
}


def project_files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.is_file()}


def context_for(target: Target, extra: dict[str, str] | None = None) -> DbtContext:
    files = {**project_files(SHOP), **(extra or {})}
    context, problems = dbt_context(files, DbtSettings(target=target))
    assert problems == []
    return context


@pytest.fixture(scope="module", params=sorted(TARGETS))
def rendered(request: pytest.FixtureRequest) -> tuple[str, DbtGraph, DbtContext]:
    context = context_for(TARGETS[request.param])
    return request.param, context.graph(context.projects[0]), context


def expected_graph(target_name: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """dbt's relation per node and its (upstream, downstream) edges, as our names."""
    manifest = json.loads((FIXTURES / f"shop_expected_{target_name}.json").read_text())
    target = TARGETS[target_name]
    names = {
        uid: relation_name(n["database"], n["schema"], n["alias"], target)
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "seed", "snapshot")
    }
    sources = {
        uid: relation_name(s["database"], s["schema"], s["identifier"], target)
        for uid, s in manifest["sources"].items()
    }
    edges = {
        ({**names, **sources}[upstream], names[uid])
        for uid, node in manifest["nodes"].items()
        if uid in names
        for upstream in node["depends_on"]
    }
    return names, edges


def test_model_edges_match_dbt_parse(rendered):
    target_name, graph, _ = rendered
    _, expected = expected_graph(target_name)
    ours = {(up, n.relation) for n in graph.nodes for up in n.depends_on}
    assert ours == expected
    assert len(expected) == 27


def test_relation_names_match_dbt_parse(rendered):
    target_name, graph, _ = rendered
    names, _ = expected_graph(target_name)
    ours = {n.unique_id: n.relation for n in graph.nodes if n.resource_type != "source"}
    assert ours == names


def test_names_follow_the_target_and_the_project_override(rendered):
    target_name, graph, _ = rendered
    relation = {n.unique_id: n.relation for n in graph.nodes}
    if target_name == "prod":  # generate_schema_name_for_env: the custom schema itself
        assert relation["model.shop.stg_orders"] == "staging.stg_orders"
        assert relation["model.shop.dim_customers"] == "core.customers"
        assert relation["model.shop_utils.utils_calendar"] == "utils.calendar"
    else:  # any other target: the developer's schema
        assert relation["model.shop.stg_orders"] == "dbt_ana.stg_orders"
        assert relation["model.shop.dim_customers"] == "dbt_ana.customers"
    assert relation["seed.shop.country_codes"] == "reference.country_codes"
    assert relation["snapshot.shop.customers_snapshot"] == "snapshots.customers_snapshot"
    assert relation["source.shop.stripe.charges"] == "payments_db.stripe.charges"


def test_tests_analyses_macros_and_disabled_models_are_not_nodes(rendered):
    _, graph, context = rendered
    ids = {n.unique_id for n in graph.nodes}
    assert not any(i.startswith(("test.", "analysis.", "macro.")) for i in ids)
    assert "model.shop.legacy_revenue" not in ids
    for path in (
        "tests/assert_revenue_is_positive.sql",
        "tests/generic/test_is_positive.sql",
        "analyses/revenue_by_country.sql",
        "macros/order_sources.sql",
        "dbt_packages/shop_utils/macros/star.sql",
        "models/marts/finance/legacy_revenue.sql",
    ):
        units, _ = parse_file(path, (SHOP / path).read_text(), "duckdb", context)
        assert units == [], path


def test_seeds_and_sources_carry_their_columns(rendered):
    _, graph, _ = rendered
    by_id = {n.unique_id: n for n in graph.nodes}
    assert by_id["seed.shop.country_codes"].columns == ("code", "name", "region")
    assert by_id["source.shop.raw.customers"].columns == (
        "id", "first_name", "last_name", "email", "updated_at",
    )  # fmt: skip
    assert by_id["model.shop.stg_orders"].columns[:2] == ("order_id", "customer_id")


def test_a_missing_package_macro_is_a_warning_and_its_arguments_still_count(rendered):
    _, graph, _ = rendered
    node = next(n for n in graph.nodes if n.unique_id == "model.shop.dim_customers")
    assert node.error is None
    assert "macro not found: audit_helper.hash_pii" in node.warnings
    assert any(d.endswith("customers_snapshot") for d in node.depends_on)


def test_package_macros_dispatch_and_root_override(rendered):
    _, graph, _ = rendered
    node = next(n for n in graph.nodes if n.unique_id == "model.shop.int_order_payments")
    # shop_utils.star at parse time gives '*'; the root's default__generate_surrogate_key wins
    assert "select *" in node.sql
    assert "md5(orders.order_id || '-' || orders.customer_id)" in node.sql
    assert "coalesce(cast(" not in node.sql
    assert "'gift_card' then payments.amount" in node.sql


def test_model_statement_has_declared_edges_and_parsed_columns(rendered):
    target_name, _, context = rendered
    path = "models/staging/stg_payments.sql"
    units, _ = parse_file(path, (SHOP / path).read_text(), "duckdb", context)
    (statement,) = units[0].lineage.statements
    schema = "staging" if target_name == "prod" else "dbt_ana"
    assert statement.targets == [f"{schema}.stg_payments"]
    assert statement.sources == ["raw_data.payments"]
    assert statement.error is None
    assert (f"{schema}.stg_payments.amount", "raw_data.payments.amount") in {
        (e.target, e.source) for e in statement.column_lineage
    }
    # the multi-line config() block does not shift the SELECT off its file line
    assert statement.start_line == 9


def test_line_numbers_point_at_the_source_file():
    model = (
        "{{\n  config(\n    materialized='table',\n    alias='x'\n  )\n}}\n"
        "{# a comment\n   over two lines #}\n"
        "{% if is_incremental() %}\nwhere 1 = 1\n{% endif %}\n"
        "select a,\n  b\nfrom {{ ref('y') }}\nwhere (((\n"
    )
    files = {"dbt_project.yml": "name: p\n", "models/x.sql": model, "models/y.sql": "select 1 as a"}
    context, _ = dbt_context(files)
    units, _ = parse_file("models/x.sql", model, "duckdb", context)
    (statement,) = units[0].lineage.statements
    assert statement.start_line == 12
    assert statement.error is not None and statement.error.startswith("line 15, col 9:")
    assert statement.sources == ["analytics.y"]  # declared edges survive the parse error


def test_hand_written_names_meet_dbt_relations():
    context = context_for(TARGETS["prod"])
    sql = (
        'insert into reporting.snapshot select * from "STAGING".stg_orders;\n'
        "insert into reporting.snapshot select * from prod.staging.stg_orders;\n"
        "insert into reporting.snapshot select * from Staging.Stg_Orders;\n"
    )
    units, _ = parse_file("adhoc/report.sql", sql, "duckdb", context)
    sources = {s for st in units[0].lineage.statements for s in st.sources}
    graph = context.graph(context.projects[0])
    model = next(n for n in graph.nodes if n.unique_id == "model.shop.stg_orders")
    assert sources == {model.relation}


def test_plus_rule_of_dbt_project_yml():
    settings = {
        "models": {
            "+materialized": "view",
            "shop": {
                "staging": {"schema": "staging", "meta": {"owner": "x"}, "+tags": ["a"]},
                "materialized": {"+schema": "folder_named_materialized"},
            },
        }
    }
    staging = resource_config(settings, "model", ("shop", "staging", "stg_orders"))
    assert staging == {"materialized": "view", "schema": "staging", "tags": ["a"]}
    folder = resource_config(settings, "model", ("shop", "materialized", "m"))
    assert folder["schema"] == "folder_named_materialized"


def test_a_committed_manifest_is_authoritative_and_its_compiled_code_feeds_columns():
    manifest = (FIXTURES / "shop_compiled_manifest.json").read_text()
    context = context_for(TARGETS["prod"], {"target/manifest.json": manifest})
    graph = context.graph(context.projects[0])
    node = next(n for n in graph.nodes if n.unique_id == "model.shop.dim_customers")
    # the compiled manifest was built before hash_pii(ref('customers_snapshot')) was added
    assert not any("customers_snapshot" in d for d in node.depends_on)
    assert "md5(customers.email)" in node.sql
    path = "models/marts/dim_customers.sql"
    units, _ = parse_file(path, (SHOP / path).read_text(), "duckdb", context)
    (statement,) = units[0].lineage.statements
    edges = {(e.target, e.source) for e in statement.column_lineage}
    # through the ephemeral model dbt inlined as a CTE: only the compiled code has it
    assert ("core.customers.first_order", "staging.stg_orders.order_date") in edges


def test_jinja_in_project_and_source_yaml_renders_as_dbt_renders_it(monkeypatch):
    monkeypatch.setenv("DBT_ENV_RAW_DATABASE", "raw_prod")
    monkeypatch.setenv("RAW_SCHEMA_SECRET", "must_not_render")
    files = {
        "dbt_project.yml": (
            "name: p\nmodels:\n  p:\n    legacy:\n"
            "      +enabled: \"{{ var('load_legacy', false) }}\"\n"
        ),
        "models/sources.yml": (
            "sources:\n  - name: raw\n"
            "    database: \"{{ env_var('DBT_ENV_RAW_DATABASE') }}\"\n"
            "    schema: \"{{ env_var('RAW_SCHEMA_SECRET', 'landing') }}\"\n"
            "    tables: [{name: orders}]\n"
        ),
        "models/orders.sql": (
            "{{ config(post_hook=\"analyze {{ ref('audit') }}\") }}\n"
            "select * from {{ source('raw', 'orders') }}"
        ),
        "models/audit.sql": "{% do config.set('alias', 'audit_log') %}select 1 as x",
        "models/legacy/old.sql": "select * from {{ ref('orders') }}",
    }
    context, _ = dbt_context(files)
    graph = context.graph(context.projects[0])
    nodes = {n.unique_id: n for n in graph.nodes}
    assert "model.p.old" not in nodes
    assert nodes["source.p.raw.orders"].relation == "raw_prod.landing.orders"
    assert set(nodes["model.p.orders"].depends_on) == {
        "raw_prod.landing.orders",
        "analytics.audit_log",
    }


def test_select_star_over_a_documented_source_resolves_its_columns():
    context = context_for(TARGETS["prod"])
    path = "snapshots/customers_snapshot.sql"
    units, _ = parse_file(path, (SHOP / path).read_text(), "duckdb", context)
    (statement,) = units[0].lineage.statements
    edges = {(e.target, e.source) for e in statement.column_lineage}
    assert ("snapshots.customers_snapshot.email", "raw_data.customers_v2.email") in edges


def test_python_models_declare_their_refs_and_sources_without_running():
    model = (
        "import os\n\n"
        "def model(dbt, session):\n"
        "    dbt.config(materialized='table', schema='ml')\n"
        "    orders = dbt.ref('stg_orders').to_pandas()\n"
        "    charges = dbt.source('stripe', 'charges')\n"
        "    os.system('touch /tmp/never')\n"
        "    return orders.merge(charges)\n"
    )
    context = context_for(TARGETS["prod"], {"models/marts/order_scores.py": model})
    units, _ = parse_file("models/marts/order_scores.py", model, "duckdb", context)
    (statement,) = units[0].lineage.statements
    assert statement.targets == ["ml.order_scores"]
    assert set(statement.sources) == {"staging.stg_orders", "payments_db.stripe.charges"}


def test_versioned_models_follow_latest_version_unless_pinned(rendered):
    target_name, graph, _ = rendered
    nodes = {n.unique_id: n for n in graph.nodes}
    schema = "marts" if target_name == "prod" else "dbt_ana"
    assert nodes["model.shop.customer_segments.v2"].relation == f"{schema}.customer_segments_v2"
    assert set(nodes["model.shop.segment_report"].depends_on) == {
        f"{schema}.customer_segments_v1",  # latest_version: 1
        f"{schema}.customer_segments_v2",  # ref(..., v=2)
    }


def test_yaml_snapshots_and_bare_materialization_arguments():
    files = {
        "dbt_project.yml": (
            "name: p\nsnapshots:\n  p:\n    +database: MODELLING\n    +target_schema: SNAPS\n"
        ),
        "macros/db.sql": (
            "{% macro generate_database_name(custom_database_name=none, node=none) -%}\n"
            "{%- if custom_database_name is none -%}{{ target.database }}"
            "{%- else -%}{{ target.name }}__{{ custom_database_name | trim }}{%- endif -%}\n"
            "{%- endmacro %}\n"
        ),
        "macros/materialization.sql": (
            "{% materialization test, default %}{{ return({}) }}{% endmaterialization %}"
        ),
        "models/orders.sql": "select 1 as id",
        "snapshots/orders_snapshot.yml": (
            "snapshots:\n  - name: orders_snapshot\n    relation: ref('orders')\n"
            "    config: {strategy: check, unique_key: id, check_cols: all}\n"
        ),
    }
    context, problems = dbt_context(files, DbtSettings(target=TARGETS["dev"]))
    assert problems == []
    graph = context.graph(context.projects[0])
    assert graph.warnings == []  # `{% materialization test, default %}` compiles
    snapshot = next(n for n in graph.nodes if n.resource_type == "snapshot")
    assert snapshot.relation == "dev__modelling.snaps.orders_snapshot"
    assert snapshot.depends_on == ("dbt_ana.orders",)


def test_nested_braces_inside_a_tag_do_not_end_it():
    model = (
        "{{ config(\n    meta={'api': {'exclude': true}},\n    tags=['x']\n) }}\n"
        "select id\nfrom {{ ref('y') }}\n"
    )
    files = {
        "dbt_project.yml": "name: p\n",
        "models/x.sql": model,
        "models/y.sql": "select 1 as id",
    }
    context, _ = dbt_context(files)
    units, _ = parse_file("models/x.sql", model, "duckdb", context)
    (statement,) = units[0].lineage.statements
    assert statement.error is None
    assert statement.sources == ["analytics.y"]
    assert statement.start_line == 5
