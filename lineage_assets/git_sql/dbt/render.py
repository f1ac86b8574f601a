"""dbt's parse-time context inside the sandbox: macros of the project, its packages and `dbt`,
`adapter.dispatch`, `ref`/`source` recorded as dbt records them, `config` in both forms.

One `ProjectRenderer` per project lives in the render worker; `render_request` turns a file
into `RenderedNode`s. Refs and `this` render as placeholders the collector resolves later.
"""

from __future__ import annotations

import ast
import copy
import datetime
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SecurityError

from lineage_assets.git_sql.dbt import sandbox
from lineage_assets.git_sql.dbt.builtins import INTERNAL_MACROS
from lineage_assets.git_sql.dbt.lines import mark_lines
from lineage_assets.git_sql.dbt.records import (
    PLACEHOLDER_CLOSE,
    PLACEHOLDER_OPEN,
    NodeRequest,
    RefCall,
    RenderBundle,
    RenderedNode,
)
from lineage_assets.git_sql.dbt.sandbox import DbtSandbox, RecordingUndefined, RenderLimitError

ADAPTER_PARENTS = {
    "redshift": ("postgres",),
    "databricks": ("spark",),
    "athena": ("trino",),
    "materialize": ("postgres",),
}
HOOK_KEYS = ("pre_hook", "post_hook", "pre-hook", "post-hook")
MAX_HOOKS = 50
PARSE_CONFIG_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "tags": [],
    "meta": {},
    "persist_docs": {},
    "quoting": {},
    "column_types": {},
    "full_refresh": None,
    "on_schema_change": "ignore",
    "grants": {},
}
MAX_NATIVE_CHARS = 10_000  # a rendered config value read as a Python literal, at most
MACRO_NAME = re.compile(r"\{%-?\s*macro\s+(\w+)")
BLOCK_START = re.compile(r"\{%-?\s*(macro|materialization|test|data_test)\s")
BLOCK_END = r"\{{%-?\s*end{}\s*-?%\}}"
# Exceptions a failing macro must not swallow: the sandbox and the bounds stay in charge.
FATAL = (SecurityError, RenderLimitError, RecursionError, MemoryError)


class ReturnValue(Exception):
    """dbt's `return(value)`: raised in a macro, caught by its caller."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class CompilerError(Exception):
    """`exceptions.raise_compiler_error` and friends, raised by a template."""


def _placeholder(key: str) -> str:
    return f"{PLACEHOLDER_OPEN}{key}{PLACEHOLDER_CLOSE}"


class RelationStub(Mapping[str, Any]):
    """What `ref()`, `this` and `api.Relation.create` return: a relation whose parts are
    placeholders until every node's name is known. Like dbt's relations it is a hashable
    mapping of its attributes (`dbt_utils._is_relation` checks `is mapping` and `metadata`)."""

    is_cte = is_view = is_table = is_materialized_view = False

    def __init__(self, key: str) -> None:
        self._key = key

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RelationStub) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key.startswith("_"):
            raise KeyError(key)
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        raise TypeError("a relation is not iterable")

    def __len__(self) -> int:
        raise TypeError("a relation has no length")

    def get(self, key: str, default: Any = None) -> Any:
        """`metadata` names the relation type, as dbt's `BaseRelation.get` does for dbt_utils."""
        if key == "metadata":
            return {"type": "BaseRelation"}
        return super().get(key, default)

    def __str__(self) -> str:
        return _placeholder(self._key)

    def __html__(self) -> str:
        return str(self)

    @property
    def database(self) -> str:
        return _placeholder(f"{self._key}.database")

    @property
    def schema(self) -> str:
        return _placeholder(f"{self._key}.schema")

    @property
    def identifier(self) -> str:
        return _placeholder(f"{self._key}.identifier")

    name = table = identifier

    def render(self) -> str:
        return str(self)

    def include(self, *args: Any, **kwargs: Any) -> RelationStub:
        return self

    quote = incorporate = replace_path = include


