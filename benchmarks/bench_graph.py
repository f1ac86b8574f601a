"""The graph build on a synthetic store of many pipelines and ~1M column edges: build time and
peak memory, a downstream walk against one full scan of the edge table, and saving the global
snapshot (file written and flushed before its row; unchanged: file compared) against hashing
it, all in the same run."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.harness import (
    Result,
    figure,
    header,
    median_time,
    peak_memory,
    report,
    reset_peak_rss,
    seconds,
    timed,
)
from lineage_assets.graph import snapshot
from lineage_assets.graph.build import build_graph
from lineage_assets.store import LineageStore, SourceRecords, Upsert


def pipeline_source(index: int, rng: random.Random) -> SourceRecords:
    """A 5-step pipeline reading two lake tables' data and writing a model."""
    region, name = "us-east-1", f"p{index}"
    key = f"sagemaker:123456789012/{region}/{name}"
    base = f"s3://art/{name}"
    io = [
        ("Prep", "input", f"s3://lake/t{rng.randrange(5000)}/"),
        ("Prep", "input", f"s3://lake/t{rng.randrange(5000)}/"),
        ("Prep", "output", f"{base}/prep/"),
        ("Train", "input", f"{base}/prep/"),
        ("Train", "output", f"{base}/model/"),
        ("Eval", "input", f"{base}/model/"),
        ("Eval", "output", f"{base}/eval/"),
    ]
    records = SourceRecords(key, "sagemaker_pipeline", name)
    records.add(
        "sagemaker_step_io",
        [
            {
                "account_id": "123456789012",
                "region": region,
                "pipeline_name": name,
                "step_name": s,
                "direction": d,
                "uri": u,
                "provenance": "declared",
            }
            for s, d, u in io
        ],
    )
    records.add(
        "sagemaker_model_packages",
        [
            {
                "model_package_arn": f"arn:mp/{name}/1",
                "account_id": "123456789012",
                "region": region,
                "pipeline_name": name,
                "step_name": "Register",
                "model_data_url": f"{base}/model/model.tar.gz",
            }
        ],
    )
    return records


def sql_source(index: int, rng: random.Random, columns: int) -> SourceRecords:
    """A SQL file writing table t<index> from two others, `columns` column edges, a LOCATION."""
    records = SourceRecords(f"sql:bench/f{index}.sql", "sql_file", f"f{index}.sql")
    sources = [f"lake.t{rng.randrange(5000)}", f"lake.t{rng.randrange(5000)}"]
    target = f"lake.t{index}"
    records.add("table_edges", [{"source_table": s, "target_table": target} for s in sources])
    records.add(
        "column_edges",
        [
            {
                "source_table": sources[c % 2],
                "source_column": f"c{c}",
                "target_table": target,
                "target_column": f"c{c}",
                "transform": ("identity", "masking", "aggregate")[c % 3],
            }
            for c in range(columns)
        ],
    )
    records.add(
        "table_locations",
        [{"table_name": target, "location_uri": f"s3://lake/t{index}/", "direction": "location"}],
    )
    return records


def classified(index: int) -> SourceRecords:
    """A raw dataset with an email column."""
    uri = f"s3://lake/t{index}/"
    records = SourceRecords(f"s3_dataset:{uri}", "s3_dataset", uri)
    records.add("s3_datasets", [{"dataset_uri": uri, "schema_version": "v1"}])
    records.add(
        "column_classifications", [{"dataset_uri": uri, "column_path": "c0", "pii_class": "email"}]
    )
    records.history.append(
        Upsert(
            "s3_schema_columns",
            ("dataset_uri", "version", "column_path"),
            [{"dataset_uri": uri, "version": "v1", "column_path": "c0"}],
        )
    )
    return records


def run(quick: bool = False) -> list[Result]:
    """Load, build, walk."""
    pipelines, tables, columns = (500, 500, 100) if quick else (10_000, 5_000, 200)
    name = "graph"
    header(
        name, f"{pipelines:,} pipelines, {tables:,} SQL tables, {tables * columns:,} column edges"
    )
    rng = random.Random(11)
    with (
        tempfile.TemporaryDirectory() as folder,
        LineageStore.open(Path(folder, "g.duckdb")) as store,
    ):
        load_s, _ = timed(lambda: _load(store, rng, pipelines, tables, columns))
        was_reset = reset_peak_rss()
        build_s, build = timed(lambda: build_graph(store))
        peak_memory("graph build", was_reset)
        scan_s = median_time(
            lambda: store.conn.execute(
                "SELECT count(*), count(DISTINCT source_node) FROM lineage_edge_index"
            ).fetchone(),
            5,
        )
        (start,) = store.conn.execute(  # the most-read table: a walk with a real fan-out
            "SELECT source_node FROM lineage_edge_index WHERE starts_with(source_node, 'table:') "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
        walk = "SELECT count(*) FROM downstream(?, 10)"
        walk_s = median_time(lambda: store.conn.execute(walk, [start]).fetchone(), 5)
        (reached,) = store.conn.execute(walk, [start]).fetchone()
        document = snapshot.global_graph(store.conn)
        hash_s = median_time(lambda: snapshot.content_hash(document), 3)
        folder = Path(folder, "graph")
        first_s, saved = timed(lambda: snapshot.save(store, "global", document, folder, None))
        unchanged_s = median_time(
            lambda: snapshot.save(store, "global", document, folder, None), 3, warmup=0
        )
        size = saved.path.stat().st_size
    figure("load through the store", seconds(load_s))
    figure(
        "graph build (stitch + PII)",
        f"{seconds(build_s)}: {len(build.inferred):,} inferred edges, "
        f"{len(build.tags):,} PII tags, {len(build.exposures):,} exposures",
    )
    figure("full scan of lineage_edge_index (reference)", seconds(scan_s))
    figure(f"downstream('{start}', 10)", f"{seconds(walk_s)}, {reached:,} nodes")
    figure("hash of the global snapshot (reference)", f"{seconds(hash_s)}, {size:,} bytes")
    figure("save: file (fsync, rename), then row", seconds(first_s))
    figure("save unchanged: file compared, no row", seconds(unchanged_s))
    return [
        report(Result(name, "downstream walk ÷ full edge scan", walk_s / scan_s, 10.0)),
        report(Result(name, "snapshot save ÷ hashing it", first_s / hash_s, 8.0)),
        report(Result(name, "unchanged snapshot save ÷ hashing it", unchanged_s / hash_s, 4.0)),
    ]


def _load(
    store: LineageStore, rng: random.Random, pipelines: int, tables: int, columns: int
) -> None:
    batch: list[SourceRecords] = []
    for index in range(tables):
        batch.append(sql_source(index, rng, columns))
        if index % 50 == 0:
            batch.append(classified(index))
        if len(batch) >= 200:
            store.replace_sources(batch)
            batch = []
    for index in range(pipelines):
        batch.append(pipeline_source(index, rng))
        if len(batch) >= 200:
            store.replace_sources(batch)
            batch = []
    store.replace_sources(batch)
