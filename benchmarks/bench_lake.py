"""The store on DuckLake (a PostgreSQL catalog started here, data files in a temp folder)
against the embedded DuckDB file, same records, same run:

1. lake.walk     downstream(node, 10) over ~1M column edges: a read-only reader of the lake
                 vs a reader of the file's published copy.
2. lake.replace  replace_sources of N sources already stored (the nightly re-crawl), one
                 transaction, lake vs file; and one single-source replace, lake vs file.

Needs Debian's PostgreSQL (`apt-get install postgresql`); without it the benchmark says so.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks.bench_graph import sql_source
from benchmarks.harness import Result, figure, header, median_time, note, report, seconds, timed
from lineage_assets.store import LineageStore, SourceRecords, connect_published
from lineage_assets.store.lake import LakeLocation
from tests.support.postgres import INSTALL_HINT, running_postgres, server_binaries

NAME = "lake"
BATCH = 200
WALK = "SELECT count(*) FROM downstream(?, 10)"


def sources(tables: int, columns: int, seed: int) -> Iterator[SourceRecords]:
    """SQL files each writing one table from two others through `columns` column edges."""
    rng = random.Random(seed)
    for index in range(tables):
        yield sql_source(index, rng, columns)


def load(store: LineageStore, tables: int, columns: int) -> None:
    batch: list[SourceRecords] = []
    for records in sources(tables, columns, seed=16):
        batch.append(records)
        if len(batch) >= BATCH:
            store.replace_sources(batch)
            batch = []
    store.replace_sources(batch)


def busiest_table(store: LineageStore) -> str:
    """The most-read table node: a walk with a real fan-out."""
    row = store.conn.execute(
        "SELECT source_node FROM lineage_edge_index WHERE starts_with(source_node, 'table:') "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()
    return str(row[0][0])


def run(quick: bool = False) -> list[Result]:
    """Load both backends, then time the walk and the replaces on each."""
    tables, columns, replaced = (500, 200, 50) if quick else (5_000, 200, BATCH)
    header(NAME, f"{tables:,} SQL files, {tables * columns:,} column edges, file vs DuckLake")
    if server_binaries() is None:
        note(f"skipped: {INSTALL_HINT}")
        return []
    with tempfile.TemporaryDirectory() as folder, running_postgres() as server:
        data = Path(folder, "lake-data")
        data.mkdir()
        lake = LakeLocation(server.conninfo(server.create_database("bench")), str(data))
        file_db, published = Path(folder, "s.duckdb"), Path(folder, "p.duckdb")
        timings: dict[str, dict[str, float]] = {}
        reached: dict[str, int] = {}
        for backend in ("file", "lake"):
            opened = (
                LineageStore.open(file_db, published)
                if backend == "file"
                else LineageStore.open(lake=lake)
            )
            with opened as store:
                load_s, _ = timed(lambda store=store: load(store, tables, columns))
                start = busiest_table(store)
                again = list(sources(replaced, columns, seed=17))
                replace_s, _ = timed(lambda store=store, again=again: store.replace_sources(again))
                one = next(sources(1, columns, seed=18))
                one_s = median_time(lambda store=store, one=one: store.replace_source(one), 3)
                store.publish()
            reader = connect_published(published, lake=lake if backend == "lake" else None)
            try:
                walk_s = median_time(
                    lambda reader=reader, start=start: reader.execute(WALK, [start]).fetchall(), 5
                )
                reached[backend] = int(reader.execute(WALK, [start]).fetchall()[0][0])
            finally:
                reader.close()
            timings[backend] = {"load": load_s, "replace": replace_s, "one": one_s, "walk": walk_s}
            figure(f"{backend}: load {tables:,} sources", seconds(load_s))
            figure(f"{backend}: replace {replaced} stored sources", seconds(replace_s))
            figure(f"{backend}: replace one source", seconds(one_s))
            figure(
                f"{backend}: downstream('{start}', 10)",
                f"{seconds(walk_s)}, {reached[backend]:,} nodes",
            )
    if reached["file"] != reached["lake"]:
        note(f"the walks differ: {reached}")
    file, lake_t = timings["file"], timings["lake"]
    return [
        report(Result(NAME, "lake ÷ file: downstream walk", lake_t["walk"] / file["walk"])),
        report(
            Result(
                NAME,
                f"lake ÷ file: replace {replaced} sources",
                lake_t["replace"] / file["replace"],
            )
        ),
        report(Result(NAME, "lake ÷ file: replace one source", lake_t["one"] / file["one"])),
        report(Result(NAME, "lake ÷ file: initial load", lake_t["load"] / file["load"])),
    ]
