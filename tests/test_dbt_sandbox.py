"""Hostile dbt templates: every escape from the Jinja sandbox we know of is refused, bounded or
made harmless, each one costs only its own model, and process secrets never render."""

from __future__ import annotations

# ruff: noqa: E501 - one hostile template per line reads best
from pathlib import Path

import pytest

from lineage_assets.git_sql.collect import DbtContext, dbt_context, parse_file
from lineage_assets.git_sql.dbt import DbtNode, DbtSettings, Limits

PROJECT = "name: evil\nmodel-paths: [models]\nmacro-paths: [macros]\nvars: {lists: [a]}\n"
MACROS = {
    "macros/deep.sql": "{% macro deep(n) %}{{ deep(n + 1) }}{% endmacro %}",
    "macros/ok.sql": "{% macro cents(c) %}({{ c }} / 100){% endmacro %}",
}


def hostile_models(marker: Path) -> dict[str, str]:
    """Model name → template: each tries one way out of the sandbox."""
    shell = f"touch {marker}"
    return {
        "cycler_globals": f"select '{{{{ cycler.__init__.__globals__.os.popen('{shell}').read() }}}}' as x",
        "self_context": "select '{{ self._TemplateReference__context }}' as x",
        "self_globals": "select '{{ self.__init__.__globals__ }}' as x",
        "lipsum_globals": f"select '{{{{ lipsum.__globals__['os'].popen('{shell}').read() }}}}' as x",
        "namespace_globals": "select '{{ namespace.__init__.__globals__ }}' as x",
        "joiner_globals": "select '{{ joiner.__init__.__globals__ }}' as x",
        "mro_walk": "select '{{ ''.__class__.__mro__[1].__subclasses__() }}' as x",
        "format_walk": "select '{{ '{0.__class__.__mro__}'.format('') }}' as x",
        "attr_filter": "select '{{ cycler|attr('__init__')|attr('__globals__') }}' as x",
        "map_filter": "select '{{ [cycler]|map(attribute='__init__')|map(attribute='__globals__')|list }}' as x",
        "ref_globals": "select '{{ ref.__globals__ }}' as x",
        "config_class": "select '{{ config.__class__.__init__.__globals__ }}' as x",
        "adapter_private": "select '{{ adapter._renderer.bundle.environment }}' as x",
        "format_map_walk": "select '{{ '{x.__class__}'.format_map({'x': 1}) }}' as x",
        "format_filter_walk": "select '{{ '%s'|format(cycler.__init__) }}' as x",
        "bound_method_self": "select '{{ [].append.__self__ }}' as x",
        "int_class": "select '{{ (1).__class__ }}' as x",
        "datetime_walk": "select '{{ modules.datetime.datetime(2020, 1, 1).__class__.__mro__ }}' as x",
        "huge_output": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
        "module_walk": "select '{{ modules.re.enum.sys.modules }}{{ modules.re.__dict__ }}' as x",
        "huge_range": "select '{{ range(10**9)|list|length }}' as x",
        "huge_repeat": "select '{{ 'x' * 10**9 }}' as x",
        "huge_power": "select {{ 2 ** 100000000 }} as x",
        "include_file": "select '{% include '/etc/passwd' %}' as x",
        "yaml_object": "select '{{ fromyaml('!!python/object/apply:os.system [\"id\"]') }}' as x",
        "recursive_local": "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}select {{ r(0) }} as x",
        "recursive_project_macro": "select {{ deep(0) }} as x",
        "endless_loop": (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
            "select 1 as x"
        ),
        "doubling_memory": (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}select {{ ns.s|length }} as x"
        ),
        "secret_env": (
            "select '{{ env_var('LINEAGE_GIT_TOKEN') }}' as a, "
            "'{{ env_var('AWS_SECRET_ACCESS_KEY', 'fallback') }}' as b, "
            "'{{ env_var('DBT_ENV_SECRET_PASSWORD') }}' as c, "
            "'{{ env_var('DBT_ENV_SCHEMA') }}' as d, '{{ env_var('TEAM_ALLOWED') }}' as e"
        ),
        "good_modules": "select '{{ modules.re.sub('a', 'b', 'aaa') }}' as x from {{ ref('good') }}",
        "good": "select {{ cents('amount') }} as amount from raw.orders",
        "shared_state_mutation": (
            "{% do target.update({'schema': 'hijacked'}) %}{% do var('lists').append('b') %}"
            "select 1 as x"
        ),
        "z_after_mutation": "select {{ var('lists')|length }} as n",
    }


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, DbtNode], Path, DbtContext]:
    root = tmp_path_factory.mktemp("evil")
    marker = root / "PWNED"
    files = {"dbt_project.yml": PROJECT, **MACROS}
    files.update({f"models/{n}.sql": t for n, t in hostile_models(marker).items()})
    environment = {
        "LINEAGE_GIT_TOKEN": "ghp_secret_token_value",
        "AWS_SECRET_ACCESS_KEY": "aws_secret_value",
        "DBT_ENV_SECRET_PASSWORD": "dbt_secret_value",
        "DBT_ENV_SCHEMA": "from_env",
        "TEAM_ALLOWED": "allowed_value",
    }
    patch = pytest.MonkeyPatch()
    for key, value in environment.items():
        patch.setenv(key, value)
    try:
        limits = Limits(timeout_seconds=3, memory_bytes=768 << 20)
        settings = DbtSettings(env_allow=("TEAM_ALLOWED",), limits=limits)
        context, problems = dbt_context(files, settings)
        assert problems == []
        graph = context.graph(context.projects[0])
    finally:
        patch.undo()
    return {n.name: n for n in graph.nodes}, marker, context


