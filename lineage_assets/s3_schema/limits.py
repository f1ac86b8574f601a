"""Bounds on what one sampled object may contribute: leaf columns, nesting depth and name
length of its schema, rows and characters per sampled value, and time per object.

Checked on the Arrow schema every reader returns (iteratively, so a schema nested deeper
than Python's recursion limit is measured, not recursed into), before the union walks it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.types as pt

MAX_COLUMNS = 10_000  # leaf columns of one object (Parquet, CSV header, JSON keys)
MAX_NESTING = 64  # struct/list levels (JSON brackets are checked against the same bound)
MAX_NAME_CHARS = 1_024  # characters of one field name
MAX_SAMPLE_ROWS = 10_000  # rows kept from one CSV/JSON head
MAX_VALUE_CHARS = 256  # characters of one sampled value kept for classification
MAX_SECONDS_PER_OBJECT = 60.0  # wall time of one object's reads and parse


_LIST_TYPES = (
    pt.is_list,
    pt.is_large_list,
    pt.is_fixed_size_list,
    pt.is_list_view,
    pt.is_large_list_view,
)


class SchemaRefused(ValueError):
    """An object's schema is wider, deeper or has longer names than the bounds allow."""


def _children(data_type: pa.DataType) -> Iterator[pa.Field]:
    """The child fields of a nested type (struct fields, list/map value fields)."""
    if pt.is_struct(data_type):
        yield from data_type
    elif any(is_list(data_type) for is_list in _LIST_TYPES):
        yield data_type.value_field
    elif pt.is_map(data_type):
        yield data_type.key_field
        yield data_type.item_field


def _encodes(name: str) -> bool:
    """Whether the name is storable text (no lone surrogates from `\\udc80` escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_schema(
    schema: pa.Schema,
    max_columns: int = MAX_COLUMNS,
    max_nesting: int = MAX_NESTING,
    max_name_chars: int = MAX_NAME_CHARS,
) -> int:
    """The schema's leaf-column count; `SchemaRefused` when it exceeds a bound."""
    if len(schema) > max_columns:
        raise SchemaRefused(f"more than {max_columns} columns")
    leaves = 0
    stack = [(field, 1) for field in schema]
    while stack:
        field, depth = stack.pop()
        if depth > max_nesting:
            raise SchemaRefused(f"nested deeper than {max_nesting} levels")
        if len(field.name) > max_name_chars:
            raise SchemaRefused(
                f"a field name of {len(field.name)} characters (limit {max_name_chars})"
            )
        if not field.name.isprintable() and not _encodes(field.name):
            raise SchemaRefused("a field name that is not valid Unicode")
        children = list(_children(field.type))
        if not children:
            leaves += 1
            if leaves > max_columns:
                raise SchemaRefused(f"more than {max_columns} columns")
        stack += [(child, depth + 1) for child in children]
    return leaves


def field_names(schema: pa.Schema) -> list[str]:
    """Every field name in the schema, nested ones too (list items' `item` included)."""
    names, stack = [], list(schema)
    while stack:
        field = stack.pop()
        names.append(field.name)
        stack += _children(field.type)
    return names
