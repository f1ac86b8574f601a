"""The read-only API over a store crawled from the emulated account: the original's paths and
parameters, every answer held to the contract's JSON Schema, and the churn pipeline's data
view connected from the raw customer files to the registered model."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lineage_assets import aws, config
from lineage_assets.api.app import create_app
from lineage_assets.api.limits import RequestLimits
from lineage_assets.contract.schema import validation_errors
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.store import LineageStore, connect_published
from lineage_dev.emulator import definitions as seeded
from tests.conftest import point_at_emulator

PROJECT = Path(__file__).resolve().parents[1]
TWINS_ACCOUNT = "210987654327"  # an emulator account of its own (the seeded one is untouched)
TWIN, SOLO = "ChurnTwin", "ChurnSolo"


@pytest.fixture(scope="module")
def published(demo_crawl, tmp_path_factory):
    """The published store of the session's crawl of the demo account (a copy of its own)."""
    return config.published_path(demo_crawl.copy(tmp_path_factory.mktemp("api")))


@pytest.fixture(scope="module")
def client(published):
    with TestClient(RequestLimits(create_app(published)), raise_server_exceptions=False) as c:
        yield c


def answer(client, path, definition, status=200, **params):
    """GET, check the status, and hold the body to the schema definition."""
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert validation_errors(body, definition) == []
    return body


def path_exists(edges, start, end):
    following = defaultdict(set)
    for edge in edges:
        following[edge["source"]].add(edge["target"])
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for nxt in following[node] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return end in seen


def test_churn_data_view_connects_raw_files_to_the_registered_model(client):
    body = answer(
        client,
        "/lineage",
        "lineage",
        pipeline="CustomerChurnFeatures",
        region="us-east-1",
        view="data",
        includeLatestExec="true",
    )
    assert "graphPipeline" not in body and "graph" not in body
    nodes = {n["id"]: n for n in body["graphData"]["nodes"]}
    raw = "data:s3://acme-raw-landing/customers/"
    model = next(n for n in nodes if n.startswith("model:"))
    assert path_exists(body["graphData"]["edges"], raw, model)
    assert nodes[model]["approval"] == "Approved"
    # the feature group's offline store is one node, resolved, with its PII and alias
    features = [n for n in nodes.values() if n.get("featureGroup") == "customer-churn-features"]
    assert len(features) == 1 and "{" not in features[0]["id"]
    assert {"email", "phone"} <= set(features[0]["pii"])
    assert not any("OfflineStore" in n for n in nodes)
    # dataset columns carry PII classes
    columns = {c["name"]: c["pii"] for c in nodes[raw]["schema"]["columns"]}
    assert "email" in {cls for classes in columns.values() for cls in classes}


def test_both_views_carry_the_original_keys_and_the_readme_keys(client):
    body = answer(
        client, "/lineage", "lineage", pipeline="CustomerChurnFeatures", includeLatestExec="true"
    )
    assert set(body) >= {"domain", "pipeline", "summary", "graphPipeline", "graph", "graphData"}
    assert body["graph"] == body["graphPipeline"]
    assert body["domain"]["DomainName"] == "ml-platform"
    assert body["pipeline"]["arn"].endswith(":pipeline/CustomerChurnFeatures")
    assert body["pipeline"]["lastModifiedTime"]
    summary = body["summary"]
    assert summary["overallStatus"] == "Succeeded" and summary["elapsedSec"] > 0
    assert summary["pipeline"] == "CustomerChurnFeatures" and summary["region"] == "us-east-1"
    steps = {s["id"]: s for s in summary["steps"]}
    prepare = steps["PrepareCustomerFeatures"]
    assert prepare["hasSql"] and prepare["sqlSources"] == ["analytics.customer_features"]
    assert steps["TrainChurnModel"]["run"]["jobName"]
    registry = steps["RegisterChurnModel-RegisterModel"]["registry"]
    assert registry["approval"] == "Approved" and registry["modelPackageArn"]
    node = next(n for n in body["graphPipeline"]["nodes"] if n["id"] == "PrepareCustomerFeatures")
    defined = node["sql"]["sources"][0]["definedIn"][0]
    assert defined["file"] == "athena/04_customer_features.sql" and defined["line"]
    assert len(defined["commit"]) == 40
    for edge in body["graphPipeline"]["edges"]:
        assert edge["from"] == edge["source"] and edge["to"] == edge["target"]
        assert edge["via"] in {"dependsOn", "ref:Get", "condition:if", "condition:else"}
    artifact = next(
        a for a in body["graphPipeline"]["artifacts"] if a["bucket"] == "acme-raw-landing"
    )
    assert artifact["s3"]["encryption"] == "None" and artifact["s3"]["publicAccess"] == "None"
    assert artifact["pii"]["hasPII"] and artifact["pii"]["category"] == "identifiers"