REFUSED = [
    "cycler_globals", "self_context", "self_globals", "lipsum_globals", "namespace_globals",
    "joiner_globals", "mro_walk", "format_walk", "attr_filter", "map_filter", "ref_globals",
    "config_class", "adapter_private", "format_map_walk", "format_filter_walk",
    "bound_method_self", "int_class", "datetime_walk",
]  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_attribute_walks_are_refused_loudly(rendered, name):
    nodes, marker, _ = rendered
    node = nodes[name]
    assert node.error is not None and "SecurityError" in node.error
    assert "__globals__" not in node.sql and "<class" not in node.sql
    assert not marker.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("huge_range", "Range too big"),
        ("huge_repeat", "repetition"),
        ("huge_power", "exponent"),
        ("huge_output", "output above"),
        ("include_file", "no loader"),
        ("endless_loop", "render took over"),
    ],
)
def test_unbounded_templates_cost_only_their_model(rendered, name, reason):
    nodes, _, _ = rendered
    assert nodes[name].error is not None and reason in nodes[name].error
    assert "root:" not in nodes[name].sql


def test_a_models_own_macros_are_not_called_as_in_dbt(rendered):
    # dbt names a template's `{% macro r %}` `dbt_macro__r`: a model cannot call its own macro
    nodes, _, _ = rendered
    node = nodes["recursive_local"]
    assert node.error is None and "macro not found: r" in node.warnings


def test_recursion_through_project_macros_is_bounded(rendered):
    nodes, _, _ = rendered
    error = nodes["recursive_project_macro"].error or ""
    assert "nested deeper" in error or "RecursionError" in error


def test_a_template_that_exhausts_memory_fails_alone(rendered):
    nodes, _, _ = rendered
    error = nodes["doubling_memory"].error or ""
    # the memory cap answers first; on a loaded machine the deadline may (both are bounds)
    bounds = ("MemoryError", "render process ended", "render took over")
    assert any(bound in error for bound in bounds), error


def test_modules_are_namespaces_of_functions_never_module_objects(rendered):
    nodes, _, _ = rendered
    assert "'bbb' as x" in nodes["good_modules"].sql
    assert "module" not in nodes["module_walk"].sql
    assert nodes["yaml_object"].error is None
    assert "'' as x" in nodes["yaml_object"].sql or "'None' as x" in nodes["yaml_object"].sql


def test_env_var_resolves_only_allowed_variables(rendered):
    nodes, _, _ = rendered
    sql = nodes["secret_env"].sql
    assert "ghp_secret_token_value" not in sql and "aws_secret_value" not in sql
    assert "dbt_secret_value" not in sql
    assert "'env_var_lineage_git_token' as a" in sql
    assert "'fallback' as b" in sql
    assert "'from_env' as d" in sql and "'allowed_value' as e" in sql