class LiteralRelation(RelationStub):
    """A relation whose name is known as written (`source()`, `api.Relation.create`)."""

    def __init__(self, database: str | None, schema: str | None, identifier: str | None) -> None:
        super().__init__("")
        self._parts = (database or "", schema or "", identifier or "")

    def __str__(self) -> str:
        return ".".join(p for p in self._parts if p)

    @property
    def database(self) -> str:
        return self._parts[0]

    @property
    def schema(self) -> str:
        return self._parts[1]

    @property
    def identifier(self) -> str:
        return self._parts[2]

    name = table = identifier


@dataclass
class NodeState:
    """What rendering the current node recorded."""

    refs: list[RefCall] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    depth: int = 0


class ParseConfig:
    """`config` at parse time: `config(k=v)` and `config({...})` record; `get` gives '' as dbt."""

    def __init__(self, renderer: ProjectRenderer) -> None:
        self._renderer = renderer

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        values: dict[str, Any] = {}
        for arg in args:
            if isinstance(arg, Mapping):
                values.update(arg)
        values.update(kwargs)
        self._renderer.state.config.update(values)
        return ""

    def get(self, *args: Any, **kwargs: Any) -> str:
        return ""

    require = get

    def set(self, name: Any, value: Any) -> str:
        return self(**{str(name): value})

    def persist_relation_docs(self) -> bool:
        return False

    persist_column_docs = persist_relation_docs


class Namespace:
    """A package's macros by attribute (`dbt_utils.star`); a missing one is recorded, not fatal."""

    def __init__(self, package: str, macros: Mapping[str, Any]) -> None:
        self._package = package
        self._macros = macros

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        found = self._macros.get(name)
        return found if found is not None else RecordingUndefined(name=f"{self._package}.{name}")

    def __getitem__(self, name: str) -> Any:
        """Also the package's private macros (`dbt_utils._is_relation`): the sandbox refuses
        `_` attributes, then looks the name up here, where only macros can be found."""
        if not isinstance(name, str) or name.startswith("__"):
            raise KeyError(name)
        found = self._macros.get(name)
        return found if found is not None else RecordingUndefined(name=f"{self._package}.{name}")


class Adapter:
    """`adapter` at parse time: dispatch resolves macros, introspection finds nothing."""

    def __init__(self, renderer: ProjectRenderer) -> None:
        self._renderer = renderer

    def dispatch(self, macro_name: str, macro_namespace: str | None = None) -> Any:
        return self._renderer.dispatch(str(macro_name), macro_namespace)

    def get_relation(self, *args: Any, **kwargs: Any) -> None:
        return None

    load_relation = get_relation

    def get_columns_in_relation(self, *args: Any, **kwargs: Any) -> list:
        return []

    list_relations_without_caching = get_columns_in_relation

    def quote(self, identifier: Any) -> str:
        return f'"{identifier}"'

    def type(self) -> str:
        return self._renderer.bundle.target.type

    def already_exists(self, *args: Any, **kwargs: Any) -> bool:
        return False

    def check_schema_exists(self, *args: Any, **kwargs: Any) -> bool:
        return False


def _safe_modules() -> dict[str, Any]:
    """dbt's `modules` as plain namespaces of their functions: never the module objects, which
    lead back to `sys` and `os` through their own imports."""

    def pick(module: Any, names: str) -> Namespace:
        return Namespace(module.__name__, {n: getattr(module, n) for n in names.split()})

    return {
        "datetime": pick(datetime, "date datetime time timedelta timezone"),
        "re": pick(
            re,
            "compile match fullmatch search findall finditer sub subn split escape "
            "IGNORECASE MULTILINE DOTALL VERBOSE I M S X",
        ),
        "itertools": pick(itertools, "chain combinations groupby islice product permutations"),
        "pytz": Namespace("pytz", {"utc": datetime.UTC, "UTC": datetime.UTC}),
    }


def _exceptions() -> Namespace:
    def raise_error(message: Any = "", *args: Any, **kwargs: Any) -> None:
        raise CompilerError(str(message))

    def warn(*args: Any, **kwargs: Any) -> str:
        return ""

    return Namespace(
        "exceptions",
        {
            "raise_compiler_error": raise_error,
            "raise_not_implemented": raise_error,
            "raise_fail_fast_error": raise_error,
            "raise_database_error": raise_error,
            "warn": warn,
        },
    )


