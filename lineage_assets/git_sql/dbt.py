"""dbt models as SQL statements: Jinja rendered with dbt's own names (`ref`, `source`,
`config`, `var`, `is_incremental`, `this`), each model becoming `CREATE TABLE|VIEW <model> AS`.

The model's relation comes from its file name and its `schema`/`alias` config (in the file or
in dbt_project.yml by folder), so a model's lineage is `model <- refs and sources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import jinja2
import yaml

MATERIALIZED_AS = {"view": "VIEW", "table": "TABLE", "incremental": "TABLE"}


class DbtError(Exception):
    """A dbt project or model that cannot be read; names the file."""


@dataclass(frozen=True)
class DbtProject:
    """A dbt project found in the repository: where its models are and what they are called."""

    root: str
    name: str
    model_paths: tuple[str, ...]
    variables: Mapping[str, Any]
    folder_config: Mapping[str, Mapping[str, Any]]  # "staging" -> {"schema": "staging", …}
    sources: Mapping[tuple[str, str], str]  # (source, table) -> relation

    def owns(self, path: str) -> bool:
        """Whether a `.sql` path is one of this project's models."""
        return any(path.startswith(f"{self._join(p)}/") for p in self.model_paths)

    def _join(self, relative: str) -> str:
        return str(PurePosixPath(self.root, relative)) if self.root else relative

    def folder_of(self, path: str) -> tuple[str, ...]:
        """The model's folders below its model path (`models/staging/x.sql` → ("staging",))."""
        for model_path in self.model_paths:
            prefix = f"{self._join(model_path)}/"
            if path.startswith(prefix):
                return PurePosixPath(path[len(prefix) :]).parent.parts
        return ()


def read_project(project_file: str, text: str, source_files: Mapping[str, str]) -> DbtProject:
    """A project from its dbt_project.yml and the YAML files that declare its sources."""
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise DbtError(f"{project_file}: invalid YAML: {error}") from None
    root = str(PurePosixPath(project_file).parent).removeprefix(".")
    name = str(config.get("name", "dbt"))
    models = (config.get("models") or {}).get(name) or {}
    sources: dict[tuple[str, str], str] = {}
    for path, yml in source_files.items():
        sources.update(_sources(path, yml))
    return DbtProject(
        root=root,
        name=name,
        model_paths=tuple(config.get("model-paths") or ["models"]),
        variables=config.get("vars") or {},
        folder_config=_folder_config(models),
        sources=sources,
    )


def _folder_config(tree: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[str, dict]:
    """`+key: value` settings per model folder from dbt_project.yml's `models:` tree."""
    configs: dict[str, dict] = {}
    own = {k[1:]: v for k, v in tree.items() if isinstance(k, str) and k.startswith("+")}
    configs["/".join(prefix)] = own
    for key, value in tree.items():
        if isinstance(value, Mapping) and not str(key).startswith("+"):
            configs.update(_folder_config(value, (*prefix, str(key))))
    return configs


def _sources(path: str, text: str) -> dict[tuple[str, str], str]:
    """(source, table) → relation from one properties YAML file."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise DbtError(f"{path}: invalid YAML: {error}") from None
    found = {}
    for source in document.get("sources") or []:
        schema = source.get("schema") or source["name"]
        for table in source.get("tables") or []:
            found[(source["name"], table["name"])] = (
                f"{schema}.{table.get('identifier') or table['name']}"
            )
    return found


@dataclass
class _ModelConfig:
    """What `config(...)` calls in a model set."""

    values: dict[str, Any] = field(default_factory=dict)

    def __call__(self, **kwargs: Any) -> str:
        self.values.update(kwargs)
        return ""


def model_config(project: DbtProject, path: str, text: str) -> dict[str, Any]:
    """The model's config: dbt_project.yml folder settings, overridden by its own config()."""
    merged: dict[str, Any] = {}
    folders = project.folder_of(path)
    for depth in range(len(folders) + 1):
        merged.update(project.folder_config.get("/".join(folders[:depth]), {}))
    collected = _ModelConfig()
    _render(project, path, text, collected, relations={}, this="this")
    merged.update(collected.values)
    return merged


def relation(path: str, config: Mapping[str, Any]) -> str:
    """The table or view a model builds: `<schema>.<alias or file name>`, or bare name."""
    name = str(config.get("alias") or PurePosixPath(path).stem)
    return f"{config['schema']}.{name}" if config.get("schema") else name


def _render(
    project: DbtProject,
    path: str,
    text: str,
    config: _ModelConfig,
    relations: Mapping[str, str],
    this: str,
) -> str:
    """The model's SQL with dbt's Jinja context (full refresh: is_incremental() is false)."""

    def ref(*names: str, **_: Any) -> str:
        model = names[-1]
        return relations.get(model, model)

    def source(source_name: str, table_name: str) -> str:
        return project.sources.get((source_name, table_name), f"{source_name}.{table_name}")

    def var(name: str, default: Any = None) -> Any:
        return project.variables.get(name, default)

    environment = jinja2.Environment(
        undefined=jinja2.ChainableUndefined, keep_trailing_newline=True
    )
    try:
        template = environment.from_string(text)
        return template.render(
            ref=ref,
            source=source,
            config=config,
            var=var,
            is_incremental=lambda: False,
            this=this,
            target={"name": "prod", "schema": "analytics", "type": "athena"},
            env_var=lambda name, default="": default,
        )
    except jinja2.TemplateError as error:
        line = getattr(error, "lineno", None)
        raise DbtError(f"{path}{f':{line}' if line else ''}: Jinja error: {error}") from None


def render_model(
    project: DbtProject, path: str, text: str, relations: Mapping[str, str]
) -> tuple[str, str]:
    """(relation, SQL) of one model: `CREATE TABLE|VIEW <relation> AS <rendered select>`.

    The CREATE goes on the first line so the rendered lines keep the file's numbering.
    """
    config = model_config(project, path, text)
    target = relation(path, config)
    body = _render(project, path, text, _ModelConfig(), relations, this=target)
    kind = MATERIALIZED_AS.get(str(config.get("materialized", "view")), "TABLE")
    return target, f"CREATE {kind} {target} AS {body}"
