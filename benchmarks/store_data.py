"""Synthetic, seeded store contents: SQL-file sources shaped like the SQL sync's, and a layered
lineage graph with diamonds and a few cycles, with the breadth-first walk that checks the macros.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lineage_assets.store import SourceRecords

Edge = tuple[str, str]

_SCHEMAS = ("raw", "staging", "intermediate", "marts", "finance", "ml", "ops", "sales", "hr")
_NOUNS = ("orders", "customers", "events", "payments", "sessions", "items", "invoices", "users")
_WORDS = ("id", "amount", "created", "updated", "status", "country", "email", "score", "total")
_TRANSFORMS = ("identity", "sum", "cast", "coalesce", "case", "join_key", "filter")
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Names:
    """Pools of table and column names to draw from (a warehouse of a few thousand tables)."""

    tables: list[str]
    columns: list[str]


def name_pools(rng: random.Random, tables: int = 5000, columns: int = 1500) -> Names:
    """`schema.noun_N` table names and `word_word_N` column names."""
    return Names(
        tables=[f"{rng.choice(_SCHEMAS)}.{rng.choice(_NOUNS)}_{i}" for i in range(tables)],
        columns=[f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}_{i}" for i in range(columns)],
    )


def _around(rng: random.Random, mean: int) -> int:
    """A count spread evenly around `mean` (half to one and a half times it)."""
    return rng.randint(max(1, mean // 2), mean + mean // 2)


def sql_file_source(index: int, rng: random.Random, names: Names) -> SourceRecords:
    """One SQL file: ~1 sql_files row, ~5 statements, ~10 table edges, ~40 column edges."""
    key = f"warehouse/models/model_{index:05d}.sql"
    target, *inputs = rng.sample(names.tables, 6)
    statements = _around(rng, 5)
    records = SourceRecords(key, "sql_file", display_name=key, content_hash=f"{index:064x}")
    records.add("sql_files", [_file_row(key, index, statements)])
    records.add("sql_statements", [_statement_row(i, target, inputs) for i in range(statements)])
    records.add(
        "table_edges",
        [
            {
                "statement_index": i % statements,
                "source_table": rng.choice(inputs),
                "target_table": target,
                "start_line": 10 * i + 1,
                "end_line": 10 * i + 9,
            }
            for i in range(_around(rng, 10))
        ],
    )
    records.add("column_edges", column_edge_rows(rng, names, target, inputs, _around(rng, 40)))
    return records


def _file_row(key: str, index: int, statements: int) -> dict[str, object]:
    """The sql_files row of one file."""
    return {
        "repo": "warehouse",
        "path": key,
        "dialect": "athena",
        "blob_sha": f"{index:040x}",
        "commit_sha": f"{index * 7919:040x}",
        "commit_author": f"dev{index % 17}@example.com",
        "commit_time": _EPOCH + timedelta(minutes=index),
        "statement_count": statements,
        "error_count": 0,
    }


def _statement_row(index: int, target: str, inputs: list[str]) -> dict[str, object]:
    """One parsed statement with its SQL text."""
    return {
        "statement_index": index,
        "kind": "insert",
        "start_line": 10 * index + 1,
        "end_line": 10 * index + 9,
        "targets": [target],
        "sources": inputs[:2],
        "sql_text": f"INSERT INTO {target}\nSELECT a.*, b.total\nFROM {inputs[0]} a\n"
        f"JOIN {inputs[1]} b ON a.id = b.id\nWHERE a.updated > current_date - 7;",
    }


def column_edge_rows(
    rng: random.Random, names: Names, target: str, inputs: list[str], count: int
) -> list[dict[str, object]]:
    """`count` column edges from the input tables into `target`."""
    columns = rng.choices(names.columns, k=2 * count)
    tables = rng.choices(inputs, k=count)
    transforms = rng.choices(_TRANSFORMS, k=count)
    return [
        {
            "statement_index": i % 5,
            "source_table": tables[i],
            "source_column": columns[2 * i],
            "target_table": target,
            "target_column": columns[2 * i + 1],
            "transform": transforms[i],
            "is_indirect": transforms[i] in ("filter", "join_key"),
        }
        for i in range(count)
    ]


def sql_file_sources(count: int, seed: int) -> list[SourceRecords]:
    """`count` SQL-file sources, the same for the same seed."""
    rng = random.Random(seed)
    names = name_pools(rng)
    return [sql_file_source(i, rng, names) for i in range(count)]


def big_sql_file_sources(count: int, column_edges: int, seed: int) -> Iterator[SourceRecords]:
    """Large files (one sql_files row and `column_edges` column edges each), made lazily."""
    rng = random.Random(seed)
    names = name_pools(rng)
    for index in range(count):
        key = f"warehouse/big/wide_model_{index:05d}.sql"
        target, *inputs = rng.sample(names.tables, 8)
        records = SourceRecords(key, "sql_file", display_name=key)
        records.add("sql_files", [_file_row(key, 100_000 + index, 5)])
        records.add("column_edges", column_edge_rows(rng, names, target, inputs, column_edges))
        yield records


def row_count(sources: Iterable[SourceRecords]) -> int:
    """Rows over every table of every source."""
    return sum(len(rows) for records in sources for rows in records.rows.values())


# -- the lineage graph ----------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    """Table-level edges, a root to walk down from and a leaf to walk up from."""

    edges: list[Edge]
    root: str
    leaf: str
    cycles: int


def _layer(layer: int) -> str:
    """The name prefix of a layer's tables."""
    return f"lake.l{layer:02d}_"


