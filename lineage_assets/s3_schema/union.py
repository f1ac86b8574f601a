"""The union of sampled schemas with type widening, and its flattening into column paths.

Widening: int8..int64 → the widest; int + float → double; two timestamps → the finer unit;
anything else that differs → string. A column missing from some object is nullable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.types as pt

_TIME_UNITS = ("s", "ms", "us", "ns")


@dataclass(frozen=True)
class ColumnSchema:
    """One column of a dataset: `address.city` for struct fields, `items[].sku` inside lists."""

    path: str
    type: str
    nullable: bool
    is_partition: bool = False


def normalise(data_type: pa.DataType) -> pa.DataType:
    """The type readers agree on: dictionaries as their values, large/view variants as plain."""
    if pt.is_dictionary(data_type):
        return normalise(data_type.value_type)
    if pt.is_large_string(data_type) or pt.is_string_view(data_type):
        return pa.string()
    if pt.is_large_binary(data_type) or pt.is_binary_view(data_type):
        return pa.binary()
    if pt.is_list(data_type) or pt.is_large_list(data_type) or pt.is_list_view(data_type):
        return pa.list_(normalise(data_type.value_type))
    if pt.is_struct(data_type):
        return pa.struct([normalise_field(field) for field in data_type])
    return data_type


def normalise_field(field: pa.Field) -> pa.Field:
    """The field with its type normalised, metadata dropped."""
    return pa.field(field.name, normalise(field.type), field.nullable)


def widen(left: pa.DataType, right: pa.DataType) -> pa.DataType:
    """The narrowest type both values fit in (string when nothing narrower does)."""
    if left == right:
        return left
    if pt.is_null(left) or pt.is_null(right):
        return right if pt.is_null(left) else left
    if pt.is_integer(left) and pt.is_integer(right):
        if pt.is_signed_integer(left) != pt.is_signed_integer(right):
            return pa.int64()
        return left if left.bit_width >= right.bit_width else right
    if _numeric(left) and _numeric(right):
        return pa.float64()
    if pt.is_timestamp(left) and pt.is_timestamp(right) and left.tz == right.tz:
        finer = max(left.unit, right.unit, key=_TIME_UNITS.index)
        return pa.timestamp(finer, left.tz)
    if pt.is_struct(left) and pt.is_struct(right):
        return pa.struct(merge_fields([list(left), list(right)]))
    if pt.is_list(left) and pt.is_list(right):
        return pa.list_(widen(left.value_type, right.value_type))
    return pa.string()


def _numeric(data_type: pa.DataType) -> bool:
    """Integers and floats (decimals are left to the string fallback)."""
    return pt.is_integer(data_type) or pt.is_floating(data_type)


def merge_fields(field_lists: Sequence[Sequence[pa.Field]]) -> list[pa.Field]:
    """Fields of several schemas merged by name in first-seen order, types widened;
    a field that some list lacks becomes nullable."""
    merged: dict[str, pa.Field] = {}
    seen_in: dict[str, int] = {}
    for fields in field_lists:
        for field in fields:
            field = normalise_field(field)
            seen_in[field.name] = seen_in.get(field.name, 0) + 1
            if field.name in merged:
                old = merged[field.name]
                field = pa.field(
                    field.name, widen(old.type, field.type), old.nullable or field.nullable
                )
            merged[field.name] = field
    return [
        field if seen_in[name] == len(field_lists) else field.with_nullable(True)
        for name, field in merged.items()
    ]


def union_schemas(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """One schema covering every sampled object."""
    return pa.schema(merge_fields([list(schema) for schema in schemas]))


def type_text(data_type: pa.DataType) -> str:
    """A stable, readable type name: `int64`, `list<string>`, `timestamp[ms, tz=UTC]`."""
    if pt.is_list(data_type):
        return f"list<{type_text(data_type.value_type)}>"
    if pt.is_struct(data_type):
        return "struct<" + ", ".join(f"{f.name}: {type_text(f.type)}" for f in data_type) + ">"
    return str(data_type)


def flatten(schema: pa.Schema) -> list[ColumnSchema]:
    """Leaf columns, one per path: struct fields joined by `.`, list-of-struct fields by `[].`."""
    columns: dict[str, ColumnSchema] = {}
    for field in schema:
        for column in _leaves(field.name, field.type, field.nullable):
            columns[column.path] = _same_path(columns.get(column.path), column)
    return list(columns.values())


def _same_path(seen: ColumnSchema | None, column: ColumnSchema) -> ColumnSchema:
    """One column per path: a top-level `a.b` and a struct field `a` → `b` collide; they
    merge into a nullable column, string unless both have the same type."""
    if seen is None:
        return column
    same_type = seen.type if seen.type == column.type else "string"
    return ColumnSchema(seen.path, same_type, nullable=True)


def _leaves(path: str, data_type: pa.DataType, nullable: bool) -> Iterable[ColumnSchema]:
    """The leaf columns under one field."""
    if pt.is_struct(data_type) and data_type.num_fields:
        for child in data_type:
            yield from _leaves(f"{path}.{child.name}", child.type, nullable or child.nullable)
    elif pt.is_list(data_type) and pt.is_struct(data_type.value_type):
        yield from _leaves(f"{path}[]", data_type.value_type, nullable)
    else:
        yield ColumnSchema(path, type_text(data_type), nullable)


def partition_columns(
    partitions: Sequence[Sequence[tuple[str, str]]], file_columns: Iterable[str]
) -> list[ColumnSchema]:
    """Hive partition keys as columns (int64 when every value is an integer, else string);
    a key some sampled objects lack is nullable; names the files already have are skipped."""
    names: dict[str, list[str]] = {}
    for pairs in partitions:
        for name, value in pairs:
            names.setdefault(name, []).append(value)
    taken = set(file_columns)
    return [
        ColumnSchema(
            name,
            "int64" if all(_is_int(v) for v in values) else "string",
            nullable=any(name not in dict(pairs) for pairs in partitions),
            is_partition=True,
        )
        for name, values in names.items()
        if name not in taken
    ]


def _is_int(text: str) -> bool:
    """Whether a partition value is a plain integer."""
    return text.lstrip("-").isdigit()
