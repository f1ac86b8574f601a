"""Pipelines crawled by a pool of threads land exactly what a sequential crawl lands: the same
rows, the same report, one failing pipeline among many recorded while the others land."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lineage_assets import aws
from lineage_assets.sagemaker.crawl import CrawlReport, crawl_regions, in_order
from lineage_assets.store import LineageStore
from lineage_dev.emulator import definitions as seeded

MANY_ACCOUNT = "210987654351"  # an emulator account of its own: many small pipelines
MANY = 40
BROKEN, EXPLODING = "Pipeline-07", "Pipeline-23"


def stored(store: LineageStore) -> dict[str, list[tuple]]:
    """Every per-source table's rows, the sources' state and the error rows, without the
    times of the writes (the only thing two crawls may differ in)."""
    found = {
        table: sorted(store.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
        for table in store.catalog.source_tables
    }
    found["sources"] = sorted(
        store.conn.execute(
            "SELECT source_key, source_kind, status, row_count, content_hash, last_error "
            "FROM sources"
        ).fetchall()
    )
    found["crawl_errors"] = sorted(
        store.conn.execute(
            "SELECT source_key, source_kind, error_type, message, location FROM crawl_errors"
        ).fetchall(),
        key=repr,
    )
    return found


def summary(report: CrawlReport) -> tuple:
    return (
        [c.pipeline.source_key for c in report.crawled],
        report.unchanged,
        report.removed,
        report.errors,
    )


def crawl_with(tmp_path: Path, workers: int, account: str, make, regions) -> tuple[dict, tuple]:
    with LineageStore.open(tmp_path / f"workers-{workers}.duckdb") as store:
        report = crawl_regions(store, make, account, regions, reads=store.conn, workers=workers)
        return stored(store), summary(report)


def test_eight_workers_store_what_one_worker_stores(aws_env, tmp_path):
    one, one_report = crawl_with(tmp_path, 1, aws_env.account_id, aws.client, aws_env.regions)
    eight, eight_report = crawl_with(tmp_path, 8, aws_env.account_id, aws.client, aws_env.regions)
    assert one_report == eight_report and len(one_report[0]) == len(aws_env.pipelines)
    assert sum(map(len, one.values())) > 100
    assert one == eight


@pytest.fixture
def many(aws_env, monkeypatch) -> str:
    """An account holding MANY pipelines in us-east-1 (made once per emulator)."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", MANY_ACCOUNT)
    sagemaker = aws.client("sagemaker", "us-east-1")
    listed = {
        p["PipelineName"] for p in sagemaker.list_pipelines(MaxResults=100)["PipelineSummaries"]
    }
    for index in range(MANY):
        name = f"Pipeline-{index:02d}"
        if name in listed:
            continue
        step = {
            "Name": "Prepare",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [
                    {"InputName": "in", "S3Input": {"S3Uri": f"s3://many/in/{index}/"}}
                ],
                "ProcessingOutputConfig": {
                    "Outputs": [{"OutputName": "out", "S3Output": {"S3Uri": f"s3://many/{index}"}}]
                },
            },
        }
        sagemaker.create_pipeline(
            PipelineName=name,
            PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": [step]}),
            RoleArn=seeded.ROLE_ARN,
        )
    return MANY_ACCOUNT


def failing_client(service: str, region: str):
    """The emulator's client, except that DescribePipeline of BROKEN is denied and the
    executions of EXPLODING cannot be listed (a failure that is no AWS answer)."""
    client = aws.client(service, region)

    def deny(params, **_):
        if params.get("PipelineName") == BROKEN:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "Describe")

    def explode(params, **_):
        if params.get("PipelineName") == EXPLODING:
            raise RuntimeError("injected")

    client.meta.events.register("provide-client-params.sagemaker.DescribePipeline", deny)
    client.meta.events.register("provide-client-params.sagemaker.ListPipelineExecutions", explode)
    return client


def test_one_failing_pipeline_among_many_is_recorded_and_the_rest_land(many, tmp_path):
    eight, report = crawl_with(tmp_path, 8, many, failing_client, ["us-east-1"])
    crawled, _, _, errors = report
    keys = [f"sagemaker:{many}/us-east-1/Pipeline-{i:02d}" for i in range(MANY)]
    failed = {f"sagemaker:{many}/us-east-1/{name}" for name in (BROKEN, EXPLODING)}
    assert sorted(crawled) == [key for key in keys if key not in failed]
    assert sorted(line.split(": ")[0] for line in errors) == sorted(failed)
    statuses = {
        key: status for key, kind, status, *_ in eight["sources"] if kind != "sagemaker_domains"
    }
    assert statuses == {key: "failed" if key in failed else "ok" for key in keys}
    one, one_report = crawl_with(tmp_path, 1, many, failing_client, ["us-east-1"])
    assert (one, one_report) == (eight, report)


def test_in_order_keeps_the_items_order_whatever_finishes_first():
    import threading

    item_one_done = threading.Event()

    def first_finishes_last(item: int) -> int:
        """Item 0 finishes only once item 1 has: the results arrive out of order."""
        if item == 0:
            assert item_one_done.wait(timeout=60)
        if item == 1:
            item_one_done.set()
        return item * 2

    assert list(in_order(first_finishes_last, range(50), 4)) == [i * 2 for i in range(50)]
    assert list(in_order(lambda item: item * 2, range(5), 1)) == [0, 2, 4, 6, 8]
    assert list(in_order(first_finishes_last, [], 8)) == []
