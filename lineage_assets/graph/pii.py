"""PII propagation and exposure.

Classified columns (the S3 classifier's, with user overrides winning) are seeds. A tag moves
along a column edge only if the edge carries the value (identity, rename, cast, case,
expression, window, or a same-named column across a join) and stops at `masking` and
`aggregate`. Every tag keeps the shortest path that explains it. Exposure rolls tags up to
the things a DSPM team asks about: datasets and tables that contain personal data, feature
groups built on it, model packages and models trained on it, the endpoints serving those
models (`served_by`) and the prefixes those endpoints capture requests into (`captures`).
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

# Edges from model data to what it makes: a registered package, or a model's own artefact.
TRAINED_KINDS = {"model_data": "model_package", "model_artifact": "model"}
# Serving edges: model package → model → endpoint config → endpoint → capture prefix.
FROM_PACKAGE = "model_from_package"
VARIANTS = ("variant", "shadow_variant")
DEPLOYED = "deployed_as"
HOSTED = "inference_component"  # a model hosted on an endpoint directly
CAPTURE = "capture"


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
    trained = _trained_on(edges, locations, pii_near)
    origins = origin_paths(conn, tags, sorted({e.via_node for e in trained}))
    return found + trained + _served(edges, trained, origins)


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
        if kind not in TRAINED_KINDS:
            continue
        trainers = {s for d in locations.family(model_data) for s in writes.get(d, ())}
        trainers |= {s for register in into.get(package, ()) for s in into.get(register, ())}
        for step in sorted(trainers):
            for source in sorted(reads.get(step, ())):
                if hit := pii_near(source):
                    found.append(
                        Exposure(package, TRAINED_KINDS[kind], "trained_on",
                                 tuple(sorted(hit[1])), hit[0], (hit[0], step, package))
                    )  # fmt: skip
    return found


def origin_paths(
    conn: duckdb.DuckDBPyConnection, tags: list[Tag], owners: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Owner → the datasets and tables the personal data it holds came through, from the
    farthest classified column upstream (a raw file) to the owner: carrying column edges walked
    backwards, and a table and the data at its location (a name match) either way. A column
    classified on its own still shows where its values came from."""
    back: dict[str, set[str]] = defaultdict(set)
    for source, targets in carrying_edges(conn).items():
        for target in targets:
            back[target].add(source)
    for source, target in views.column_matches(conn):
        back[source].add(target)
        back[target].add(source)
    seeded = {column for column, _ in seeds(conn)}
    columns: dict[str, set[str]] = defaultdict(set)
    for tag in tags:
        columns[tag.owner_node].add(tag.column_node)
    paths = {}
    for owner in owners:
        starts = sorted(columns.get(owner, ()))
        if not starts:
            continue
        parent: dict[str, str | None] = dict.fromkeys(starts)
        depth = dict.fromkeys(starts, 0)
        queue, farthest = deque(starts), starts[0]
        while queue:
            column = queue.popleft()
            if column in seeded and depth[column] > depth[farthest]:
                farthest = column
            for previous in sorted(back.get(column, ())):
                if previous not in parent:
                    parent[previous], depth[previous] = column, depth[column] + 1
                    queue.append(previous)
        chain: list[str] = []
        node: str | None = farthest
        while node is not None:
            chain.append(owner_of(node))
            node = parent[node]
        paths[owner] = tuple(o for i, o in enumerate(chain) if i == 0 or chain[i - 1] != o)
    return paths


def _served(
    edges: list[views.Edge], trained: list[Exposure], origins: dict[str, tuple[str, ...]]
) -> list[Exposure]:
    """Models made from packages trained on PII (`trained_on`), the endpoints serving such a
    model (`served_by`) and the prefixes they capture requests into (`captures`: a request
    carries the features the model was trained on). Their path runs from the dataset the
    personal data was first found in to the endpoint (and its capture prefix)."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for source, target, kind in edges:
        out[kind][source].add(target)
    found: dict[tuple[str, str, str], Exposure] = {}

    def add(exposure: Exposure) -> None:
        key = (exposure.node, exposure.exposure, exposure.via_node)
        if key not in found or len(exposure.path) < len(found[key].path):
            found[key] = exposure

    for exposure in sorted(trained, key=lambda e: (len(e.path), e.path)):
        origin = origins.get(exposure.via_node, (exposure.via_node,))
        path, via, classes = (*origin, *exposure.path[1:]), origin[0], exposure.pii_classes
        models = {exposure.node: path} if exposure.node_kind == "model" else {}
        for model in sorted(out[FROM_PACKAGE].get(exposure.node, ())):
            add(Exposure(model, "model", "trained_on", classes, exposure.via_node,
                         (*exposure.path, model)))  # fmt: skip
            models[model] = (*path, model)
        for model, model_path in models.items():
            configs = set().union(*(out[kind].get(model, set()) for kind in VARIANTS))
            routes = [
                ((*model_path, c), e)
                for c in sorted(configs)
                for e in sorted(out[DEPLOYED].get(c, ()))
            ]
            routes += [(model_path, e) for e in sorted(out[HOSTED].get(model, ()))]
            for route, endpoint in routes:
                served = (*route, endpoint)
                add(Exposure(endpoint, "endpoint", "served_by", classes, via, served))
                for prefix in sorted(out[CAPTURE].get(endpoint, ())):
                    add(Exposure(prefix, "dataset", "captures", classes, via, (*served, prefix)))
    return sorted(found.values(), key=lambda e: (e.node_kind, e.node, e.exposure, e.via_node))
