"""dbt semantics met in real projects, each checked against what `dbt parse` (1.10) does with
the same few lines."""

from __future__ import annotations

from pathlib import Path

import git

from lineage_assets.git_sql.collect import dbt_context
from lineage_assets.git_sql.dbt import DbtGraph
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

AUTHOR = git.Actor("Dee Bee", "dee@example.com")


def graph_of(files: dict[str, str]) -> DbtGraph:
    context, problems = dbt_context({"dbt_project.yml": "name: p\n", **files})
    assert problems == []
    return context.graph(context.projects[0])


def test_dbt_cast_filters_pass_values_through_as_dbt_renders_sql():
    graph = graph_of(
        {
            "dbt_project.yml": (
                "name: p\nvars:\n  on_var: true\nmodels:\n  p:\n    yml_off:\n"
                "      +enabled: \"{{ var('off_var', false) | as_bool }}\"\n"
            ),
            "models/yml_off/m_yml.sql": "select 1 as x",
            "models/m_off.sql": "{{ config(enabled=var('off_var', False) | as_bool) }} select 1",
            "models/m_on.sql": "{{ config(enabled=var('on_var', False) | as_bool) }} select 1",
            "models/m_text.sql": (
                "{{ config(schema='abc' | as_text, alias=('a' ~ 1) | as_native) }}"
                "{% if var('off_var', false) | as_bool %} {{ ref('m_on') }} {% endif %}"
                "{% if [1] | is_list %} select 1 {% endif %}"
            ),
        }
    )
    nodes = {n.unique_id: n for n in graph.nodes}
    assert "model.p.m_off" not in nodes and "model.p.m_yml" not in nodes
    assert nodes["model.p.m_on"].error is None
    text = nodes["model.p.m_text"]
    assert (text.error, text.relation, text.depends_on) == (None, "analytics_abc.a1", ())


def test_a_macro_calling_its_neighbour_gets_the_neighbours_return_value():
    graph = graph_of(
        {
            "macros/dq.sql": (
                "{% macro dq_config(alias_name) %}\n"
                "    {{ config(schema=dq_schema(), alias=alias_name, materialized='table') }}\n"
                "{% endmacro %}\n"
                "{% macro dq_schema() %}\n"
                "    {% if var('prefix', None) is not none %}\n"
                "        {{ return(var('prefix', None) ~ '_dq') }}\n"
                "    {% endif %}\n"
                "    {{ return('data_quality') }}\n"
                "{% endmacro %}\n"
            ),
            "models/metric.sql": "{{ dq_config('metric_a') }}\nselect * from {{ ref('base') }}",
            "models/base.sql": "select 1 as x",
        }
    )
    metric = next(n for n in graph.nodes if n.unique_id == "model.p.metric")
    assert (metric.relation, metric.depends_on) == (
        "analytics_data_quality.metric_a",
        ("analytics.base",),
    )


def test_a_project_overriding_ref_and_source_reaches_dbts_own_through_builtins():
    graph = graph_of(
        {
            "macros/ref.sql": (
                "{% macro ref() %}\n"
                "    {% set version = kwargs.get('version') or kwargs.get('v') %}\n"
                "    {%- if (varargs | length) == 1 -%}\n"
                "        {% set rel = builtins.ref(varargs[0], version=version) %}\n"
                "    {%- else -%}\n"
                "        {% set rel = builtins.ref(varargs[0], varargs[1], version=version) %}\n"
                "    {% endif %}\n"
                "    {% if (rel.database | lower).startswith('staging') %}\n"
                "        {% do return(rel.include(database=false)) %}\n"
                "    {% endif %}\n"
                "    {% do return(rel) %}\n"
                "{% endmacro %}\n"
                "{% macro source(source_name, table_name) %}\n"
                "    {% do return(builtins.source(source_name, table_name)) %}\n"
                "{% endmacro %}\n"
            ),
            "models/base.sql": "select 1 as id",
            "models/sources.yml": "sources:\n  - name: raw\n    tables: [{name: orders}]\n",
            "models/top.sql": (
                "select * from {{ ref('base') }} join {{ ref('p', 'base') }} using (id)"
                " join {{ source('raw', 'orders') }} using (id)"
            ),
        }
    )
    top = next(n for n in graph.nodes if n.unique_id == "model.p.top")
    assert (top.error, set(top.depends_on)) == (None, {"analytics.base", "raw.orders"})


