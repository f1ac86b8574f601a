"""The read-only API on a store of 1,000 pipelines: `/lineage` latency (p50, p95) against a
plain DuckDB read of the same rows in the same run, and the viewer's load time for a 200-step
pipeline in headless chromium against fetching the same JSON in that page."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from benchmarks.harness import Result, figure, header, note, percentile, report, seconds
from lineage_assets.api.app import create_app
from lineage_assets.store import LineageStore, SourceRecords, Upsert, connect_published

REGION = "us-east-1"
CHROMIUM = "/usr/bin/chromium"


def definition(name: str, steps: int) -> str:
    """A chain of Processing steps, each reading the previous step's output."""
    items = []
    for i in range(steps):
        source = f"s3://lake/{name}/raw/" if i == 0 else f"s3://art/{name}/s{i - 1}/out/"
        item = {
            "Name": f"Step{i:03d}",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [{"InputName": "in", "S3Input": {"S3Uri": source}}],
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {"OutputName": "out", "S3Output": {"S3Uri": f"s3://art/{name}/s{i}/out/"}}
                    ]
                },
            },
        }
        if i:
            item["DependsOn"] = [f"Step{i - 1:03d}"]
        items.append(item)
    return json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": items})


def pipeline_source(name: str, steps: int, rng: random.Random) -> SourceRecords:
    """One crawled pipeline: its row, its definition (history), one execution and its runs."""
    key, arn = f"sagemaker:1/{REGION}/{name}", f"arn:aws:sagemaker:{REGION}:1:pipeline/{name}"
    digest = f"{rng.getrandbits(64):016x}"
    started = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(10_000))
    execution = f"{arn}/execution/{name.lower()}"
    records = SourceRecords(key, "sagemaker_pipeline", name)
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": "1",
                "region": REGION,
                "pipeline_name": name,
                "pipeline_arn": arn,
                "definition_hash": digest,
                "last_modified_at": started,
            }
        ],
    )
    records.add(
        "sagemaker_executions",
        [
            {
                "pipeline_arn": arn,
                "execution_arn": execution,
                "execution_id": name.lower(),
                "status": "Succeeded",
                "started_at": started,
                "definition_hash": digest,
            }
        ],
    )
    records.add(
        "sagemaker_step_runs",
        [
            {
                "execution_arn": execution,
                "step_name": f"Step{i:03d}",
                "step_type": "Processing",
                "status": "Failed" if i == steps - 1 and rng.random() < 0.1 else "Succeeded",
                "started_at": started + timedelta(minutes=i),
                "ended_at": started + timedelta(minutes=i + 1),
            }
            for i in range(steps)
        ],
    )
    records.history.append(
        Upsert(
            "sagemaker_pipeline_versions",
            ("pipeline_arn", "definition_hash"),
            [
                {
                    "pipeline_arn": arn,
                    "definition_hash": digest,
                    "definition": definition(name, steps),
                    "first_seen_at": started,
                    "last_seen_at": started,
                }
            ],
        )
    )
    return records


def build_store(folder: Path, pipelines: int, big_steps: int) -> Path:
    """A published store with `pipelines` 6-step pipelines and one `big_steps`-step one."""
    rng = random.Random(7)
    with LineageStore.open(folder / "l.duckdb", folder / "l_published.duckdb") as store:
        batch = [pipeline_source(f"P{i:04d}", 6, rng) for i in range(pipelines)]
        batch.append(pipeline_source("Big", big_steps, rng))
        for start in range(0, len(batch), 200):
            store.replace_sources(batch[start : start + 200])
        return store.publish()


REFERENCE_SQL = (
    "SELECT p.pipeline_arn, v.definition, r.step_name, r.status, r.started_at, r.ended_at "
    "FROM sagemaker_pipelines p JOIN sagemaker_pipeline_versions v USING (pipeline_arn) "
    "JOIN sagemaker_executions e ON e.source_key = p.source_key "
    "LEFT JOIN sagemaker_step_runs r ON r.execution_arn = e.execution_arn "
    "WHERE p.pipeline_name = ? AND v.definition_hash = e.definition_hash"
)


def reference_read(conn: duckdb.DuckDBPyConnection, name: str) -> int:
    """What a hand-written endpoint would do: fetch the same rows through its own cursor."""
    with conn.cursor() as cursor:
        return len(cursor.execute(REFERENCE_SQL, [name]).fetchall())


def api_latency(published: Path, names: list[str]) -> tuple[list[float], list[float]]:
    client = TestClient(create_app(published))
    client.get("/health")
    conn = connect_published(published)
    api, ref = [], []
    for name in names:
        start = time.perf_counter()
        response = client.get(
            "/lineage", params={"pipeline": name, "includeLatestExec": "true", "view": "both"}
        )
        api.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
        start = time.perf_counter()
        reference_read(conn, name)
        ref.append(time.perf_counter() - start)
    return api, ref


def viewer_load(published: Path, repeat: int) -> tuple[list[float], list[float]] | None:
    """Seconds until the 200-step graph is drawn, and until the page has merely fetched and
    parsed the same JSON (reference), in one chromium."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        note(f"{CHROMIUM} missing: viewer load not measured")
        return None
    import socket
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright

    from lineage_assets.api.app import bounded_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(bounded_app(published), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    draws, fetches = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for _ in range(repeat):
                start = time.perf_counter()
                page.goto(f"{base}/?pipeline=Big&region={REGION}")
                page.wait_for_selector("body[data-rendered='both']", timeout=120_000)
                draws.append(time.perf_counter() - start)
                fetches.append(
                    page.evaluate(
                        """async () => { const t = performance.now();
                        const q = 'pipeline=Big&view=both&includeLatestExec=true';
                        const r = await fetch("lineage?" + q);
                        await r.json(); return (performance.now() - t) / 1000; }"""
                    )
                )
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return draws, fetches


def run(quick: bool = False) -> list[Result]:
    pipelines, requests, big = (100, 40, 200) if quick else (1000, 200, 200)
    name = "api"
    header(name, f"/lineage on {pipelines:,} pipelines; viewer on a {big}-step pipeline")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        published = build_store(Path(folder), pipelines, big)
        rng = random.Random(3)
        names = [f"P{rng.randrange(pipelines):04d}" for _ in range(requests)]
        api, ref = api_latency(published, names)
        figure(
            "/lineage p50 / p95",
            f"{seconds(percentile(api, 0.5))} / {seconds(percentile(api, 0.95))}",
        )
        figure(
            "plain DuckDB read of the same rows p50 / p95 (reference)",
            f"{seconds(percentile(ref, 0.5))} / {seconds(percentile(ref, 0.95))}",
        )
        results.append(
            report(
                Result(
                    name,
                    "/lineage p50 ÷ plain read p50",
                    percentile(api, 0.5) / percentile(ref, 0.5),
                    20.0,
                )
            )
        )
        results.append(
            report(
                Result(
                    name,
                    "/lineage p95 ÷ plain read p95",
                    percentile(api, 0.95) / percentile(ref, 0.95),
                    20.0,
                )
            )
        )
        loads = viewer_load(published, 2 if quick else 5)
        if loads is not None:
            draws, fetches = loads
            draw, fetch = percentile(draws, 0.5), percentile(fetches, 0.5)
            figure(f"viewer: page load to {big}-step graph drawn (median)", seconds(draw))
            figure("viewer: fetch + parse of the same JSON in the page (reference)", seconds(fetch))
            results.append(
                report(Result(name, "viewer draw ÷ JSON fetch (200 steps)", draw / fetch, 50.0))
            )
    return results
