"""The SageMaker crawl against the seeded emulator, written to a real DuckDB store: executions,
cache hits, failures, jobs, model packages, feature groups, incremental call counts, and
injected throttling / AccessDenied (moto enforces neither, so botocore hooks inject them)."""

from __future__ import annotations

import json
from collections import Counter

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from lineage_assets import aws
from lineage_assets.sagemaker.crawl import crawl_one, crawl_region, crawl_regions
from lineage_assets.sagemaker.fetch import CrawlCache
from lineage_assets.sagemaker.inventory import list_pipeline_summaries
from lineage_dev.emulator import definitions as seeded
from lineage_dev.emulator.definitions import ACCOUNT_ID

ABALONE_KEY = "sagemaker:123456789012/us-east-1/AbalonePipeline"


def counting_client(calls: Counter):
    """A client factory whose SageMaker and S3 clients count every API call by operation."""

    def make(service: str, region: str):
        client = aws.client(service, region)

        def count(model, params, **_):
            calls[(model.name, params.get("PipelineName"))] += 1

        client.meta.events.register(f"before-parameter-build.{service}.*", count)
        return client

    return make


def rows(store, sql, *params):
    return store.conn.execute(sql, list(params)).fetchall()


def test_full_crawl_stores_executions_steps_jobs_models_and_features(aws_env, store):
    report = crawl_regions(store, aws.client, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    assert report.errors == [] and len(report.crawled) == len(aws_env.pipelines)
    first, second = aws_env.executions_of(seeded.ABALONE_PIPELINE)
    executions = dict(
        rows(
            store,
            "SELECT execution_arn, status FROM sagemaker_executions WHERE source_key = ?",
            ABALONE_KEY,
        )
    )
    assert executions == {first.arn: first.status, second.arn: second.status}
    runs = {
        name: (status, cache, reason)
        for name, status, cache, reason in rows(
            store,
            "SELECT step_name, status, cache_source_execution_arn, failure_reason "
            "FROM sagemaker_step_runs WHERE execution_arn = ?",
            second.arn,
        )
    }
    assert set(runs) == set(second.step_names)
    assert runs["AbaloneProcess"][1] == first.arn and runs["AbaloneTrain"][1] == first.arn
    assert (
        runs[second.failed_step][0] == "Failed"
        and "could not convert" in runs[second.failed_step][2]
    )
    assert rows(
        store,
        "SELECT condition_outcome FROM sagemaker_step_runs WHERE step_name = 'AbaloneMSECond'",
    ) == [("True",), ("True",)]
    overrides = dict(
        rows(
            store,
            "SELECT name, is_override FROM sagemaker_execution_parameters WHERE execution_arn = ?",
            second.arn,
        )
    )
    assert overrides["BatchData"] is True and overrides["ProcessingInstanceCount"] is False
    metrics = dict(
        rows(
            store,
            "SELECT m.metric_name, m.value FROM sagemaker_job_metrics m JOIN sagemaker_jobs j "
            "USING (source_key, job_arn) WHERE j.step_name = 'AbaloneTrain'",
        )
    )
    assert metrics == {"train:mse": 3.87, "validation:mse": 4.21}  # seeded in seed.py
    packages = rows(
        store,
        "SELECT approval_status, step_name, execution_arn FROM sagemaker_model_packages "
        "WHERE source_key = ? ORDER BY version",
        ABALONE_KEY,
    )
    assert packages == [
        ("PendingManualApproval", "AbaloneRegisterModel-RegisterModel", first.arn),
        ("Approved", "AbaloneRegisterModel-RegisterModel", second.arn),
    ]
    registers = rows(store, "SELECT count(*) FROM lineage_edges WHERE edge_kind = 'registers'")
    assert registers == [(3,)]


def test_cached_outputs_belong_to_the_source_execution(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    first, second = aws_env.executions_of(seeded.ABALONE_PIPELINE)
    owners = rows(
        store,
        "SELECT DISTINCT execution_arn FROM sagemaker_step_io WHERE provenance = 'observed' "
        "AND step_name = 'AbaloneProcess'",
    )
    assert owners == [(first.arn,)]
    # the second run's Transform read its own batch and wrote under its own execution id
    transform = dict(
        rows(
            store,
            "SELECT direction, uri FROM sagemaker_step_io WHERE execution_arn = ? "
            "AND step_name = 'AbaloneTransform'",
            second.arn,
        )
    )
    assert transform["input"] == second.parameters["BatchData"]
    assert second.execution_id in transform["output"]
    # the Train model artifact read by Eval is the training job's real ModelArtifacts
    trained = rows(
        store,
        "SELECT uri FROM sagemaker_step_io WHERE step_name = 'AbaloneEval' AND channel = 'input-1' "
        "AND provenance = 'observed'",
    )
    assert trained[0][0].endswith("/output/model.tar.gz") and trained[0][0] in aws_env.objects


def test_never_run_pipeline_has_declared_lineage(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    key = "sagemaker:123456789012/us-east-1/FraudModelTuning"
    steps = rows(
        store, "SELECT step_name, step_type FROM sagemaker_steps WHERE source_key = ?", key
    )
    assert sorted(steps) == [("FraudFeatureEngineering", "Processing"), ("FraudTuning", "Tuning")]
    edge = rows(
        store,
        "SELECT count(*) FROM lineage_edges WHERE source_node = ? AND target_node = ?",
        f"data:{seeded.ORDERS_PREFIX}",
        "step:123456789012/us-east-1/FraudModelTuning/FraudTuning",
    )
    assert edge == [(1,)]
    assert rows(store, "SELECT count(*) FROM sagemaker_executions WHERE source_key = ?", key) == [
        (0,)
    ]


def test_feature_group_is_linked_by_its_offline_store_uri(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    groups = rows(
        store,
        "SELECT source_key, resolved_offline_uri, kms_key_id, online_store_enabled, "
        "record_identifier FROM feature_groups",
    )
    assert groups == [
        (
            "sagemaker:123456789012/us-east-1/CustomerChurnFeatures",
            aws_env.feature_group_offline_uri,
            seeded.FEATURE_KMS_KEY,
            True,
            "customer_id",
        )
    ]
    writer = rows(
        store,
        "SELECT step_name FROM sagemaker_step_io WHERE uri = ? AND direction = 'output' "
        "AND provenance = 'declared'",
        aws_env.feature_group_offline_uri,
    )
    assert writer == [("PrepareCustomerFeatures",)]
    assert rows(store, "SELECT count(*) FROM features")[0][0] > 3


def test_unchanged_pipelines_cost_two_calls_on_recrawl(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    calls: Counter = Counter()
    report = crawl_regions(
        store, counting_client(calls), ACCOUNT_ID, aws_env.regions, reads=store.conn
    )
    assert report.crawled == [] and len(report.unchanged) == len(aws_env.pipelines)
    for name in aws_env.pipelines:
        per_pipeline = {op for (op, pipeline) in calls if pipeline == name}
        assert per_pipeline == {"DescribePipeline", "ListPipelineExecutions"}
        assert sum(n for (op, pipeline), n in calls.items() if pipeline == name) == 2
    assert not any(op.startswith("Describe") and op.endswith("Job") for op, _ in calls)


def test_a_changed_pipeline_reuses_stored_job_descriptions(aws_env, store):
    crawl_regions(store, aws.client, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    # forget one execution: the pipeline now looks changed, but its finished jobs are stored
    first, _ = aws_env.executions_of(seeded.ABALONE_PIPELINE)
    store.conn.execute("DELETE FROM sagemaker_executions WHERE execution_arn = ?", [first.arn])
    calls: Counter = Counter()
    report = crawl_regions(
        store, counting_client(calls), ACCOUNT_ID, ["us-east-1"], reads=store.conn
    )
    assert [c.pipeline.name for c in report.crawled] == [seeded.ABALONE_PIPELINE]
    assert not any(op.startswith("Describe") and op.endswith("Job") for op, _ in calls)
    assert not any(op == "GetObject" for op, _ in calls)  # the stored report metrics are reused
    kept = rows(store, "SELECT count(*) FROM sagemaker_job_metrics WHERE origin LIKE 'report:%'")
    assert kept == [(2,)]
    jobs = rows(store, "SELECT count(*) FROM sagemaker_jobs WHERE source_key = ?", ABALONE_KEY)
    assert jobs == [(5,)]  # run 1: process, train, eval, transform; run 2: its own transform


def test_one_crawl_describes_each_job_once(aws_env, store):
    calls: Counter = Counter()
    crawl_regions(store, counting_client(calls), ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    jobs = rows(store, "SELECT count(DISTINCT job_arn) FROM sagemaker_jobs")[0][0]
    described = sum(n for (op, _), n in calls.items() if op.endswith("Job"))
    assert described == jobs  # cache hits point at the first run's jobs: no second describe


class _Raw:
    """The raw body of an injected HTTP response."""

    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def test_throttling_is_retried_and_the_crawl_completes(aws_env, store):
    # moto never throttles: a before-send hook answers the last pipeline's ListTags call with
    # HTTP 400 ThrottlingException, which botocore's adaptive retries must absorb (the last
    # call, because after a throttle the adaptive limiter slows every later call).
    throttled = Counter()

    def throttle(request, **_):
        if throttled["n"] < 1 and seeded.FRAUD_PIPELINE.encode() in (request.body or b""):
            throttled["n"] += 1
            body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
            return AWSResponse(request.url, 400, {}, _Raw(body.encode()))
        return None

    def make(service, region):
        client = aws.client(service, region)
        client.meta.events.register("before-send.sagemaker.ListTags", throttle)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    assert throttled["n"] == 1 and report.errors == []
    assert len(report.crawled) == 3


def test_access_denied_on_one_pipeline_lets_the_others_land(aws_env, store):
    crawl_regions(
        store, aws.client, ACCOUNT_ID, ["us-east-1"], reads=store.conn
    )  # a good crawl first: rows to keep

    def deny(params, **_):  # injected: moto enforces no IAM
        if params.get("PipelineName") == seeded.CHURN_PIPELINE:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribePipeline"
            )

    def make(service, region):
        client = aws.client(service, region)
        client.meta.events.register("before-parameter-build.sagemaker.DescribePipeline", deny)
        return client

    store.conn.execute("DELETE FROM sagemaker_executions")  # force a real re-crawl of all
    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    assert len(report.errors) == 1 and "AccessDeniedException" in report.errors[0]
    assert [c.pipeline.name for c in report.crawled] == [seeded.ABALONE_PIPELINE]
    assert report.unchanged == ["sagemaker:123456789012/us-east-1/FraudModelTuning"]  # never ran
    status = dict(
        rows(
            store, "SELECT source_key, status FROM sources WHERE source_kind = 'sagemaker_pipeline'"
        )
    )
    assert status["sagemaker:123456789012/us-east-1/CustomerChurnFeatures"] == "stale"
    kept = rows(
        store,
        "SELECT count(*) FROM sagemaker_steps WHERE source_key = ?",
        "sagemaker:123456789012/us-east-1/CustomerChurnFeatures",
    )
    assert kept[0][0] == 3  # last good rows kept


def test_a_failing_region_is_recorded_and_the_next_one_completes(aws_env, store):
    def make(service, region):
        client = aws.client(service, region)
        if region == "us-east-1":  # injected: the whole region's listing is denied

            def deny(**_):
                raise ClientError(
                    {"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListDomains"
                )

            client.meta.events.register("before-call.sagemaker.ListDomains", deny)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    assert report.errors[0].startswith("sagemaker_region:123456789012/us-east-1")
    assert [c.pipeline.name for c in report.crawled] == [seeded.EU_PIPELINE]


def test_a_pipeline_deleted_mid_crawl_is_removed(aws_env, store):
    sagemaker = aws.client("sagemaker", "us-east-1")
    crawl_region(store, sagemaker, ACCOUNT_ID, "us-east-1", reads=store.conn)
    summary = dict(list_pipeline_summaries(sagemaker)[0], PipelineName="GonePipeline")
    store.conn.execute(
        "INSERT INTO sources (source_key, source_kind, status) "
        "VALUES (?, 'sagemaker_pipeline', 'ok')",
        ["sagemaker:123456789012/us-east-1/GonePipeline"],
    )
    report = crawl_one(
        store, sagemaker, ACCOUNT_ID, "us-east-1", summary, [], cache=CrawlCache(), reads=store.conn
    )
    assert (
        report.removed == ["sagemaker:123456789012/us-east-1/GonePipeline"] and report.errors == []
    )
    assert rows(
        store,
        "SELECT count(*) FROM sources WHERE source_key = ?",
        "sagemaker:123456789012/us-east-1/GonePipeline",
    ) == [(0,)]


def test_evaluation_report_metrics_are_read_once_per_job(aws_env, store):
    gets: Counter = Counter()

    def make(service, region):
        client = aws.client(service, region)
        if service == "s3":
            client.meta.events.register(
                "before-parameter-build.s3.GetObject",
                lambda params, **_: gets.update([params["Key"]]),
            )
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    assert report.errors == []
    metrics = rows(
        store,
        "SELECT m.metric_name, m.value, m.origin FROM sagemaker_job_metrics m "
        "JOIN sagemaker_jobs j USING (source_key, job_arn) WHERE j.step_name = 'AbaloneEval'",
    )
    values = {name: value for name, value, _ in metrics}
    assert values == {  # ds.evaluation_report(mse=4.2, standard_deviation=2.3) in seed.py
        "regression_metrics.mse.value": 4.2,
        "regression_metrics.mse.standard_deviation": 2.3,
    }
    origin = metrics[0][2]
    assert origin.startswith("report:s3://") and origin.endswith("/evaluation.json")
    # the second run's AbaloneEval was a cache hit on the first run's job: one read in all
    assert list(gets.values()) == [1]


def test_an_unreadable_report_is_a_warning_not_a_failure(aws_env, store):
    def make(service, region):
        client = aws.client(service, region)
        if service == "s3":  # injected: moto enforces no IAM

            def deny(**_):
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetObject")

            client.meta.events.register("before-parameter-build.s3.GetObject", deny)
        return client

    report = crawl_regions(store, make, ACCOUNT_ID, ["us-east-1"], reads=store.conn)
    assert report.errors == [] and len(report.crawled) == 3
    abalone = next(c for c in report.crawled if c.pipeline.name == seeded.ABALONE_PIPELINE)
    assert any(
        w.code == "report_unreadable"
        and "AccessDenied" in w.message
        and "evaluation.json" in w.message
        for w in abalone.warnings
    )
    stored = rows(
        store,
        "SELECT code, execution_arn FROM sagemaker_pipeline_warnings WHERE source_key = ?",
        ABALONE_KEY,
    )
    runs = {run.arn for run in aws_env.executions_of(seeded.ABALONE_PIPELINE)}
    assert any(code == "report_unreadable" and arn in runs for code, arn in stored)


def test_filters_by_name_and_studio_domain(aws_env, store):
    sagemaker = aws.client("sagemaker", "us-east-1")
    by_domain = crawl_region(
        store, sagemaker, ACCOUNT_ID, "us-east-1", domain="ML-Platform", reads=store.conn
    )
    assert {c.pipeline.name for c in by_domain.crawled} == {
        seeded.ABALONE_PIPELINE,
        seeded.CHURN_PIPELINE,
    }
    assert {c.pipeline.domain.domain_id for c in by_domain.crawled} == {aws_env.domain_id}
    by_name = crawl_region(
        store, sagemaker, ACCOUNT_ID, "us-east-1", names=[seeded.FRAUD_PIPELINE], reads=store.conn
    )
    assert [c.pipeline.name for c in by_name.crawled] == [seeded.FRAUD_PIPELINE]


def test_secret_looking_values_never_reach_step_rows():
    from lineage_assets.sagemaker.inventory import Pipeline
    from lineage_assets.sagemaker.records import _step_rows
    from lineage_assets.sagemaker.resolver import resolve_definition

    definition = {
        "Steps": [
            {
                "Name": "P",
                "Type": "Processing",
                "Arguments": {
                    "Environment": {"DB_PASSWORD": "hunter2", "API_KEY": "k-123", "MODE": "full"},
                    "ProcessingInputs": [],
                },
            }
        ]
    }
    pipeline = Pipeline("1", "us-east-1", "X", "arn:aws:sagemaker:us-east-1:1:pipeline/x", "{}")
    (row,) = _step_rows(pipeline, "h", resolve_definition(definition))
    assert row["arguments"]["Environment"] == {
        "DB_PASSWORD": "***",
        "API_KEY": "***",
        "MODE": "full",
    }
    assert "hunter2" not in json.dumps(row, default=str)


def test_an_s3_client_is_made_only_where_a_report_is_read(aws_env, store):
    asked: Counter = Counter()

    def make(service, region):
        asked[(service, region)] += 1
        return aws.client(service, region)

    report = crawl_regions(store, make, ACCOUNT_ID, aws_env.regions, reads=store.conn)
    assert report.errors == []
    read = rows(
        store,
        "SELECT DISTINCT split_part(j.source_key, '/', 2) FROM sagemaker_job_metrics m "
        "JOIN sagemaker_jobs j USING (source_key, job_arn) WHERE m.origin LIKE 'report:%'",
    )
    with_reports = {region for (region,) in read}
    assert with_reports and with_reports != set(aws_env.regions)  # both kinds of region seeded
    assert {region for service, region in asked if service == "s3"} == with_reports
    assert all(n == 1 for n in asked.values())  # one client per service and region