def test_without_an_execution_the_current_definition_has_no_run_data(client):
    body = answer(client, "/lineage", "lineage", pipeline="AbalonePipeline")
    assert body["execution"] is None
    assert body["summary"]["overallStatus"] == "Unknown"
    assert {n["run"]["status"] for n in body["graphPipeline"]["nodes"]} == {"NotRun"}


def executions_of(published, pipeline):
    """Execution ids of a pipeline, newest first, read from the store itself."""
    with connect_published(published) as conn:
        rows = conn.execute(
            "SELECT execution_id FROM sagemaker_executions WHERE pipeline_arn LIKE ? "
            "ORDER BY started_at DESC",
            [f"%:pipeline/{pipeline}"],
        ).fetchall()
    return [r for (r,) in rows]


def test_as_of_an_execution_shows_that_executions_data_only(client, published):
    listing = answer(client, "/sagemaker/pipelines", "pipelines", includeLatestExec="true")
    latest = {p["name"]: p["latestExecution"] for r in listing["regions"] for p in r["pipelines"]}
    newest = answer(
        client, "/lineage", "lineage", pipeline="AbalonePipeline", includeLatestExec="true"
    )
    assert newest["execution"]["arn"] == latest["AbalonePipeline"]["arn"]
    assert newest["summary"]["overallStatus"] == "Failed"
    newest_id, older_id = executions_of(published, "AbalonePipeline")
    assert newest["execution"]["id"] == newest_id
    older = answer(client, "/lineage", "lineage", pipeline="AbalonePipeline", execution=older_id)
    assert older["execution"]["id"] == older_id
    assert older["summary"]["overallStatus"] == "Succeeded"
    older_jobs = {n["run"].get("jobArn") for n in older["graphPipeline"]["nodes"]} - {None}
    newer_jobs = {n["run"].get("jobArn") for n in newest["graphPipeline"]["nodes"]} - {None}
    assert older_jobs
    for node in newest["graphPipeline"]["nodes"]:  # a shared job is a cache hit, never a mix
        if node["run"].get("jobArn") in older_jobs:
            assert node["run"]["cacheHit"] is True, node["id"]
    assert newer_jobs - older_jobs


def test_unknown_names_get_404_with_close_matches(client, published):
    body = answer(client, "/lineage", "error", 404, pipeline="CustomerChurn")
    assert body["matches"] == ["CustomerChurnFeatures"]
    known = executions_of(published, "AbalonePipeline")[0]
    typo = known[:-1] + ("x" if known[-1] != "x" else "y")
    body = answer(client, "/lineage", "error", 404, pipeline="AbalonePipeline", execution=typo)
    assert known in body["matches"]
    body = answer(client, "/impact", "error", 404, node="table:analytics.customer_raw")
    assert "table:analytics.customers_raw" in body["matches"]
    answer(client, "/lineage", "error", 404, pipeline="AbalonePipeline", domain="other")
    answer(client, "/lineage/by-domain", "error", 404, region="us-east-1", domain="nope")
    answer(client, "/datasets/acme-raw-landing/nothing/schema", "error", 404)
    answer(client, "/snapshots/diff", "error", 404, scope="sagemaker:us-east-1/Nope")
    answer(client, "/lineage", "error", 422, pipeline="AbalonePipeline", view="graph2")


def test_listing_by_domain_and_filters(client):
    body = answer(client, "/sagemaker/pipelines", "pipelines", regions="us-east-1", name="abalone")
    assert [p["name"] for r in body["regions"] for p in r["pipelines"]] == ["AbalonePipeline"]
    body = answer(client, "/sagemaker/pipelines", "pipelines", domainName="ML-PLATFORM")
    names = {p["name"] for r in body["regions"] for p in r["pipelines"]}
    assert names == {"AbalonePipeline", "CustomerChurnFeatures"}
    body = answer(
        client,
        "/lineage/by-domain",
        "byDomain",
        region="us-east-1",
        domain="ml-platform",
        view="pipeline",
    )
    assert body["count"] == 2 and all(r["ok"] for r in body["results"])


