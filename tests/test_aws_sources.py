"""The account-wide AWS sources against the seeded emulator: bucket posture and the SageMaker
inventory, as library calls and as Dagster assets writing a real DuckDB store."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from botocore.exceptions import ClientError

from dagster_project.definitions import defs
from dagster_project.defs.s3.assets import s3_bucket_posture
from dagster_project.defs.sagemaker.assets import sagemaker_crawl
from dagster_project.defs.store.assets import crawl_run, lineage_store_health
from dagster_project.defs.store.checks import no_stale_sources
from dagster_project.resources import AwsResource, LineageStoreResource
from lineage_assets import aws, config
from lineage_assets.s3_schema import posture as s3_posture
from lineage_assets.sagemaker import inventory
from lineage_assets.store import LineageStore
from lineage_dev.demo_repo import build_demo_remote
from lineage_dev.emulator.definitions import ACCOUNT_ID

PROJECT = Path(__file__).resolve().parents[1]


def test_bucket_posture_tells_good_from_bad_buckets(aws_env):
    s3 = aws.client("s3")
    buckets = s3_posture.list_buckets(s3)
    assert set(buckets) == set(aws_env.buckets)
    raw = s3_posture.bucket_posture(s3, "acme-raw-landing")
    curated = s3_posture.bucket_posture(s3, "acme-curated-lake")
    assert (raw.encryption, raw.public_access, raw.versioning) == ("none", "none", "Disabled")
    assert (curated.encryption, curated.public_access, curated.versioning) == (
        "aws:kms",
        "blocked",
        "Enabled",
    )
    assert curated.kms_key_id and curated.kms_key_id.startswith("arn:aws:kms:")
    assert curated.tags and not raw.tags
    assert raw.errors == {} and curated.errors == {}
    assert s3_posture.bucket_posture(s3, "acme-eu-analytics").region == "eu-west-1"


def test_a_denied_posture_call_is_recorded_not_fatal(aws_env):
    # moto enforces no IAM here, so AccessDenied is injected on one operation with a botocore
    # hook; the other four calls still go to the emulator.
    s3 = aws.client("s3")

    def deny(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "denied"}}, "GetBucketTagging"
        )

    s3.meta.events.register("before-call.s3.GetBucketEncryption", deny)
    posture = s3_posture.bucket_posture(s3, "acme-curated-lake")
    assert posture.encryption == "unknown"
    assert (
        posture.errors.keys() == {"encryption"} and "AccessDenied" in posture.errors["encryption"]
    )
    assert (posture.public_access, posture.versioning) == ("blocked", "Enabled")


def test_inventory_lists_every_pipeline_with_its_domain(aws_env):
    found = {}
    for region in aws_env.regions:
        sagemaker = aws.client("sagemaker", region)
        domains = inventory.list_domains(sagemaker, ACCOUNT_ID, region)
        for summary in inventory.list_pipeline_summaries(sagemaker):
            tags = inventory.list_tags(sagemaker, summary["PipelineArn"])
            found[summary["PipelineName"]] = (
                region,
                inventory.match_domain(tags, domains),
            )
    assert {name: region for name, (region, _) in found.items()} == dict(aws_env.pipelines)
    tied = {name for name, (_, domain) in found.items() if domain is not None}
    assert len(tied) == 2 and all(found[n][1].domain_id == aws_env.domain_id for n in tied)
    assert inventory.definition_hash('{"a": 1, "b": [2]}') == (
        inventory.definition_hash('{\n  "b": [2],\n  "a": 1\n}')
    )


def test_domain_matching_by_id_name_and_studio_arn_tag():
    domains = [inventory.Domain("1", "r", "d-abc", "ML-Platform", "arn:…:domain/d-abc")]
    match = inventory.match_domain
    assert match({"DomainId": "d-abc"}, domains) is domains[0]
    assert match({"DomainName": "ml-platform"}, domains) is domains[0]
    assert match({"sagemaker:domain-arn": "arn:aws:sagemaker:r:1:domain/d-abc"}, domains)
    assert match({"DomainName": "other"}, domains) is None
    assert match({}, domains) is None


def store_rows(home, sql: str) -> list[tuple]:
    con = duckdb.connect(str(config.published_path(home)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def materialize(home, regions: str) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [
                crawl_run,
                s3_bucket_posture,
                sagemaker_crawl,
                lineage_store_health,
                no_stale_sources,
            ],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(home)),
                "aws": AwsResource(regions=regions),
            },
            instance=instance,
        )


def test_assets_crawl_the_emulated_account_into_the_store(aws_env, tmp_path):
    result = materialize(tmp_path, "us-east-1,eu-west-1")
    assert result.success
    pipelines = store_rows(
        tmp_path,
        "SELECT region, pipeline_name, domain_name, definition_hash IS NOT NULL "
        "FROM sagemaker_pipelines ORDER BY 1, 2",
    )
    assert {(r, n) for r, n, _, _ in pipelines} == {(r, n) for n, r in aws_env.pipelines.items()}
    assert all(has_hash for *_, has_hash in pipelines)
    assert store_rows(tmp_path, "SELECT count(*) FROM sagemaker_pipeline_versions")[0][0] == len(
        aws_env.pipelines
    )
    parameters = store_rows(
        tmp_path,
        "SELECT name, type, default_value FROM sagemaker_pipeline_parameters p "
        "JOIN sagemaker_pipelines USING (source_key) WHERE pipeline_name = 'AbalonePipeline'",
    )
    assert ("MseThreshold", "Float", "6.0") in parameters
    postures = dict(store_rows(tmp_path, "SELECT bucket, public_access FROM s3_buckets"))
    assert postures["acme-raw-landing"] == "none" and postures["acme-curated-lake"] == "blocked"
    metadata = result.asset_materializations_for_node("sagemaker_crawl")[0].metadata
    assert metadata["dagster/row_count"].value == len(aws_env.pipelines)
    run = store_rows(tmp_path, "SELECT status, sources_ok, sources_failed FROM crawl_runs")
    expected_sources = len(aws_env.pipelines) + len(aws_env.buckets) + len(aws_env.regions)
    assert run == [("succeeded", expected_sources, 0)]

    # a second crawl keeps one version row per unchanged definition, with its first sighting
    first_seen = store_rows(tmp_path, "SELECT min(first_seen_at) FROM sagemaker_pipeline_versions")
    assert materialize(tmp_path, "us-east-1,eu-west-1").success
    assert store_rows(tmp_path, "SELECT count(*) FROM sagemaker_pipeline_versions")[0][0] == len(
        aws_env.pipelines
    )
    assert store_rows(tmp_path, "SELECT min(first_seen_at) FROM sagemaker_pipeline_versions") == (
        first_seen
    )


def test_a_failing_region_is_recorded_and_the_rest_of_the_crawl_lands(aws_env, tmp_path):
    # "ap-nowhere-1" is no region moto serves: its calls fail with a server error.
    result = materialize(tmp_path, "ap-nowhere-1,us-east-1")
    assert result.success
    names = {n for (n,) in store_rows(tmp_path, "SELECT pipeline_name FROM sagemaker_pipelines")}
    assert names == {n for n, r in aws_env.pipelines.items() if r == "us-east-1"}
    errors = store_rows(tmp_path, "SELECT source_key, status FROM stale_sources")
    assert errors == [("sagemaker_region:123456789012/ap-nowhere-1", "failed")]
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed


def deny_one_pipeline(monkeypatch, denied: str) -> None:
    """Every account's clients as the real emulator's, except that DescribePipeline of one
    pipeline is denied (a botocore hook: moto enforces no IAM), as when a pipeline is deleted
    or locked down mid-crawl."""
    from lineage_assets.accounts.clients import AccountClients

    made = AccountClients.client

    def deny(params, **_):
        if params.get("PipelineName") == denied:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "DescribePipeline"
            )

    def client(self, service, region):
        client = made(self, service, region)
        client.meta.events.register(
            "provide-client-params.sagemaker.DescribePipeline", deny, unique_id="deny-one"
        )
        return client

    monkeypatch.setattr(AccountClients, "client", client)


def test_a_failing_pipeline_keeps_its_last_good_rows_marked_stale(aws_env, tmp_path, monkeypatch):
    assert materialize(tmp_path, "us-east-1").success
    deny_one_pipeline(monkeypatch, "AbalonePipeline")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [crawl_run, sagemaker_crawl],
            resources={
                "lineage_store": LineageStoreResource(lineage_home=str(tmp_path)),
                "aws": AwsResource(regions="us-east-1"),
            },
            instance=instance,
        )
    assert result.success  # one pipeline failing never stops the crawl
    with LineageStore.open(config.duckdb_path(tmp_path)) as store:
        rows = store.conn.execute(
            "SELECT p.pipeline_name, s.status, s.last_error FROM sagemaker_pipelines p "
            "JOIN sources s USING (source_key) ORDER BY 1"
        ).fetchall()
    statuses = {name: status for name, status, _ in rows}
    assert statuses == {
        "AbalonePipeline": "stale",
        "CustomerChurnFeatures": "ok",
        "FraudModelTuning": "ok",
    }
    error = next(e for name, _, e in rows if name == "AbalonePipeline")
    assert "AccessDenied" in error and "sagemaker:123456789012/us-east-1/AbalonePipeline" in error


def test_the_lineage_job_runs_from_the_environment_against_the_emulator(
    aws_env, tmp_path, monkeypatch
):
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    monkeypatch.setenv("LINEAGE_AWS_REGIONS", "us-east-1,eu-west-1")
    demo = build_demo_remote(PROJECT / "sql_repo", tmp_path / "sql.git")
    monkeypatch.setenv("LINEAGE_SQL_REPO", demo.url)
    with dg.instance_for_test() as instance:
        result = defs().resolve_job_def("lineage_job").execute_in_process(instance=instance)
    assert result.success
    assert store_rows(tmp_path, "SELECT count(*) FROM sagemaker_pipelines")[0][0] == len(
        aws_env.pipelines
    )
    assert store_rows(tmp_path, "SELECT count(*) FROM sql_files")[0][0] > 0


@pytest.mark.parametrize("missing", ["LINEAGE_HOME", "LINEAGE_AWS_REGIONS", "LINEAGE_SQL_REPO"])
def test_an_unset_variable_fails_the_run_naming_it(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    monkeypatch.setenv("LINEAGE_AWS_REGIONS", "us-east-1")
    monkeypatch.setenv("LINEAGE_SQL_REPO", str(tmp_path / "sql.git"))
    monkeypatch.delenv(missing)
    with (
        pytest.raises(dg.Failure, match=f"missing configuration: set .*{missing}"),
        dg.instance_for_test() as instance,
    ):
        defs().resolve_job_def("lineage_job").execute_in_process(instance=instance)


def test_clients_share_the_loaded_service_models_but_not_their_sessions(aws_env):
    """Each client has a session of its own (sessions are not thread-safe), while the service
    models and endpoint data are parsed once per process, not once per client."""
    sts, s3 = aws.client("sts", "us-east-1"), aws.client("s3", "eu-west-1")
    assert sts._loader is s3._loader is aws.service_models()
    assert aws.botocore_session() is not aws.botocore_session()
    assert sts.get_caller_identity()["Account"] == ACCOUNT_ID


def test_list_calls_ask_for_the_largest_page_the_api_allows(aws_env):
    """SageMaker's list calls answer 10 items a page unless asked for more (up to 100): the
    crawl asks for 100 (botocore's Stubber checks the parameters against the API model)."""
    from botocore.stub import Stubber

    from lineage_assets.sagemaker.fetch import _paged
    from lineage_assets.serving.fetch import list_kind
    from lineage_assets.serving.ids import ResourceKind

    client = aws.client("sagemaker", "us-east-1")
    summary = {"PipelineArn": "arn:aws:sagemaker:us-east-1:1:pipeline/p", "PipelineName": "p"}
    with Stubber(client) as stub:
        stub.add_response(
            "list_pipelines",
            {"PipelineSummaries": [summary], "NextToken": "t"},
            {"MaxResults": 100},
        )
        stub.add_response("list_pipelines", {"PipelineSummaries": [summary]},
                          {"MaxResults": 100, "NextToken": "t"})  # fmt: skip
        stub.add_response(
            "list_pipeline_execution_steps",
            {"PipelineExecutionSteps": []},
            {"PipelineExecutionArn": "arn:e", "MaxResults": 100},
        )
        stub.add_response("list_endpoints", {"Endpoints": []}, {"MaxResults": 100})
        assert len(inventory.list_pipeline_summaries(client)) == 2
        assert _paged(client, "list_pipeline_execution_steps", "PipelineExecutionSteps",
                      PipelineExecutionArn="arn:e") == []  # fmt: skip
        assert list_kind(client, ResourceKind.ENDPOINT).complete
        stub.assert_no_pending_responses()
    assert aws.largest_pages(client, "list_tags") == {}  # no bounded page size in the model