def test_yaml_config_values_render_to_native_values_as_in_dbt():
    graph = graph_of(
        {
            "dbt_project.yml": (
                "name: p\nmodels:\n  p:\n    a:\n"
                "      +schema: \"{{ 'x' if target.name == 'ci' else none }}\"\n"
                "    b:\n      +schema: \"{{ var('b_schema', none) }}\"\n"
                '      +alias: "{{ none }}"\n'
                "      +enabled: \"{{ var('b_on', 'True') }}\"\n"
            ),
            "models/a/m_a.sql": "select 1 as id",
            "models/b/m_b.sql": "select * from {{ ref('m_a') }}, {{ source('s', 't') }}",
            "models/sources.yml": (
                "sources:\n  - name: s\n    database: \"{{ var('src_db', none) }}\"\n"
                "    schema: \"{{ 'raw' if target.name == 'ci' else none }}\"\n"
                "    tables: [{name: t}]\n"
            ),
        }
    )
    nodes = {n.unique_id: n for n in graph.nodes}
    assert nodes["model.p.m_a"].relation == "analytics.m_a"
    assert (nodes["model.p.m_b"].relation, set(nodes["model.p.m_b"].depends_on)) == (
        "analytics.m_b",
        {"analytics.m_a", "s.t"},
    )
    assert nodes["source.p.s.t"].relation == "s.t"


def test_model_config_at_parse_time_holds_dbt_project_configs_and_defaults():
    branch = (
        "{% if model.config.materialized == 'view' %} {{ ref('a') }} {% endif %}"
        "{% if model.config.materialized == 'table' %} {{ ref('b') }} {% endif %}"
        "{% if config.get('materialized') == 'view' %} {{ ref('c') }} {% endif %}"
        "select 1"
    )
    graph = graph_of(
        {
            "dbt_project.yml": "name: p\nmodels:\n  p:\n    marts:\n      +materialized: table\n",
            "models/a.sql": "select 1",
            "models/b.sql": "select 1",
            "models/c.sql": "select 1",
            "models/plain.sql": branch,
            "models/yaml_table.sql": branch,
            "models/props.yml": "models: [{name: yaml_table, config: {materialized: table}}]",
            "models/marts/project_table.sql": branch,
        }
    )
    depends = {n.name: set(n.depends_on) for n in graph.nodes}
    assert depends["plain"] == {"analytics.a"}
    assert depends["yaml_table"] == {"analytics.a"}  # property YAML applies after the render
    assert depends["project_table"] == {"analytics.b"}


def test_a_macro_defined_in_a_model_is_not_callable_as_in_dbt():
    graph = graph_of(
        {
            "models/local.sql": (
                "{% macro helper(x) %}{{ ref(x) }}{% endmacro %}\n"
                "select * from {{ ref('e') }} {{ helper('c') }}"
            ),
            "models/c.sql": "select 1",
            "models/e.sql": "select 1",
        }
    )
    local = next(n for n in graph.nodes if n.name == "local")
    assert local.depends_on == ("analytics.e",)


def test_resource_paths_outside_the_project_folder_are_read_as_dbt_reads_them(tmp_path):
    files = {
        "shared/sources/raw.yml": "sources:\n  - name: raw\n    tables: [{name: orders}]\n",
        "shared/macros/pick.sql": "{% macro pick(name) %}{{ return(ref(name)) }}{% endmacro %}\n",
        "projects/p/dbt_project.yml": (
            "name: p\nmodel-paths: [models, ../../shared/sources]\n"
            "macro-paths: [macros, ../../shared/macros, ../../../outside]\n"
        ),
        "projects/p/models/a.sql": "select * from {{ source('raw', 'orders') }}\n",
        "projects/p/models/b.sql": "select * from {{ pick('a') }}\n",
    }
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    for path, text in files.items():
        target = Path(work.working_dir, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    work.git.add("-A")
    work.index.commit("monorepo", author=AUTHOR, committer=AUTHOR)
    config = GitSourceConfig(remote=str(work.working_dir), name="mono", dialect="duckdb")
    with LineageStore.open(tmp_path / "lineage.duckdb") as store:
        result = sync_repository(config, store, tmp_path / "cache")
        assert result.error is None
        edges = set(
            store.conn.execute("SELECT source_table, target_table FROM table_edges").fetchall()
        )
        counts = dict(store.conn.execute("SELECT path, statement_count FROM sql_files").fetchall())
    assert edges == {("raw.orders", "analytics.a"), ("analytics.a", "analytics.b")}
    assert counts["shared/macros/pick.sql"] == 0  # a macro of the project, not a SQL script


def test_a_macro_file_jinja_cannot_compile_whole_still_gives_its_macros_as_dbt_does():
    graph = graph_of(
        {
            "macros/net.sql": (
                "{% macro first(x) %}select * from {{ ref(x) }}{% endmacro %}\n"
                "{% ############################################ %}\n"
                "{% macro second(x) %}{{ return(source('raw', x).replace_path(database='d')) }}"
                "{% endmacro %}\n"
            ),
            "models/sources.yml": "sources:\n  - name: raw\n    tables: [{name: t}]\n",
            "models/a.sql": "select 1",
            "models/b.sql": "{{ first('a') }} join {{ second('t') }} using (id)",
        }
    )
    b = next(n for n in graph.nodes if n.name == "b")
    assert set(b.depends_on) == {"analytics.a", "raw.t"}
    assert not any("macro not found" in w for w in b.warnings)
    assert any("macro syntax" in w for w in graph.warnings)  # the file is still named