def test_dataset_schemas_graph_impact_pii_and_snapshots(client):
    schema = answer(client, "/datasets/acme-raw-landing/customers/schema", "datasetSchema")
    assert "email" in schema["schema"]["fields"]
    versions = answer(
        client, "/datasets/acme-raw-landing/customers/schema/versions", "schemaVersions"
    )
    assert versions[0]["version"] == schema["version"]
    answer(client, "/datasets/acme-raw-landing/customers/schema", "error", 404, version="nope")
    graph = answer(client, "/graph", "graph")
    assert graph["nodes"] and graph["edges"]
    impact = answer(client, "/impact", "impact", node="data:s3://acme-raw-landing/customers/")
    assert any(n["node"].startswith("model_package:") for n in impact["nodes"])
    upstream = answer(
        client, "/impact", "impact", node="table:analytics.customer_features", direction="upstream"
    )
    assert "table:analytics.customers_raw" in {n["node"] for n in upstream["nodes"]}
    exposure = answer(client, "/pii-exposure", "piiExposure")
    assert any(i["exposure"] == "trained_on" for i in exposure["items"])
    snaps = answer(client, "/snapshots", "snapshots", scope="global")
    assert snaps["items"]
    diff = answer(client, "/snapshots/diff", "snapshotDiff", scope="global")
    assert diff["to"] == snaps["items"][0]["snapshotId"]
    assert answer(client, "/health", "health")["store"]["published"] is True


def test_sql_is_parsed_from_query_parameters_or_a_body_and_never_executed(client, tmp_path):
    response = client.post(
        "/sql/lineage",
        params={"sql": "INSERT INTO mart.t SELECT a, b FROM raw.s", "dialect": "athena"},
    )
    body = response.json()
    assert response.status_code == 200 and validation_errors(body, "sqlLineage") == []
    assert body["dst"] == "mart.t" and body["sources"] == ["raw.s"]
    target = tmp_path / "leak.csv"
    copy_to = "COPY (SELECT 1) TO '" + str(target) + "'; "
    attach = "ATTACH '" + str(tmp_path / "x.db") + "' AS x; "
    hostile = copy_to + attach + "CREATE TABLE x.t AS SELECT * FROM read_csv('/etc/passwd')"  # noqa: S608
    response = client.post("/sql/lineage", json={"sql": hostile, "dialect": "duckdb"})
    assert response.status_code == 200
    assert validation_errors(response.json(), "sqlLineage") == []
    assert list(tmp_path.iterdir()) == []
    bad = client.post("/sql/lineage", json={"sql": "SELEC FROM WHERE ((", "dialect": "nope"})
    assert bad.status_code == 200 and bad.json()["ok"] is False
    assert client.post("/sql/lineage").status_code == 422


def test_requests_are_bounded_and_errors_carry_no_trace(client, published, tmp_path):
    assert client.post("/sql/lineage", content=b"x" * 400_000).status_code == 413
    with TestClient(RequestLimits(create_app(published), max_query=1000)) as small:
        assert small.get("/lineage", params={"pipeline": "p" * 2000}).status_code == 414
    long_name = client.get("/lineage", params={"pipeline": "p" * 300})
    assert long_name.status_code == 422
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a duckdb file" * 100)
    with TestClient(create_app(broken), raise_server_exceptions=False) as other:
        response = other.get("/lineage", params={"pipeline": "AbalonePipeline"})
        assert response.status_code == 500
        assert "Traceback" not in response.text and str(tmp_path) not in response.text
        missing = TestClient(create_app(tmp_path / "none.duckdb")).get("/sagemaker/pipelines")
        assert missing.status_code == 503


def counted_comparisons(monkeypatch) -> list[int]:
    """How many names each close-match search compares, one entry per search."""
    from lineage_assets.contract import reads

    compared: list[int] = []
    real = reads.difflib.get_close_matches

    def counting(word, possibilities, *args, **kwargs):
        compared.append(len(possibilities))
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(reads.difflib, "get_close_matches", counting)
    return compared


def test_close_matches_of_a_miss_compare_a_bounded_number_of_names(monkeypatch):
    from lineage_assets.contract import reads

    known = [f"data:s3://bucket-{i % 97}/events/part-{i:05d}/" for i in range(20_000)]
    compared = counted_comparisons(monkeypatch)
    error = reads.UnknownName("node", "data:s3://bucket-26/events/part-12345x/", known)
    assert known[12345] in error.matches  # bucket-(12345 % 97) = bucket-26
    assert compared == [reads.MAX_COMPARED_NAMES]
    assert reads.UnknownName("node", "x" * 5000, known).matches == []


