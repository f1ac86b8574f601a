"""dbt from git: a cold sync of a dbt project (macros, a package, dispatch, config blocks,
refs between models) against rendering its models with Jinja and parsing them with sqlglot
alone, in process, on the same files: what the sandbox worker, declared edges, naming, column
lineage, git and the store cost on top of the unavoidable work."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from pathlib import Path

import git
import jinja2
import sqlglot
from jinja2.sandbox import SandboxedEnvironment

from benchmarks.harness import Result, figure, header, median_time, report, seconds, timed
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.sql import extract_lineage
from lineage_assets.store import LineageStore

ACTOR = git.Actor("Bench", "bench@example.com")
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "dbt" / "shop"
LAYERS = ("staging", "intermediate", "marts")


def synthetic_model(index: int, upstream: list[str], rng: random.Random) -> str:
    """A model as teams write them: a config block, refs, a project macro, a dispatched one."""
    first, second = upstream if len(upstream) == 2 else (upstream[0], upstream[0])
    materialized = rng.choice(["view", "table", "incremental"])
    return (
        "{{\n  config(\n"  # noqa: S608 - a template for the renderer, never executed
        f"    materialized='{materialized}',\n    tags=['bench', 'layer{index % 3}']\n  )\n}}}}\n\n"
        f"with a as (\n    select * from {{{{ ref('{first}') }}}}\n),\n\n"
        f"b as (\n    select * from {{{{ ref('{second}') }}}}\n)\n\n"
        "select\n"
        "    a.order_id,\n"
        "    {{ shop_utils.generate_surrogate_key(['a.order_id', 'b.customer_id']) }} as k,\n"
        "    {{ cents_to_dollars('a.amount') }} as amount,\n"
        "    {{ dbt.date_trunc('day', 'a.order_date') }} as order_day,\n"
        "    count(*) as n\n"
        "from a\njoin b on b.order_id = a.order_id\n"
        "{% if is_incremental() %}\n"
        "where a.order_date > (select max(order_day) from {{ this }})\n"
        "{% endif %}\n"
        "group by 1, 2, 3, 4\n"
    )


def build_project(root: Path, models: int) -> Path:
    """The fixture project plus `models` synthetic models in layers, each ref-ing two earlier."""
    project = root / "warehouse"
    shutil.copytree(FIXTURE, project)
    rng = random.Random(11)
    names = ["stg_orders", "stg_payments"]
    for index in range(models):
        layer = LAYERS[min(index * len(LAYERS) // models, len(LAYERS) - 1)]
        name = f"bench_{layer}_{index}"
        upstream = rng.sample(names[-40:], 2)
        path = project / "models" / layer / "bench" / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(synthetic_model(index, upstream, rng))
        names.append(name)
    return project


def reference_render_and_parse(project: Path, lineage: bool = False) -> int:
    """Render every model in one in-process sandbox (macros loaded once) and sqlglot-parse it
    (or, with `lineage`, give it to the SQL engine for table and column lineage)."""
    environment = SandboxedEnvironment(
        undefined=jinja2.ChainableUndefined, extensions=["jinja2.ext.do"]
    )
    macro_texts = [p.read_text() for p in sorted((project / "macros").rglob("*.sql"))]
    package_texts = [
        p.read_text() for p in sorted((project / "dbt_packages").rglob("macros/*.sql"))
    ]
    context: dict[str, object] = {
        "ref": lambda *names, **_: f"analytics.{names[-1]}",
        "source": lambda source, table: f"{source}.{table}",
        "config": lambda *args, **kwargs: "",
        "var": lambda name, default=None: default,
        "is_incremental": lambda: False,
        "this": "analytics.this",
        "execute": False,
        "target": {"name": "prod", "schema": "analytics", "type": "duckdb"},
        "adapter": {
            "dispatch": lambda name, namespace=None: context.get(f"default__{name}"),
            "get_columns_in_relation": lambda relation: [],
        },
        "return": _return,
    }
    registry: dict[str, object] = {}
    templates = [environment.from_string(t) for t in macro_texts + package_texts]
    for text in macro_texts + package_texts:
        for macro in re.findall(r"macro\s+(\w+)", text):
            context[macro] = _late(registry, macro)
    context["shop_utils"] = context
    context["dbt"] = {
        "date_trunc": lambda part, expr: f"date_trunc('{part}', {expr})",
        "concat": lambda fields: f"concat({', '.join(fields)})",
    }
    for template in templates:
        module = template.make_module(context)
        registry.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
    parsed = 0
    for path in sorted((project / "models").rglob("*.sql")):
        try:
            sql = environment.from_string(path.read_text()).render(context)
        except jinja2.TemplateError:  # a missing package macro: the reference skips the model
            continue
        if lineage:
            extract_lineage(f"CREATE TABLE analytics.{path.stem} AS {sql}", "duckdb")
        else:
            sqlglot.parse(sql, read="duckdb")
        parsed += 1
    return parsed


class _Returned(Exception):
    """dbt's `return(value)`."""


def _return(value: object) -> None:
    raise _Returned(value)


def _late(registry: dict[str, object], name: str) -> object:
    """A macro looked up when called (macros call macros defined in later files)."""

    def call(*args: object, **kwargs: object) -> object:
        try:
            return registry[name](*args, **kwargs)  # type: ignore[operator]
        except _Returned as returned:
            return returned.args[0]

    return call


def push(project_root: Path, root: Path) -> str:
    """The project committed and pushed to a bare remote; the remote's path."""
    bare = git.Repo.init(root / "remote.git", bare=True, initial_branch="main")
    work = git.Repo.init(project_root, initial_branch="main")
    (project_root / ".lineage.toml").write_text('[sql]\ndialect = "duckdb"\n')
    work.git.add("-A")
    work.index.commit("dbt project", author=ACTOR, committer=ACTOR)
    work.create_remote("origin", bare.working_dir or str(root / "remote.git"))
    work.git.push("origin", "HEAD:main")
    return str(root / "remote.git")


def run(quick: bool = False) -> list[Result]:
    """Cold sync of the dbt project ÷ render + sqlglot parse alone."""
    name = "dbt"
    models = 60 if quick else 400
    header(name, f"cold sync of a dbt project with {models + 13} models")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        source = root / "source"
        source.mkdir()
        project = build_project(source, models)
        remote = push(source, root)
        reference_s = median_time(lambda: reference_render_and_parse(project), repeat=3)
        engine_s = median_time(lambda: reference_render_and_parse(project, True), repeat=1)
        config = GitSourceConfig(remote=remote, name="bench_dbt")
        runs = [timed(lambda: _cold_sync(config, root)) for _ in range(1 if quick else 3)]
        cold_s, cold = sorted(runs, key=lambda run: run[0])[len(runs) // 2]  # the median run
        figure("render + sqlglot parse alone (reference)", seconds(reference_s))
        figure("render + SQL engine lineage alone", seconds(engine_s))
        figure("cold sync", f"{seconds(cold_s)}, {cold.statements_parsed:,} statements")
        figure("parse errors in the synced project", str(len(cold.parse_errors)))
    return [
        report(Result(name, "cold dbt sync ÷ render + parse alone", cold_s / reference_s, 1.5)),
        report(Result(name, "cold dbt sync ÷ render + engine lineage", cold_s / engine_s)),
    ]


def _cold_sync(config: GitSourceConfig, root: Path):
    store_path = root / "lineage.duckdb"
    store_path.unlink(missing_ok=True)
    shutil.rmtree(root / "cache", ignore_errors=True)
    with LineageStore.open(store_path) as store:
        return sync_repository(config, store, root / "cache")
