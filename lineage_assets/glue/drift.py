"""Glue's declared schema against the schema sampled from the table's location: columns the
data lacks (`missing`), columns the data has that Glue does not declare (`extra`, often where
undeclared personal data hides), and types that disagree (`type_mismatch`).

Names are compared lower-case (Athena reads Parquet and JSON columns case-insensitively) and at
the top level (a sampled `address.city` is the declared `address`); types by family, plus
integer width when the declared type is narrower than the data's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MISSING = "missing"
EXTRA = "extra"
TYPE_MISMATCH = "type_mismatch"

_GLUE_FAMILIES = {
    "string": "string",
    "varchar": "string",
    "char": "string",
    "tinyint": "integer",
    "smallint": "integer",
    "int": "integer",
    "integer": "integer",
    "bigint": "integer",
    "float": "float",
    "double": "float",
    "real": "float",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "binary": "binary",
    "array": "list",
    "struct": "struct",
    "map": "map",
}
_GLUE_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "integer": 32, "bigint": 64}
_SAMPLED_FAMILIES = (
    (re.compile(r"^(large_)?(string|utf8)$"), "string"),
    (re.compile(r"^u?int(8|16|32|64)$"), "integer"),
    (re.compile(r"^(halffloat|float|double)$"), "float"),
    (re.compile(r"^decimal(128|256)?\("), "decimal"),
    (re.compile(r"^bool$"), "boolean"),
    (re.compile(r"^date(32|64)"), "date"),
    (re.compile(r"^timestamp\["), "timestamp"),
    (re.compile(r"^(large_)?binary"), "binary"),
    (re.compile(r"^(large_)?list<"), "list"),
    (re.compile(r"^struct<"), "struct"),
    (re.compile(r"^map<"), "map"),
)
_HEAD = re.compile(r"^\s*([a-z_]+)")
_BITS = re.compile(r"^u?int(8|16|32|64)$")


@dataclass(frozen=True)
class Declared:
    """A column Glue declares for a table."""

    name: str
    type: str | None
    is_partition_key: bool


@dataclass(frozen=True)
class Sampled:
    """A column path of the location's latest sampled schema."""

    path: str
    type: str | None
    is_partition: bool


@dataclass(frozen=True)
class Difference:
    """One way the declared schema and the data disagree, on one column."""

    column: str
    kind: str
    declared_type: str | None
    sampled_type: str | None

    @property
    def detail(self) -> str:
        """A one-line description naming the column and both sides."""
        if self.kind == MISSING:
            return f"{self.column}: declared {self.declared_type or '?'}, not in the data"
        if self.kind == EXTRA:
            return f"{self.column}: in the data ({self.sampled_type or '?'}), not declared"
        return f"{self.column}: declared {self.declared_type}, data has {self.sampled_type}"


def glue_family(glue_type: str | None) -> str | None:
    """The family of a Hive/Glue type (`decimal(10,2)` → decimal), None when unknown."""
    head = _HEAD.match((glue_type or "").lower())
    return _GLUE_FAMILIES.get(head[1]) if head else None


def sampled_family(sampled_type: str | None) -> str | None:
    """The family of a sampled (Arrow) type text, None when unknown (e.g. `null`)."""
    text = (sampled_type or "").lower()
    return next((family for pattern, family in _SAMPLED_FAMILIES if pattern.match(text)), None)


def _narrower(declared: str | None, sampled: str | None) -> bool:
    """A declared integer narrower than the data's integers (values would not fit)."""
    head = _HEAD.match((declared or "").lower())
    bits = _BITS.match((sampled or "").lower())
    return bool(head and bits and _GLUE_BITS.get(head[1], 64) < int(bits[1]))


def _top(path: str) -> str:
    """The top-level column of a sampled path (`address.city`, `items[].sku` → address, items)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0].lower()


def compare(declared: Iterable[Declared], sampled: Iterable[Sampled]) -> list[Difference]:
    """Every difference between a table's declared columns and its location's sample."""
    sampled_top: dict[str, list[Sampled]] = {}
    for sample in sampled:
        sampled_top.setdefault(_top(sample.path), []).append(sample)
    differences = []
    seen: set[str] = set()
    for column in declared:
        name = column.name.lower()
        seen.add(name)
        found = sampled_top.get(name)
        if not found:
            differences.append(Difference(name, MISSING, column.type, None))
            continue
        if column.is_partition_key:
            continue  # partition values come from paths: their sampled types are guesses
        leaf = next((s for s in found if s.path.lower() == name), None)
        want = glue_family(column.type)
        have = sampled_family(leaf.type) if leaf else "struct"
        if want is None or have is None:
            continue
        if want != have or (want == "integer" and leaf and _narrower(column.type, leaf.type)):
            differences.append(
                Difference(name, TYPE_MISMATCH, column.type, leaf.type if leaf else "struct")
            )
    for name in sorted(set(sampled_top) - seen):
        first = sampled_top[name][0]
        differences.append(
            Difference(name, EXTRA, None, first.type if first.path.lower() == name else "struct")
        )
    return differences