def _return(value: Any = None) -> None:
    raise ReturnValue(value)


def _noop(*args: Any, **kwargs: Any) -> str:
    return ""


def _undefined_result(*args: Any, **kwargs: Any) -> RecordingUndefined:
    return RecordingUndefined(name="run_query")


def _statement(*args: Any, caller: Any = None, **kwargs: Any) -> str:
    return ""


class ProjectRenderer:
    """A project's macros loaded once; renders one file at a time with a fresh `NodeState`."""

    def __init__(self, bundle: RenderBundle) -> None:
        self.bundle = bundle
        self.env = DbtSandbox(bundle.limits)
        self.state = NodeState()
        self.model_info: dict[str, Any] = {}
        self.packages = ("dbt", bundle.root_package, *bundle.packages)
        self.macros: dict[str, dict[str, jinja2.runtime.Macro]] = {p: {} for p in self.packages}
        self.wrappers: dict[str, dict[str, Any]] = {p: {} for p in self.packages}
        self.load_warnings: list[str] = []
        self._naming_cache: dict[str, bool] = {}
        self.base = self._base_context()
        # dbt's own members under `builtins`, for macros that override `ref`/`source`/`config`
        self.base["builtins"] = MappingProxyType(dict(self.base))
        templates = self._compile_macro_files()
        self._register(templates)

    def _base_context(self) -> dict[str, Any]:
        target = self.bundle.target.as_context()
        return {
            "ref": self._ref,
            "source": self._source,
            "config": ParseConfig(self),
            "var": self._var,
            "env_var": self._env_var,
            "target": MappingProxyType(target),
            "this": RelationStub("this"),
            "model": self.model_info,
            "execute": False,
            "flags": MappingProxyType(
                {"FULL_REFRESH": False, "WHICH": "parse", "STORE_FAILURES": False}
            ),
            "is_incremental": lambda *a, **k: False,
            "should_full_refresh": lambda *a, **k: False,
            "run_query": _undefined_result,
            "load_result": _undefined_result,
            "statement": _statement,
            "store_result": _noop,
            "adapter": Adapter(self),
            "api": MappingProxyType(
                {"Relation": Namespace("api.Relation", {"create": LiteralRelation})}
            ),
            "exceptions": _exceptions(),
            "log": _noop,
            "print": _noop,
            "return": _return,
            "modules": _safe_modules(),
            "fromjson": lambda s, default=None: _guard_parse(json.loads, s, default),
            "tojson": lambda v, **k: json.dumps(v, default=str),
            "fromyaml": lambda s, default=None: _guard_parse(yaml.safe_load, s, default),
            "toyaml": lambda v, **k: yaml.safe_dump(v),
            "zip": zip,
            "set": set,
            "local_md5": lambda s: hashlib.md5(str(s).encode(), usedforsecurity=False).hexdigest(),
            "invocation_id": "00000000-0000-0000-0000-000000000000",
            "run_started_at": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
            "dbt_version": "1.10.0",
            "graph": MappingProxyType(
                {k: MappingProxyType({}) for k in ("nodes", "sources", "exposures", "metrics")}
            ),
            "selected_resources": (),
            "project_name": self.bundle.root_package,
            "database": target["database"],
            "schema": target["schema"],
        }

    def _compile_macro_files(self) -> list[tuple[str, str, str, jinja2.Template]]:
        files = [("dbt", "<dbt>", INTERNAL_MACROS)]
        files += [(m.package, m.path, m.text) for m in self.bundle.macro_files]
        compiled = []
        for package, path, text in files:
            if len(text) > self.bundle.limits.max_template_chars:
                self.load_warnings.append(f"{path}: macro file too large, skipped")
                continue
            try:
                compiled.append((package, path, text, self.env.from_string(text)))
            except jinja2.TemplateSyntaxError as error:
                self.load_warnings.append(f"{path}:{error.lineno}: macro syntax: {error.message}")
                compiled += self._compile_blocks(package, path, text)
            except Exception as error:
                self.load_warnings.append(f"{path}: macro file unreadable: {error}")
        return compiled

    def _compile_blocks(
        self, package: str, path: str, text: str
    ) -> list[tuple[str, str, str, jinja2.Template]]:
        """A macro file Jinja cannot compile whole, block by block as dbt reads macro files
        (only its top-level `{% macro %}`… blocks count; text between them never compiles)."""
        compiled = []
        for block in _top_level_blocks(text):
            try:
                compiled.append((package, path, block, self.env.from_string(block)))
            except jinja2.TemplateSyntaxError:
                continue  # that block's own error: the file's warning names the first
            except Exception as error:
                self.load_warnings.append(f"{path}: macro block unreadable: {error}")
        return compiled

    def _register(self, templates: list[tuple[str, str, str, jinja2.Template]]) -> None:
        """Wrappers first (so macros can call macros defined later), then the macro objects."""
        for package, _, text, _ in templates:
            for name in MACRO_NAME.findall(text):
                self.wrappers.setdefault(package, {})[name] = self._wrapper(package, name)
        for package, path, _, template in templates:
            try:
                defined = _defined_names(template, self.context_for(package))
            except FATAL:
                raise
            except Exception as error:
                self.load_warnings.append(f"{path}: macro file failed to load: {error}")
                continue
            for name, value in defined.items():
                if isinstance(value, jinja2.runtime.Macro):
                    name = name.removeprefix(sandbox.MACRO_PREFIX)
                    self.macros.setdefault(package, {})[name] = value

    def context_for(self, package: str) -> dict[str, Any]:
        """The names a template of `package` sees: its own macros, then root's, then dbt's."""
        context = dict(self.base)
        context.update(self.wrappers["dbt"])
        context.update(self.wrappers[self.bundle.root_package])
        context.update(self.wrappers.get(package, {}))
        for name in self.packages:
            context[name] = Namespace(name, self.wrappers.get(name, {}))
        return context

    def _wrapper(self, package: str, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            macro = self.macros.get(package, {}).get(name)
            if macro is None:
                sandbox.MISSING.record(f"{package}.{name}")
                return ""
            if self.state.depth >= self.bundle.limits.max_macro_depth:
                raise RenderLimitError(
                    f"macro calls nested deeper than {self.bundle.limits.max_macro_depth}"
                )
            self.state.depth += 1
            try:
                return macro(*args, **kwargs)
            except ReturnValue as returned:
                return returned.value
            except FATAL:
                raise
            except Exception as error:
                self.state.warnings.append(f"macro {package}.{name} failed: {error}")
                return ""
            finally:
                self.state.depth -= 1

        call.__name__ = name
        return call

    def dispatch(self, name: str, namespace: str | None) -> Any:
        """dbt's dispatch: search order per namespace, then `<adapter>__`, parents, `default__`."""
        root = self.bundle.root_package
        if namespace is not None and namespace in self.bundle.dispatch:
            order = list(self.bundle.dispatch[namespace])
        elif namespace:
            order = [root, namespace] if namespace in self.macros else [root]
        else:
            order = [root, *self.packages]
        adapter = self.bundle.target.type
        prefixes = (adapter, *ADAPTER_PARENTS.get(adapter, ()), "default")
        for package in order:
            found = self.macros.get(package, {})
            for prefix in prefixes:
                candidate = f"{prefix}__{name}"
                if candidate in found:
                    return self.wrappers[package][candidate]
        return RecordingUndefined(name=f"{namespace or root}.{name}")

    def _ref(self, *args: Any, v: Any = None, version: Any = None, **kwargs: Any) -> Any:
        names = [str(a) for a in args]
        if not names:
            return RecordingUndefined(name="ref")
        version = v if v is not None else version
        self.state.refs.append(
            RefCall(
                names[-1],
                names[0] if len(names) > 1 else None,
                None if version is None else str(version),
            )
        )
        return RelationStub(f"ref{len(self.state.refs) - 1}")

    def _source(self, source_name: Any, table_name: Any) -> Any:
        key = (str(source_name), str(table_name))
        self.state.sources.append(key)
        return RelationStub(f"source{len(self.state.sources) - 1}")

    def _var(self, name: Any, default: Any = None) -> Any:
        package = self.model_info.get("package_name")
        scoped = self.bundle.package_variables.get(package or "", {})
        if name in scoped:
            return copy.deepcopy(scoped[name])
        return copy.deepcopy(self.bundle.variables.get(name, default))

    def _env_var(self, name: Any, default: Any = None) -> Any:
        """Only allowed variables (the `DBT_ENV_` prefix or the allow-list) ever resolve."""
        name = str(name)
        if name in self.bundle.environment:
            return self.bundle.environment[name]
        if default is not None:
            return default
        return f"env_var_{re.sub(r'[^a-z0-9_]', '_', name.lower())}"

    def render_request(self, request: NodeRequest) -> list[RenderedNode]:
        """Every node a file defines (one model, or each snapshot block), names resolved."""
        if request.resource_type in ("seed", "source"):
            return [self._finish(request, request.name, "", NodeState(), None)]
        if len(request.text) > self.bundle.limits.max_template_chars:
            return [self._failed(request, "template too large", 1)]
        sandbox.MISSING.names = []
        self.state = NodeState()
        self._set_model(request, request.name)
        try:
            template = self._compile(request.text)
        except jinja2.TemplateSyntaxError as error:
            return [self._failed(request, f"Jinja syntax: {error.message}", error.lineno)]
        if request.resource_type == "snapshot":
            return self._render_snapshots(request, template)
        sql, failure = self._run(partial(self._render_template, template, request.package))
        return [self._finish(request, request.name, sql or "", self.state, failure)]

    def _compile(self, text: str) -> jinja2.Template:
        """The template with line markers; should a marker ever land where Jinja's lexer
        disagrees with ours, the template as written (lines then follow the output)."""
        try:
            return self.env.from_string(mark_lines(text))
        except jinja2.TemplateSyntaxError:
            return self.env.from_string(text)

    def _render_snapshots(
        self, request: NodeRequest, template: jinja2.Template
    ) -> list[RenderedNode]:
        try:
            module = template.make_module(self.context_for(request.package))
        except FATAL as error:
            return [self._failed(request, _describe(error), _error_line(error))]
        except Exception as error:
            return [self._failed(request, _describe(error), _error_line(error))]
        found = []
        for name, macro in vars(module).items():
            if not (name.startswith("snapshot_") and isinstance(macro, jinja2.runtime.Macro)):
                continue
            snapshot = name.removeprefix("snapshot_")
            sandbox.MISSING.names = []
            self.state = NodeState()
            self._set_model(request, snapshot)
            sql, failure = self._run(partial(_called, macro))
            found.append(self._finish(request, snapshot, sql or "", self.state, failure))
        return found

    def _render_template(self, template: jinja2.Template, package: str) -> str:
        """A compiled template rendered in a package's context, within the bounds."""
        return sandbox.bounded_render(template, self.context_for(package), self.bundle.limits)

    def _render_text(self, text: str, context: dict[str, Any]) -> str:
        """A template text compiled and rendered in a context, within the bounds."""
        return sandbox.bounded_render(self.env.from_string(text), context, self.bundle.limits)

    def _run(self, render: Callable[[], str]) -> tuple[str | None, tuple[str, int | None] | None]:
        """Run a render; any exception becomes the node's error with the file line if known."""
        try:
            return render(), None
        except ReturnValue as returned:
            return str(returned.value or ""), None
        except Exception as error:
            return None, (_describe(error), _error_line(error))

    def _set_model(self, request: NodeRequest, name: str) -> None:
        """`model` as dbt parse shows it: the node with dbt's config defaults and the
        dbt_project.yml configs (a model may branch on `model.config.materialized`)."""
        defaults = {**PARSE_CONFIG_DEFAULTS, "materialized": _default_kind(request)}
        self.model_info.clear()
        config = copy.deepcopy({**defaults, **request.parse_config})
        self.model_info.update(self._node(request, name, config))

    def _node(self, request: NodeRequest, name: str, config: Mapping[str, Any]) -> dict:
        return {
            "name": name,
            "resource_type": request.resource_type,
            "package_name": request.package,
            "unique_id": f"{request.resource_type}.{request.package}.{name}"
            + (f".v{request.version}" if request.version else ""),
            "path": request.path,
            "original_file_path": request.path,
            "fqn": [*request.fqn[:-1], name] if request.fqn else [name],
            "config": dict(config),
            "version": request.version,
            "tags": list(config.get("tags") or []) if isinstance(config, Mapping) else [],
        }

    def _finish(
        self,
        request: NodeRequest,
        name: str,
        sql: str,
        state: NodeState,
        error: tuple[str, int | None] | None,
    ) -> RenderedNode:
        config = {**request.base_config, **state.config, **request.override_config}
        config = self._render_config_strings(request, config, state)
        self._render_hooks(request, config, state)
        warnings = list(state.warnings)
        try:
            database, schema, alias = self._names(request, name, config)
        except Exception as naming_error:
            warnings.append(f"relation name: {_describe(naming_error)}")
            target = self.bundle.target
            database, schema, alias = target.database, target.schema, name
        return RenderedNode(
            path=request.path,
            package=request.package,
            resource_type=request.resource_type,
            name=name,
            fqn=tuple([*request.fqn[:-1], name]) if request.fqn else (name,),
            sql=sql,
            refs=tuple(state.refs),
            sources=tuple(state.sources),
            config=_plain(config),
            database=database,
            schema=schema,
            alias=alias,
            missing_macros=tuple(sandbox.MISSING.names),
            warnings=tuple(warnings),
            error=error[0] if error else None,
            error_line=error[1] if error else None,
            version=request.version,
        )

    def _render_config_strings(
        self, request: NodeRequest, config: Mapping[str, Any], state: NodeState
    ) -> dict[str, Any]:
        """Config values written as Jinja (`+enabled: "{{ var('x', false) }}"` in
        dbt_project.yml) rendered as dbt renders them; hooks render later, per run."""
        rendered = dict(config)
        context = None
        for key, value in config.items():
            if key in HOOK_KEYS or not isinstance(value, str) or "{" not in value:
                continue
            if "{{" not in value and "{%" not in value:
                continue
            context = context or self.context_for(request.package)
            self.state = state
            text, error = self._run(partial(self._render_text, value, context))
            if error:
                state.warnings.append(f"config {key}: {error[0]}")
            else:
                rendered[key] = _native((text or "").strip())
        return rendered

    def _render_hooks(
        self, request: NodeRequest, config: Mapping[str, Any], state: NodeState
    ) -> None:
        """Hooks render at parse time too: their refs are dependencies of the node (dbt)."""
        hooks: list[Any] = []
        for key in HOOK_KEYS:
            value = config.get(key)
            hooks += value if isinstance(value, list) else [value]
        written = [h.get("sql") if isinstance(h, Mapping) else h for h in hooks]
        texts = [t for t in written if isinstance(t, str) and ("{{" in t or "{%" in t)]
        if not texts:
            return
        self.state = state
        context = self.context_for(request.package)
        for text in texts[:MAX_HOOKS]:
            _, error = self._run(partial(self._render_text, text, context))
            if error:
                state.warnings.append(f"hook: {error[0]}")

    def _failed(self, request: NodeRequest, message: str, line: int | None) -> RenderedNode:
        return self._finish(request, request.name, "", NodeState(), (message, line))

    def _names(
        self, request: NodeRequest, name: str, config: Mapping[str, Any]
    ) -> tuple[str, str, str]:
        """(database, schema, alias) through the generate_*_name macros dbt would pick."""
        self.state = NodeState()
        node = self._node(request, name, config)
        self.model_info.clear()
        self.model_info.update(node)
        if request.resource_type == "source":  # sources skip the naming macros
            source, table = request.fqn[-2:] if len(request.fqn) >= 2 else ("", "")
            database = config.get("database") or self.bundle.target.database
            schema = config.get("schema") or source
            return str(database), str(schema), str(config.get("identifier") or table)
        legacy_snapshot = request.resource_type == "snapshot" and config.get("target_schema")
        if legacy_snapshot:  # target_schema/target_database win over the naming macros
            schema = str(config["target_schema"])
            database = str(
                config.get("target_database")
                or self._name_macro("generate_database_name", request, config.get("database"), node)
            )
        else:
            schema = self._name_macro("generate_schema_name", request, config.get("schema"), node)
            database = self._name_macro(
                "generate_database_name", request, config.get("database"), node
            )
        alias = self._name_macro("generate_alias_name", request, config.get("alias"), node)
        return database, schema, alias or name

    def _default_naming(self, macro: str) -> bool:
        """Whether no project or package replaces dbt's `macro` (itself or by dispatch)."""
        if macro not in self._naming_cache:
            adapter = self.bundle.target.type
            names = {macro, f"default__{macro}", f"{adapter}__{macro}"}
            names |= {f"{parent}__{macro}" for parent in ADAPTER_PARENTS.get(adapter, ())}
            self._naming_cache[macro] = not any(
                name in macros
                for package, macros in self.macros.items()
                if package != "dbt"
                for name in names
            )
        return self._naming_cache[macro]

    def _name_macro(
        self, macro: str, request: NodeRequest, custom: Any, node: Mapping[str, Any]
    ) -> str:
        """Root project override, else the node's package's, else dbt's default."""
        if self._default_naming(macro):
            return _default_name(macro, custom, node, self.bundle.target.as_context())
        for package in (self.bundle.root_package, request.package, "dbt"):
            if macro in self.macros.get(package, {}):
                value = self.wrappers[package][macro](None if custom is None else custom, node)
                return "" if value is None else str(value).strip()
        return ""


def _default_kind(request: NodeRequest) -> str:
    """dbt's default `materialized` of a resource type."""
    return request.resource_type if request.resource_type in ("seed", "snapshot") else "view"


def _top_level_blocks(text: str) -> Iterator[str]:
    """`{% macro %}…{% endmacro %}` (and materialization/test) blocks in order, in one pass."""
    position = 0
    while start := BLOCK_START.search(text, position):
        end = re.compile(BLOCK_END.format(start.group(1))).search(text, start.end())
        if end is None:
            return
        yield text[start.start() : end.end()]
        position = end.end()


def _native(text: str) -> Any:
    """A YAML config value rendered as dbt renders it (its native environment): a Python
    literal (`None`, `False`, `3`, `['a']`) becomes that value, any other text stays text."""
    if len(text) > MAX_NATIVE_CHARS:
        return text
    try:
        return ast.literal_eval(text)
    except Exception:
        return text


def _default_name(
    macro: str, custom: Any, node: Mapping[str, Any], target: Mapping[str, Any]
) -> str:
    """dbt-adapters' `default__generate_*_name`, without a template round trip."""
    if macro == "generate_schema_name":
        schema = str(target["schema"])
        return schema if custom is None else f"{schema}_{str(custom).strip()}"
    if macro == "generate_database_name":
        return str(target["database"]) if custom is None else str(custom).strip()
    if custom:
        return str(custom).strip()
    version = node.get("version")
    if version not in (None, ""):
        return f"{node['name']}_v{str(version).replace('.', '_')}"
    return str(node["name"])


def _guard_parse(parse: Callable[[str], Any], text: Any, default: Any) -> Any:
    try:
        return parse(str(text))
    except Exception:
        return default


def _defined_names(template: jinja2.Template, context: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a macro file defines at top level, private `_name` macros included (dbt
    calls them as `package._name`; a Jinja module would only export the public ones)."""
    state = template.new_context(dict(context))
    for _ in template.root_render_func(state):
        pass
    return dict(state.vars)


def _plain(value: Any, depth: int = 0) -> Any:
    """A config value as plain data (what the parent process may receive)."""
    if depth > 20:
        return None
    if isinstance(value, RelationStub):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _called(macro: Callable[[], Any]) -> str:
    """A macro's output as text (a snapshot block is a macro of no arguments)."""
    return str(macro())


def _describe(error: BaseException) -> str:
    kind = type(error).__name__
    text = str(error)[:500]
    return f"{kind}: {text}" if text else kind


def _error_line(error: BaseException) -> int | None:
    """The template line of an exception, from Jinja's rewritten traceback."""
    line = getattr(error, "lineno", None)
    if isinstance(line, int):
        return line
    traceback = error.__traceback__
    found = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_filename == "<template>":
            found = traceback.tb_lineno
        traceback = traceback.tb_next
    return found
