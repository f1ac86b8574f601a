"""dbt Python models read as dbt reads them: by their syntax tree, never by running them.

`dbt.ref("x")`, `dbt.ref("pkg", "x", v=2)`, `dbt.source("s", "t")` and `dbt.config(...)` with
literal arguments are what dbt records for a Python model; anything else is ignored.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.git_sql.dbt.records import RefCall

MAX_PYTHON_CHARS = 2_000_000


@dataclass(frozen=True)
class PythonModel:
    """What a Python model declares: refs, sources, config; `error` when it cannot be read."""

    refs: tuple[RefCall, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_line: int | None = None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _dbt_call(node: ast.AST) -> str | None:
    """`ref`, `source` or `config` when the node is a call `<name>.ref(...)` etc."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    return node.func.attr if node.func.attr in ("ref", "source", "config") else None


def read_python_model(text: str) -> PythonModel:
    """The declarations of one Python model, from its syntax tree."""
    if len(text) > MAX_PYTHON_CHARS:
        return PythonModel(error="Python model too large", error_line=1)
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return PythonModel(error=f"Python syntax: {error.msg}", error_line=error.lineno)
    except (ValueError, RecursionError, MemoryError) as error:
        return PythonModel(error=f"Python model unreadable: {type(error).__name__}", error_line=1)
    refs, sources, config = [], [], {}
    for node in ast.walk(tree):
        kind = _dbt_call(node)
        if kind is None:
            continue
        assert isinstance(node, ast.Call)
        args = [_literal(a) for a in node.args]
        keywords = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
        if kind == "ref" and args and all(isinstance(a, str) for a in args):
            version = keywords.get("v", keywords.get("version"))
            package = args[0] if len(args) > 1 else None
            refs.append(RefCall(args[-1], package, None if version is None else str(version)))
        elif kind == "source" and len(args) == 2 and all(isinstance(a, str) for a in args):
            sources.append((args[0], args[1]))
        elif kind == "config":
            config.update({k: v for k, v in keywords.items() if v is not None})
    return PythonModel(tuple(refs), tuple(sources), config)
