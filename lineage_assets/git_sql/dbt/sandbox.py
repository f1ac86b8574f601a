"""The Jinja sandbox every dbt template renders in: dbt's own `SandboxedEnvironment` (mutable
lists, as dbt macros need), refusals that stay loud, bounded operators, output and macro depth.

Templates are data: nothing rendered may reach a module, a file, the network or the process.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes as nodes
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment, SecurityError


@dataclass(frozen=True)
class Limits:
    """Per-model bounds of a render (time and memory are enforced by the render worker)."""

    max_output_chars: int = 5_000_000
    max_template_chars: int = 2_000_000
    max_macro_depth: int = 64
    max_sequence: int = 1_000_000
    max_exponent: int = 256
    timeout_seconds: float = 10.0
    project_seconds: float = 900.0
    workers: int = 2
    memory_bytes: int = 1 << 30


class RenderLimitError(Exception):
    """A template went past a bound (output, macro depth, sequence size)."""


class MissingCalls:
    """Calls to macros that do not exist, recorded instead of failing (see `RecordingUndefined`)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def record(self, name: str) -> None:
        """Remember one missing macro by its dotted name."""
        if name not in self.names:
            self.names.append(name)


MISSING = MissingCalls()


class RecordingUndefined(jinja2.Undefined):
    """dbt's lax Undefined, except that a sandbox refusal raises and calling it is a no-op.

    A macro from a package that is not installed (`dbt_utils.star(ref('x'))`) is undefined:
    calling it records the name and returns nothing, so its arguments (already evaluated, so
    their refs and sources recorded) still count and the model keeps rendering.
    """

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: type[jinja2.exceptions.TemplateRuntimeError] = jinja2.exceptions.UndefinedError,
    ) -> None:
        if exc is SecurityError:
            raise SecurityError(hint or f"access to attribute {name!r} is unsafe")
        super().__init__(hint, obj, name, exc)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return RecordingUndefined(name=f"{self._undefined_name}.{name}")

    def __getitem__(self, key: Any) -> RecordingUndefined:  # type: ignore[override]
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> RecordingUndefined:  # type: ignore[override]
        MISSING.record(str(self._undefined_name))
        return MissingResult(name=f"{self._undefined_name}()")


class MissingResult(RecordingUndefined):
    """What a missing macro returns: `null` where it is written out (macros mostly stand for
    an expression, so the SQL around them still parses), nothing when iterated or tested."""

    __slots__ = ()

    def __str__(self) -> str:
        return "null"


def _sized(value: Any) -> int | None:
    """The length of a sequence-like operand, else None."""
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


# dbt's filters when it renders SQL (text mode): the `as_*` casts pass the value through.
TEXT_FILTERS: dict[str, Any] = {
    "as_text": lambda value: value,
    "as_bool": lambda value: value,
    "as_native": lambda value: value,
    "as_number": lambda value: value,
    "is_list": _is_list,
}


MACRO_PREFIX = "dbt_macro__"


class DbtParser(Parser):
    """dbt's parser: `{% macro x %}` defines `dbt_macro__x`, so a template reaches macros,
    its own included, only through the context (dbt's macro registry): a macro file's
    neighbours as registered macros, a model's own macros not at all (dbt parse too)."""

    def parse_macro(self) -> nodes.Macro:
        node = super().parse_macro()
        node.name = MACRO_PREFIX + node.name
        return node


class DbtSandbox(SandboxedEnvironment):
    """dbt's sandbox plus bounds on `*`, `+`, `**` and a refusal of every module object."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def __init__(self, limits: Limits, **options: Any) -> None:
        super().__init__(
            undefined=RecordingUndefined,
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", DbtBlocks],
            keep_trailing_newline=True,
            autoescape=False,
            **options,
        )
        self.limits = limits
        self.filters.update(TEXT_FILTERS)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return DbtParser(self, source, name, filename).parse()

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """No dunder or private name, no module, no frame or code object, ever."""
        if isinstance(value, (types.ModuleType, types.FrameType, types.CodeType)):
            return False
        if isinstance(obj, types.ModuleType):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Arithmetic with a bound on the size it can build (`'x' * 10**9`, `9 ** 9 ** 9`)."""
        cap = self.limits.max_sequence
        if operator == "**":
            if isinstance(right, int) and abs(right) > self.limits.max_exponent:
                raise RenderLimitError(f"exponent {right} is above {self.limits.max_exponent}")
        elif operator == "*":
            for seq, count in ((left, right), (right, left)):
                size = _sized(seq)
                if size is not None and isinstance(count, int) and size * count > cap:
                    raise RenderLimitError(f"repetition builds more than {cap} items")
        elif operator == "+":
            sizes = (_sized(left), _sized(right))
            if None not in sizes and sum(s or 0 for s in sizes) > cap:
                raise RenderLimitError(f"concatenation builds more than {cap} items")
        elif operator == "%" and isinstance(left, str) and len(left) > cap:
            raise RenderLimitError("format string too long")
        return super().call_binop(context, operator, left, right)


class DbtBlocks(jinja2.ext.Extension):
    """dbt's block tags (`snapshot`, `materialization`, `test`, `docs`, …) as macros.

    `{% snapshot orders_snap %}…{% endsnapshot %}` defines the macro `snapshot_orders_snap`.
    """

    tags = {"snapshot", "materialization", "test", "docs", "data_test", "unit_test"}

    def parse(self, parser: Any) -> nodes.Macro:
        token = next(parser.stream)
        node = nodes.Macro(lineno=token.lineno)
        node.args, node.defaults = [], []
        node.name = f"{token.value}_{parser.parse_assign_target(name_only=True).name}"
        if token.value in ("test", "data_test"):
            parser.parse_signature(node)
        while parser.stream.skip_if("comma"):  # `adapter='x'`, or a bare `default`
            key = parser.parse_assign_target(name_only=True).name
            if not parser.stream.skip_if("assign"):
                node.name += f"_{key}"
                continue
            value = parser.parse_expression()
            if key == "adapter" and isinstance(value, nodes.Const):
                node.name += f"_{value.value}"
        node.body = parser.parse_statements((f"name:end{token.value}",), drop_needle=True)
        return node


def bounded_render(template: jinja2.Template, context: dict[str, Any], limits: Limits) -> str:
    """The template's output, refused once it passes the output bound (streamed, not built)."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > limits.max_output_chars:
            raise RenderLimitError(f"output above {limits.max_output_chars} characters")
        parts.append(chunk)
    return "".join(parts)