def _node(layer: int, index: int) -> str:
    """A table's name from its layer and position."""
    return f"{_layer(layer)}t{index}"


def layered_graph(edge_count: int, seed: int, layers: int = 40, fanout: int = 2) -> Graph:
    """A layered DAG of about `edge_count` edges: each table feeds `fanout` tables of the next
    layer (one in ten skips a layer), so paths meet in diamonds; then a few edges close cycles:
    one through the root, one through the leaf, a self-loop and some random back edges."""
    rng = random.Random(seed)
    width = max(4, edge_count // (fanout * (layers - 1)))
    edges: list[Edge] = []
    for layer in range(layers - 1):
        for index in range(width):
            for _ in range(fanout):
                hop = 2 if layer + 2 < layers and rng.random() < 0.1 else 1
                edges.append((_node(layer, index), _node(layer + hop, rng.randrange(width))))
    root = _node(0, 0)
    leaf = next(t for _, t in edges if t.startswith(_layer(layers - 1)))
    down, up = walk_depths(edges, root, 3), walk_depths(edges, leaf, 3, upstream=True)
    closing = [
        (_at_depth(down, 3), root),  # root -> … -> x -> root
        (leaf, _at_depth(up, 3)),  # leaf -> y -> … -> leaf
        (_at_depth(down, 2), _at_depth(down, 2)),  # a self-loop
    ]
    for _ in range(3):
        layer = rng.randrange(2, layers)
        closing.append((_node(layer, rng.randrange(width)), _node(layer - 2, rng.randrange(width))))
    return Graph(edges + closing, root, leaf, cycles=len(closing))


def _at_depth(depths: dict[str, int], depth: int) -> str:
    """The first node reached at exactly `depth`."""
    return min(node for node, d in depths.items() if d == depth)


def walk_depths(
    edges: Iterable[Edge], start: str, max_depth: int, *, upstream: bool = False
) -> dict[str, int]:
    """Breadth-first: every node within `max_depth` of `start` (itself excluded), at its
    shortest depth; what the store's `downstream`/`upstream` macros must return."""
    following: defaultdict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        if upstream:
            following[target].append(source)
        else:
            following[source].append(target)
    depths = {start: 0}
    frontier = [start]
    for depth in range(1, max_depth + 1):
        frontier = [n for node in frontier for n in following[node] if n not in depths]
        for node in frontier:
            depths.setdefault(node, depth)
        frontier = list(dict.fromkeys(frontier))
    del depths[start]
    return depths


def graph_sources(graph: Graph, edges_per_source: int) -> Iterator[SourceRecords]:
    """The graph's edges as SQL-file sources of `edges_per_source` table edges each."""
    for number, first in enumerate(range(0, len(graph.edges), edges_per_source)):
        key = f"lake/part_{number:05d}.sql"
        chunk = graph.edges[first : first + edges_per_source]
        records = SourceRecords(key, "sql_file", display_name=key)
        records.add("sql_files", [{"repo": "lake", "path": key, "statement_count": len(chunk)}])
        records.add(
            "table_edges",
            [
                {"statement_index": i, "source_table": s, "target_table": t, "start_line": i + 1}
                for i, (s, t) in enumerate(chunk)
            ],
        )
        yield records
