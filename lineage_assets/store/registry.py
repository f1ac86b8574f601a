"""The schema modules the store is built from: its own, then one line per source package.

Each module exports `MIGRATIONS` (its DDL as versioned steps), `EDGES` (SELECT fragments of
`lineage_edges`) and `NODE_COLUMNS` (SELECT fragments of `node_columns`); a module that parses
SQL may export `COLUMN_FLOWS` (SELECT fragments of `column_flows`), and one whose edges join
another source's rows exports `CROSS_SOURCE_EDGES` (see `Registry.cross_source_edges`).
Adding a source is its package's `schema.py` plus one line here. Modules are imported on first
use, so importing the store does not import every source package.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Protocol, cast

from lineage_assets.store.derived import (
    DerivedView,
    column_flows_view,
    lineage_edges_view,
    node_columns_view,
)
from lineage_assets.store.errors import StoreVersionError
from lineage_assets.store.migration import Migration

SCHEMA_MODULES: tuple[str, ...] = (
    "lineage_assets.store.schema",
    "lineage_assets.git_sql.schema",
    "lineage_assets.sagemaker.schema",
    "lineage_assets.s3_schema.schema",
    "lineage_assets.graph.schema",
    "lineage_assets.retention.schema",
    "lineage_assets.staging.schema",
    "lineage_assets.serving.schema",
    "lineage_assets.glue.schema",
    "lineage_assets.athena.schema",
)


class SchemaModule(Protocol):
    """What a package's `schema.py` exports."""

    MIGRATIONS: tuple[Migration, ...]
    EDGES: tuple[str, ...]
    NODE_COLUMNS: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    """Schema modules in order; their migrations, and the views their fragments compose."""

    schemas: tuple[SchemaModule, ...]

    def migrations(self) -> tuple[Migration, ...]:
        """Every module's migrations by version; two modules claiming one version is an error."""
        migrations = [m for schema in self.schemas for m in schema.MIGRATIONS]
        claimed = sorted(v for v, n in Counter(m.version for m in migrations).items() if n > 1)
        if claimed:
            raise StoreVersionError(f"migration versions {claimed} are declared more than once")
        return tuple(sorted(migrations, key=lambda m: m.version))

    def edges(self) -> tuple[str, ...]:
        """The `lineage_edges` fragments, in module order."""
        return tuple(fragment for schema in self.schemas for fragment in schema.EDGES)

    def node_columns(self) -> tuple[str, ...]:
        """The `node_columns` fragments, in module order."""
        return tuple(fragment for schema in self.schemas for fragment in schema.NODE_COLUMNS)

    def column_flows(self) -> tuple[str, ...]:
        """The `column_flows` fragments of the modules that have them, in module order."""
        return tuple(
            fragment for schema in self.schemas for fragment in getattr(schema, "COLUMN_FLOWS", ())
        )

    def cross_source_edges(self) -> tuple[tuple[str, str], ...]:
        """(table, joined table) pairs: the sources owning rows of `table` have edges that join
        rows of `joined` owned by other sources, so their walk index rows are made again when
        `joined` changes."""
        return tuple(
            pair for schema in self.schemas for pair in getattr(schema, "CROSS_SOURCE_EDGES", ())
        )

    def views(self) -> tuple[DerivedView, ...]:
        """The derived views, composed from the fragments, then the whole views that modules
        export as `VIEWS` (views over several packages' tables, made after every migration)."""
        return (
            lineage_edges_view(self.edges()),
            node_columns_view(self.node_columns()),
            column_flows_view(self.column_flows()),
            *(view for schema in self.schemas for view in getattr(schema, "VIEWS", ())),
        )

    def with_schema(self, schema: SchemaModule) -> Registry:
        """This registry plus one more module, last."""
        return Registry((*self.schemas, schema))


def load(names: Iterable[str]) -> Registry:
    """A registry of the named modules, imported now."""
    return Registry(tuple(cast(SchemaModule, importlib.import_module(name)) for name in names))


@cache
def default() -> Registry:
    """The registry of `SCHEMA_MODULES`."""
    return load(SCHEMA_MODULES)
