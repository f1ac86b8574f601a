"""OpenLineage export of a synthetic store (pipelines with executions, SQL statements with
column edges): events per second through the client's file transport (with the incremental
cursor), against building the same events and their JSON without the client, and against
building the global graph snapshot, in one run."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openlineage.client.serde import Serde

from benchmarks.bench_graph import pipeline_source
from benchmarks.harness import Result, figure, header, report, seconds, timed
from lineage_assets.graph import snapshot
from lineage_assets.graph.build import build_graph
from lineage_assets.openlineage import emit
from lineage_assets.openlineage.events import build_events
from lineage_assets.openlineage.naming import Naming
from lineage_assets.store import LineageStore, SourceRecords

COLUMNS = 12
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def statement_source(index: int, rng: random.Random) -> SourceRecords:
    """A SQL file with one CTAS writing t<index> from two tables, with column edges."""
    path = f"models/f{index}.sql"
    records = SourceRecords(f"sql:bench/{path}", "sql_file", path)
    sources = [f"lake.t{rng.randrange(10_000)}", f"lake.t{rng.randrange(10_000)}"]
    target = f"lake.t{index}"
    records.add(
        "sql_files",
        [
            {
                "repo": "https://git.example.com/acme/sql.git",
                "path": path,
                "dialect": "athena",
                "commit_sha": f"{index:040x}",
                "commit_time": T0 + timedelta(minutes=index),
                "statement_count": 1,
                "error_count": 0,
            }
        ],
    )
    records.add(
        "sql_statements",
        [
            {
                "statement_index": 0,
                "kind": "CREATE TABLE AS",
                "start_line": 1,
                "end_line": 9,
                "targets": [target],
                "sources": sources,
                "sql_text": " ".join(("CREATE TABLE", target, "AS SELECT * FROM", *sources)),
            }
        ],
    )
    records.add(
        "column_edges",
        [
            {
                "statement_index": 0,
                "source_table": sources[c % 2],
                "source_column": f"c{c}",
                "target_table": target,
                "target_column": f"c{c}",
                "transform": ("identity", "masking", "aggregate")[c % 3],
            }
            for c in range(COLUMNS)
        ],
    )
    return records


def execution_rows(records: SourceRecords, index: int) -> SourceRecords:
    """One execution of the bench pipeline, so its steps are runs, not only definitions."""
    arn = f"arn:aws:sagemaker:us-east-1:1:pipeline/p{index}/execution/e{index}"
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": "1",
                "region": "us-east-1",
                "pipeline_name": f"p{index}",
                "tags": {"team": "bench"},
            }
        ],
    )
    records.add(
        "sagemaker_step_runs",
        [
            {"execution_arn": arn, "step_name": step, "status": "Succeeded", "started_at": T0}
            for step in ("Prep", "Train", "Eval", "Register")
        ],
    )
    records.add(
        "sagemaker_executions",
        [
            {
                "pipeline_arn": f"arn:aws:sagemaker:us-east-1:1:pipeline/p{index}",
                "execution_arn": arn,
                "status": "Succeeded",
                "started_at": T0,
            }
        ],
    )
    return records


def run(quick: bool = False) -> list[Result]:
    pipelines, statements = (100, 1_000) if quick else (1_000, 10_000)
    name = "openlineage"
    header(name, f"{pipelines:,} pipelines (one execution each), {statements:,} SQL statements")
    rng = random.Random(17)
    with (
        tempfile.TemporaryDirectory() as folder,
        LineageStore.open(Path(folder, "o.duckdb")) as store,
    ):
        batch = [statement_source(i, rng) for i in range(statements)]
        batch += [execution_rows(pipeline_source(i, rng), i) for i in range(pipelines)]
        for start in range(0, len(batch), 500):
            store.replace_sources(batch[start : start + 500])
        build_graph(store)
        graph_s, _ = timed(lambda: snapshot.global_graph(store.conn))
        build_s, events = timed(lambda: list(build_events(store.conn, Naming())))
        json_s, _ = timed(
            lambda: [Serde.to_json(e.event) for e in build_events(store.conn, Naming())]
        )
        client = emit.client_for(to=Path(folder, "events"))
        export_s, sent = timed(
            lambda: emit.export(build_events(store.conn, Naming()), client, Path(folder, "c.json"))
        )
        again_s, unchanged = timed(
            lambda: emit.export(
                build_events(store.conn, Naming()),
                emit.client_for(to=Path(folder, "events")),
                Path(folder, "c.json"),
            )
        )
    figure("global snapshot build (reference)", seconds(graph_s))
    figure("build events (no JSON, no client)", f"{seconds(build_s)}, {len(events):,} events")
    figure("build events + their JSON, no client (reference)", seconds(json_s))
    figure(
        "export: build + file transport + cursor",
        f"{seconds(export_s)}, {sent.sent / export_s:,.0f} events/s, {len(sent.datasets):,} "
        f"datasets, {sent.column_edges:,} column edges",
    )
    figure("incremental re-export (nothing changed)", f"{seconds(again_s)}, {unchanged.sent} sent")
    return [
        report(Result(name, "export ÷ building its events' JSON", export_s / json_s, 2.0)),
        report(Result(name, "export ÷ global snapshot build", export_s / graph_s, None)),
        report(Result(name, "unchanged re-export ÷ export", again_s / export_s, 1.0)),
    ]