def test_an_oversized_body_without_a_declared_length_is_413(tmp_path):
    def chunks(size):  # a generator body goes out chunked, with no content-length
        for _ in range(size // 100):
            yield b" " * 100

    app = RequestLimits(create_app(tmp_path / "none.duckdb"), max_body=1000)
    with TestClient(app, raise_server_exceptions=False) as small:
        refused = small.post(
            "/sql/lineage", content=chunks(5000), headers={"content-type": "application/json"}
        )
        assert refused.status_code == 413, refused.text
        assert refused.json() == {
            "detail": "request body larger than 1000 bytes",
            "type": "TooLarge",
            "message": "request body larger than 1000 bytes",
        }

        def under_the_limit():
            yield b'{"sql": "select a from t",'
            yield b' "dialect": "duckdb"}'

        answered = small.post(
            "/sql/lineage", content=under_the_limit(), headers={"content-type": "application/json"}
        )
        assert answered.status_code == 200 and answered.json()["sources"] == ["t"]


def test_the_api_never_writes_the_store(published, client):
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    for path in (
        "/lineage?pipeline=AbalonePipeline&includeLatestExec=true",
        "/graph",
        "/snapshots",
    ):
        assert client.get(path).status_code == 200
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert not published.with_suffix(".duckdb.wal").exists()


def test_the_viewer_and_openapi_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "cytoscape" in page.text
    assert "https://" not in page.text  # no CDN: everything is vendored
    schema = client.get("/openapi.json").json()
    assert {"/lineage", "/sql/lineage", "/impact", "/snapshots/diff"} <= set(schema["paths"])


def test_the_cli_has_the_serve_command():
    from lineage_assets.api.command import cmd_serve
    from lineage_assets.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "8399"])
    assert (args.func, args.host, args.port) == (cmd_serve, "127.0.0.1", 8399)


@pytest.fixture(scope="module")
def twins(emulator, tmp_path_factory):
    """A store crawled from an account holding TWIN in two regions and SOLO in one."""
    server, _ = emulator
    home = tmp_path_factory.mktemp("api-twins")
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        patch.setenv("MOTO_ACCOUNT_ID", TWINS_ACCOUNT)
        placed = [("us-east-1", TWIN), ("eu-west-1", TWIN), ("eu-west-1", SOLO)]
        for region, name in placed:
            sagemaker = aws.client("sagemaker", region)
            if name not in {
                p["PipelineName"] for p in sagemaker.list_pipelines()["PipelineSummaries"]
            }:
                sagemaker.create_pipeline(
                    PipelineName=name,
                    PipelineDefinition=json.dumps(seeded.abalone_definition()),
                    RoleArn=seeded.ROLE_ARN,
                )
        with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
            run_id = store.begin_run("test")
            crawl_regions(
                store,
                aws.client,
                TWINS_ACCOUNT,
                ("us-east-1", "eu-west-1"),
                run_id=run_id,
                reads=store.conn,
            )
            store.finish_run(run_id)
            store.publish()
    with TestClient(RequestLimits(create_app(config.published_path(home)))) as client:
        yield client


def test_a_name_in_two_regions_without_region_is_409_listing_them(twins):
    body = answer(twins, "/lineage", "error", 409, pipeline=TWIN, includeLatestExec="true")
    detail = body  # the original's one-line `detail` string, the parts beside it
    assert isinstance(body["detail"], str) and body["detail"] == body["message"]
    assert detail["type"] == "AmbiguousName" and detail["kind"] == "pipeline"
    assert detail["regions"] == ["eu-west-1", "us-east-1"]
    assert "\n" not in detail["message"]
    assert "eu-west-1, us-east-1" in detail["message"] and "region" in detail["message"]
    for region in ("us-east-1", "eu-west-1"):  # the region picks one, as the viewer sends it
        body = answer(twins, "/lineage", "lineage", pipeline=TWIN, region=region, view="data")
        assert body["pipeline"]["region"] == region and body["pipeline"]["name"] == TWIN
    body = answer(twins, "/lineage", "lineage", pipeline=SOLO)  # one region: found without it
    assert body["pipeline"]["region"] == "eu-west-1"
    answer(twins, "/lineage", "error", 422, domain="ml-platform")  # by-domain needs a region


def test_close_matches_ignore_case_and_name_the_stored_spelling(twins):
    body = answer(twins, "/lineage", "error", 404, pipeline="CHURNSOLO")
    assert body["matches"][0] == SOLO
    body = answer(twins, "/lineage", "error", 404, pipeline="churn-twin", region="us-east-1")
    assert body["matches"] == [TWIN]


def test_case_insensitive_close_matches_stay_bounded(monkeypatch):
    from lineage_assets.contract import reads

    known = [f"ml-platform-{i:05d}" for i in range(20_000)] + ["ml-platform", "ML-Platform"]
    compared = counted_comparisons(monkeypatch)
    matches = reads.close_matches("ML-PLATFRM", known)
    assert matches[:2] == ["ml-platform", "ML-Platform"]  # both stored spellings, as stored
    assert compared == [reads.MAX_COMPARED_NAMES]
    assert reads.close_matches("ML-PLATFRM", ["ml-platform", "payments"]) == ["ml-platform"]
    assert reads.close_matches("Straße", ["STRASSE", "strand"])[0] == "STRASSE"  # casefold
