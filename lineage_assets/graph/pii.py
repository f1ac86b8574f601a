"""PII propagation and exposure.

Classified columns (the S3 classifier's, with user overrides winning) are seeds. A tag moves
along a column edge only if the edge carries the value (identity, rename, cast, case,
expression, window, or a same-named column across a join) and stops at `masking` and
`aggregate`. Every tag keeps the shortest path that explains it. Exposure rolls tags up to
the things a DSPM team asks about: datasets and tables that contain personal data, feature
groups built on it, and model packages trained on it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from lineage_assets.core import enums as core_enums
from lineage_assets.core.enums import CARRYING_TRANSFORMS, NodeKind
from lineage_assets.core.ids import (
    column_parts,
    data_column_node,
    key_of,
    table_column_node,
)
from lineage_assets.core.uris import LocationIndex
from lineage_assets.graph import views

PII_SOURCE = "graph:pii"
NOT_PII = frozenset({core_enums.NOT_PII, "not_pii", ""})


@dataclass(frozen=True)
class Tag:
    """A column holding personal data of one class, and how it got there."""

    column_node: str
    pii_class: str
    seed_node: str
    path: tuple[str, ...]

    @property
    def owner_node(self) -> str:
        """The table or data node the column belongs to."""
        return owner_of(self.column_node)

    def row(self) -> dict[str, Any]:
        """The tag as a `pii_tags` row."""
        return {
            "column_node": self.column_node,
            "owner_node": self.owner_node,
            "pii_class": self.pii_class,
            "seed_node": self.seed_node,
            "hops": len(self.path) - 1,
            "path": list(self.path),
        }


@dataclass(frozen=True)
class Exposure:
    """Something that contains, or was built or trained on, personal data, and why."""

    node: str
    node_kind: str
    exposure: str
    pii_classes: tuple[str, ...]
    via_node: str
    path: tuple[str, ...]

    def row(self) -> dict[str, Any]:
        """The exposure as a `pii_exposure_paths` row."""
        return {
            "node": self.node,
            "node_kind": self.node_kind,
            "exposure": self.exposure,
            "pii_classes": list(self.pii_classes),
            "via_node": self.via_node,
            "path": list(self.path),
        }


def owner_of(column: str) -> str:
    """`column:s3://b/p#email` → `data:s3://b/p`; `column:db.t.email` → `table:db.t`."""
    return column_parts(column)[0]


def seeds(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(column node, class) of every classified column (overrides win, `none` removes) and
    of every column a catalog declares under a personal-data name."""
    sampled = {
        (data_column_node(uri, column), cls)
        for uri, column, cls in views.classified_columns(conn)
        if cls and cls not in NOT_PII
    }
    return sorted(sampled | set(views.declared_pii_columns(conn)))


def carrying_edges(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Column node → the column nodes its value flows into (carrying edges only)."""
    flows: dict[str, list[str]] = defaultdict(list)
    for flow in views.direct_column_flows(conn):
        if flow.transform in CARRYING_TRANSFORMS:
            flows[table_column_node(flow.source_table, flow.source_column)].append(
                table_column_node(flow.target_table, flow.target_column)
            )
    for source, target in views.column_matches(conn):
        flows[source].append(target)
    return flows


def propagate(seed_columns: Iterable[tuple[str, str]], flows: dict[str, list[str]]) -> list[Tag]:
    """Breadth-first from every seed: one tag per (column, class), on its shortest path."""
    best: dict[tuple[str, str], Tag] = {}
    for seed, pii_class in seed_columns:
        queue: deque[tuple[str, tuple[str, ...]]] = deque([(seed, (seed,))])
        seen = {seed}
        while queue:
            node, path = queue.popleft()
            key = (node, pii_class)
            if key not in best or len(path) < len(best[key].path):
                best[key] = Tag(node, pii_class, seed, path)
            for nxt in flows.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, (*path, nxt)))
    return [best[k] for k in sorted(best)]


def _owner_kind(owner: str) -> str:
    return "dataset" if key_of(owner, NodeKind.DATA) is not None else "table"


def exposures(conn: duckdb.DuckDBPyConnection, tags: list[Tag]) -> list[Exposure]:
    """Datasets/tables containing PII, feature groups on it, model packages trained on it."""
    classes: dict[str, set[str]] = defaultdict(set)
    for tag in tags:
        classes[tag.owner_node].add(tag.pii_class)
    found = [
        Exposure(owner, _owner_kind(owner), "contains", tuple(sorted(cls)), owner, (owner,))
        for owner, cls in sorted(classes.items())
    ]  # fmt: skip
    edges = views.edges(conn)
    data = NodeKind.DATA.value + ":"
    locations = LocationIndex(n for s, t, _ in edges for n in (s, t) if n.startswith(data))

    def pii_near(node: str) -> tuple[str, set[str]] | None:
        for candidate in sorted(locations.family(node)):
            if classes.get(candidate):
                return candidate, classes[candidate]
        return None

    for group, target, kind in edges:
        if kind == "feature_group_data" and (hit := pii_near(target)):
            found.append(
                Exposure(group, "feature_group", "contains", tuple(sorted(hit[1])), hit[0],
                         (hit[0], group))
            )  # fmt: skip
    found += _trained_on(edges, locations, pii_near)
    return found


def _trained_on(
    edges: list[views.Edge],
    locations: LocationIndex,
    pii_near: Callable[[str], tuple[str, set[str]] | None],
) -> list[Exposure]:
    """Model packages whose training step read data that carries PII tags."""
    writes: dict[str, set[str]] = defaultdict(set)  # data node -> steps writing it
    reads: dict[str, set[str]] = defaultdict(set)  # step -> inputs (data, tables)
    into: dict[str, set[str]] = defaultdict(set)  # node -> step nodes with an edge into it
    for source, target, kind in edges:
        if kind == "write":
            writes[target].add(source)
        elif kind in ("read", "query"):
            reads[target].add(source)
        if key_of(source, NodeKind.STEP) is not None:
            into[target].add(source)
    found = []
    for model_data, package, kind in edges:
        if kind != "model_data":
            continue
        trainers = {s for d in locations.family(model_data) for s in writes.get(d, ())}
        trainers |= {s for register in into.get(package, ()) for s in into.get(register, ())}
        for step in sorted(trainers):
            for source in sorted(reads.get(step, ())):
                if hit := pii_near(source):
                    found.append(
                        Exposure(package, "model_package", "trained_on", tuple(sorted(hit[1])),
                                 hit[0], (hit[0], step, package))
                    )  # fmt: skip
    return found
