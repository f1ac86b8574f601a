"""The typed reads of the SageMaker tables, over hand-written rows in a real store: the crawl
state an incremental crawl starts from, the pipelines of a region, the overview and regions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from lineage_assets.sagemaker.fetch import PipelineState
from lineage_assets.sagemaker.inventory import PIPELINE_KIND, pipeline_source_key
from lineage_assets.sagemaker.reports import Report
from lineage_assets.sagemaker.views import (
    PipelineOverview,
    StoredWarning,
    load_states,
    pipeline_keys,
    pipeline_overview,
    pipeline_regions,
    pipeline_warnings,
    stored_pipeline_keys,
)
from lineage_assets.store import SourceRecords

JOB = "arn:aws:sagemaker:eu-west-1:111122223333:processing-job/prepare"
RUNNING = "arn:aws:sagemaker:eu-west-1:111122223333:training-job/train"
ACCOUNT = "111122223333"


def pipeline(region: str, name: str, digest: str, *executions: tuple[str, str, int]):
    """A pipeline source with executions (arn, status, day of November)."""
    records = SourceRecords(pipeline_source_key(ACCOUNT, region, name), PIPELINE_KIND, name)
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": ACCOUNT,
                "region": region,
                "pipeline_name": name,
                "definition_hash": digest,
            }
        ],
    )
    records.add(
        "sagemaker_executions",
        [
            {
                "execution_arn": arn,
                "status": status,
                "started_at": datetime(2026, 11, day, tzinfo=UTC),
            }
            for arn, status, day in executions
        ],
    )
    return records


def test_load_states_reads_hashes_executions_finished_jobs_and_report_metrics(store):
    records = pipeline("eu-west-1", "Demand", "abc", ("exec/1", "Succeeded", 1))
    records.add(
        "sagemaker_jobs",
        [
            {"job_arn": JOB, "status": "Completed", "description": json.dumps({"A": 1})},
            {"job_arn": RUNNING, "status": "InProgress", "description": json.dumps({"B": 2})},
        ],
    )
    records.add(
        "sagemaker_job_metrics",
        [
            {"job_arn": JOB, "metric_name": "mse", "value": 0.5, "origin": "report:s3://b/e.json"},
            {"job_arn": JOB, "metric_name": "loss", "value": 0.1, "origin": "FinalMetricDataList"},
            {"job_arn": RUNNING, "metric_name": "mse", "value": 9.0, "origin": "report:s3://b/x"},
        ],
    )
    store.replace_source(records)
    store.replace_source(pipeline("us-east-1", "Other", "zzz", ("exec/9", "Executing", 2)))

    states = load_states(store.conn, ACCOUNT, "eu-west-1")

    assert states == {
        f"sagemaker:{ACCOUNT}/eu-west-1/Demand": PipelineState(
            "abc",
            {"exec/1": "Succeeded"},
            {JOB: {"A": 1}},
            {JOB: (Report(JOB, "", "s3://b/e.json", {"mse": 0.5}),)},
        )
    }
    assert load_states(store.conn, ACCOUNT, "ap-south-1") == {}


def test_stored_pipeline_keys_are_the_region_s_pipeline_sources_only(store):
    store.replace_source(pipeline("eu-west-1", "A", "1"))
    store.replace_source(pipeline("eu-west-1", "B", "2"))
    store.replace_source(pipeline("eu-west-10", "C", "3"))
    store.replace_source(
        SourceRecords(f"sagemaker_domains:{ACCOUNT}/eu-west-1", "sagemaker_domains", "x")
    )

    assert sorted(stored_pipeline_keys(store.conn, ACCOUNT, "eu-west-1")) == [
        f"sagemaker:{ACCOUNT}/eu-west-1/A",
        f"sagemaker:{ACCOUNT}/eu-west-1/B",
    ]


def test_overview_names_each_pipeline_with_its_latest_execution_and_regions_by_name(store):
    store.replace_source(
        pipeline("us-east-1", "Demand", "1", ("e/1", "Failed", 1), ("e/2", "Succeeded", 3))
    )
    store.replace_source(pipeline("eu-west-1", "Demand", "1"))

    assert pipeline_overview(store.conn) == [
        PipelineOverview("eu-west-1", "Demand", None, "ok", None),
        PipelineOverview("us-east-1", "Demand", None, "ok", "Succeeded"),
    ]
    assert pipeline_regions(store.conn, "Demand") == ["eu-west-1", "us-east-1"]
    assert pipeline_regions(store.conn, "demand") == []


def test_a_pipeline_stored_without_its_parsed_queries_is_crawled_again(store):
    """Rows written before the store kept parsed query inputs: no hash, so not 'unchanged'."""

    def with_query(name: str, parsed: bool) -> SourceRecords:
        records = pipeline("eu-west-1", name, "abc")
        io = {"region": "eu-west-1", "pipeline_name": name, "step_name": "Prepare"}
        records.add(
            "sagemaker_step_io",
            [{**io, "direction": "input", "provenance": "declared", "query_string": "SELECT 1"}],
        )
        if parsed:
            records.add("sagemaker_step_queries", [{**io, "table_name": None}])
        return records

    store.replace_source(with_query("Old", parsed=False))
    store.replace_source(with_query("New", parsed=True))
    store.replace_source(pipeline("eu-west-1", "NoQuery", "xyz"))

    hashes = {
        key: state.definition_hash
        for key, state in load_states(store.conn, ACCOUNT, "eu-west-1").items()
    }
    assert hashes == {
        f"sagemaker:{ACCOUNT}/eu-west-1/Old": None,
        f"sagemaker:{ACCOUNT}/eu-west-1/New": "abc",
        f"sagemaker:{ACCOUNT}/eu-west-1/NoQuery": "xyz",
    }


def test_pipeline_keys_and_every_pipeline_s_warnings_in_order(store):
    for region, name in (("us-east-1", "B"), ("eu-west-1", "A")):
        records = pipeline(region, name, "1")
        warning = {"region": region, "pipeline_name": name}
        records.add(
            "sagemaker_pipeline_warnings",
            [
                {**warning, "execution_arn": "exec/1", "code": "job_failed", "message": "m1"},
                {**warning, "execution_arn": None, "code": "not_json", "message": "m0"},
            ],
        )
        store.replace_source(records)

    assert pipeline_keys(store.conn) == [
        f"sagemaker:{ACCOUNT}/eu-west-1/A",
        f"sagemaker:{ACCOUNT}/us-east-1/B",
    ]
    assert pipeline_warnings(store.conn) == [
        StoredWarning(f"sagemaker:{ACCOUNT}/eu-west-1/A", None, "not_json", "m0"),
        StoredWarning(f"sagemaker:{ACCOUNT}/eu-west-1/A", "exec/1", "job_failed", "m1"),
        StoredWarning(f"sagemaker:{ACCOUNT}/us-east-1/B", None, "not_json", "m0"),
        StoredWarning(f"sagemaker:{ACCOUNT}/us-east-1/B", "exec/1", "job_failed", "m1"),
    ]