def test_the_rest_of_the_project_renders_and_keeps_its_edges(rendered):
    nodes, _, context = rendered
    good = nodes["good"]
    assert good.error is None and "(amount / 100) as amount" in good.sql
    units, _ = parse_file("models/good_modules.sql", "", "duckdb", context)
    (statement,) = units[0].lineage.statements
    assert statement.targets == ["analytics.good_modules"]
    assert statement.sources == ["analytics.good"]


def test_a_hostile_model_is_an_error_row_with_its_file_and_line(rendered):
    _, _, context = rendered
    units, _ = parse_file("models/cycler_globals.sql", "", "duckdb", context)
    (statement,) = units[0].lineage.statements
    assert statement.targets == ["analytics.cycler_globals"]
    assert statement.error is not None and statement.error.startswith("line 1: SecurityError")


def _laughs(levels: int = 9) -> str:
    """A "billion laughs" YAML document: tiny as text, 9**9 values once aliases expand."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_yaml_bombs_and_deep_yaml_are_one_warning_each():
    bomb = "name: p\nvars:\n" + "".join(f"  {line}\n" for line in _laughs().splitlines())
    files = {
        "dbt_project.yml": "name: p\n",
        "models/laughs.yml": _laughs(),
        "models/deep.yml": "models: " + "[" * 5000 + "]" * 5000 + "\n",
        "models/m.sql": "select 1 as x",
        "other/dbt_project.yml": bomb,
    }
    context, problems = dbt_context(files)
    assert any("laughs.yml: YAML expands to more than" in p for p in problems)
    assert any("deep.yml: YAML nested too deeply" in p for p in problems)
    assert any("other/dbt_project.yml" in p for p in problems)
    graph = context.graph(context.projects[0])
    assert [n.relation for n in graph.nodes] == ["analytics.m"]


def test_a_hostile_manifest_is_a_warning_and_rendering_takes_over():
    files = {
        "dbt_project.yml": "name: p\n",
        "target/manifest.json": "[" * 100_000 + "]" * 100_000,
        "models/m.sql": "select * from {{ ref('n') }}",
        "models/n.sql": "select 1 as x",
    }
    context, problems = dbt_context(files)
    assert any("target/manifest.json: not a readable manifest" in p for p in problems)
    nodes = {n.name: n for n in context.graph(context.projects[0]).nodes}
    assert nodes["m"].depends_on == ("analytics.n",)


def test_the_project_render_budget_ends_a_project_of_endless_models():
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    files = {"dbt_project.yml": "name: p\n"}
    files.update({f"models/slow_{i}.sql": endless for i in range(4)})
    files["models/z_last.sql"] = "select 1 as x"
    limits = Limits(timeout_seconds=0.5, project_seconds=1.0)
    context, _ = dbt_context(files, DbtSettings(limits=limits))
    nodes = {n.name: n for n in context.graph(context.projects[0]).nodes}
    assert all(n.error for n in nodes.values())
    assert any("budget" in (n.error or "") for n in nodes.values())
    assert nodes["z_last"].relation == "analytics.z_last"  # still a node, named by default


def test_a_model_cannot_change_what_later_models_see(rendered):
    nodes, _, _ = rendered
    assert nodes["shared_state_mutation"].relation == "analytics.shared_state_mutation"
    after = nodes["z_after_mutation"]
    assert after.relation == "analytics.z_after_mutation"
    assert "select 1 as n" in after.sql


def test_a_render_worker_that_cannot_start_fails_each_model_once_not_the_sync():
    files = {"dbt_project.yml": "name: p\n", "models/a.sql": "select 1", "models/b.sql": "select 2"}
    starved = Limits(memory_bytes=8 << 20)  # too little address space to import Jinja
    context, _ = dbt_context(files, DbtSettings(limits=starved))
    for path in ("models/a.sql", "models/b.sql"):
        units, _ = parse_file(path, files[path], "duckdb", context)
        (statement,) = units[0].lineage.statements
        assert statement.error is not None and "dbt project not rendered" in statement.error
    assert len(context._graphs) == 1 and context.problems
