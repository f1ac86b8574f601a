"""Drift between two schema versions, one change per column, classified additive or breaking.

Kinds: column_added, column_removed, type_widened, type_changed (narrowed or otherwise),
nullability_changed, nested_field_changed (anything under a struct or list), and
partition_columns_changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lineage_assets.s3_schema.union import ColumnSchema

_INT_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64, "uint8": 8, "uint16": 16}
_INT_BITS |= {"uint32": 32, "uint64": 64}
_FLOAT_BITS = {"halffloat": 16, "float": 32, "double": 64}
BREAKING_KINDS = frozenset({"column_removed", "type_changed", "partition_columns_changed"})


@dataclass(frozen=True)
class SchemaChange:
    """One column's change between versions; `detail` says from what to what."""

    change_kind: str
    column_path: str
    detail: str
    breaking: bool


def is_widening(old: str, new: str) -> bool:
    """Whether every value of type `old` fits `new` unchanged (the union's widening rules)."""
    if old == new or new == "string" or old == "null":
        return True
    if old in _INT_BITS and new in _INT_BITS:
        return _INT_BITS[new] >= _INT_BITS[old] and (new.startswith("u") <= old.startswith("u"))
    if old in _INT_BITS and new in _FLOAT_BITS:
        return new == "double"
    if old in _FLOAT_BITS and new in _FLOAT_BITS:
        return _FLOAT_BITS[new] >= _FLOAT_BITS[old]
    return False


def _is_nested(path: str) -> bool:
    """Whether the column lives inside a struct or a list element."""
    return "." in path or "[]" in path


def _change(kind: str, column: str, detail: str, breaking: bool) -> SchemaChange:
    """A change, with nested columns reported under their own kind."""
    if _is_nested(column) and kind != "partition_columns_changed":
        return SchemaChange("nested_field_changed", column, f"{kind}: {detail}", breaking)
    return SchemaChange(kind, column, detail, breaking)


def diff(old: Sequence[ColumnSchema], new: Sequence[ColumnSchema]) -> list[SchemaChange]:
    """Every change from `old` to `new`, in column-path order."""
    before = {c.path: c for c in old}
    after = {c.path: c for c in new}
    changes = []
    for path in sorted(before.keys() | after.keys()):
        was, now = before.get(path), after.get(path)
        if (was and was.is_partition) or (now and now.is_partition):
            if was != now:
                detail = f"{_describe(was)} → {_describe(now)}"
                changes.append(_change("partition_columns_changed", path, detail, True))
        elif was is None and now is not None:
            changes.append(_change("column_added", path, now.type, False))
        elif now is None and was is not None:
            changes.append(_change("column_removed", path, was.type, True))
        elif was is not None and now is not None:
            changes.extend(_column_changes(was, now))
    return changes


def _column_changes(was: ColumnSchema, now: ColumnSchema) -> list[SchemaChange]:
    """Type and nullability changes of a column present in both versions."""
    changes = []
    if was.type != now.type:
        widened = is_widening(was.type, now.type)
        kind = "type_widened" if widened else "type_changed"
        changes.append(_change(kind, now.path, f"{was.type} → {now.type}", not widened))
    if was.nullable != now.nullable:
        detail = f"{_nullability(was)} → {_nullability(now)}"
        changes.append(_change("nullability_changed", now.path, detail, False))
    return changes


def _nullability(column: ColumnSchema) -> str:
    """`nullable` or `required`."""
    return "nullable" if column.nullable else "required"


def _describe(column: ColumnSchema | None) -> str:
    """A column as `name type (partition)` for details; `absent` when missing."""
    if column is None:
        return "absent"
    return f"{column.type}{' (partition)' if column.is_partition else ''}"


def is_breaking(change_kind: str, detail: str | None) -> bool:
    """Severity of a stored drift row (the table keeps kind and detail, not the flag)."""
    if change_kind == "nested_field_changed":
        inner = (detail or "").split(":", 1)[0]
        return inner in BREAKING_KINDS
    return change_kind in BREAKING_KINDS
