"""The original service's HTTP contract as its unchanged clients use it: error bodies of the
shape it documented (with our `type`/`message` beside), its routes that only read answered
from the store, its write routes refused plainly, HEAD and CORS, and hostile input of every
kind answered with a 4xx in that shape, never a 500."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from lineage_assets import aws, config
from lineage_assets.api.app import bounded_app
from lineage_assets.api.limits import RequestLimits
from lineage_assets.contract.schema import validation_errors
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.store import LineageStore
from lineage_dev.emulator import definitions as seeded
from tests.conftest import point_at_emulator

PIPELINE, REGION = "CustomerChurnFeatures", "us-east-1"


@pytest.fixture(scope="module")
def client(demo_crawl, tmp_path_factory):
    home = demo_crawl.copy(tmp_path_factory.mktemp("api-contract"))
    with TestClient(bounded_app(config.published_path(home)), raise_server_exceptions=False) as c:
        yield c


def error(response, status):
    """The body of an error answer, checked against the contract's error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert validation_errors(body, "error") == [], body
    return body


def test_a_miss_has_the_originals_string_detail_with_close_matches_beside(client):
    body = error(client.get("/lineage", params={"pipeline": "CustomerChurn"}), 404)
    assert isinstance(body["detail"], str) and "CustomerChurn" in body["detail"]
    assert body["type"] == "NotFound" and body["matches"] == [PIPELINE]
    body = error(client.get("/lineage/by-domain", params={"region": REGION, "domain": "x"}), 404)
    assert isinstance(body["detail"], str)
    body = error(client.get("/datasets/acme-raw-landing/nope/schema"), 404)
    assert "s3://acme-raw-landing/customers/" in body["matches"]


def test_validation_and_routing_errors_keep_fastapis_detail_and_say_what_in_one_line(client):
    body = error(client.get("/lineage", params={"region": REGION}), 422)
    assert body["detail"][0]["loc"] == ["query", "pipeline"]  # FastAPI's list, as before
    assert body["type"] == "ValidationError" and "pipeline" in body["message"]
    body = error(client.get("/impact", params={"node": "x", "depth": "1e9"}), 422)
    assert "depth" in body["message"]
    assert error(client.get("/no/such/route"), 404)["detail"] == "Not Found"
    refused = client.post("/lineage")
    assert error(refused, 405)["type"] == "MethodNotAllowed"
    assert refused.headers["allow"] == "GET"


def test_the_originals_write_routes_are_501_naming_what_replaces_them(client):
    scan = client.post(
        "/datasets/schema/scan", params={"region": REGION, "s3_uri": "s3://acme-raw-landing/x/"}
    )
    assert "s3_schema_scan_job" in error(scan, 501)["detail"]
    for path in ("/api/v2/scan/rds-auto", "/api/v2/scan/cross-check"):
        proxied = client.post(path, json={"collector_api": "http://169.254.169.254"})
        assert "LINEAGE_RETENTION_REPORTS" in error(proxied, 501)["message"]


def answer(client, path, definition, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert validation_errors(body, definition) == []
    return body


def test_feature_groups_are_listed_and_described_from_the_store(client):
    listed = answer(
        client, "/featurestore/feature-groups", "featureGroups", region=REGION, nameContains="CHURN"
    )
    assert [i["name"] for i in listed["items"]] == ["customer-churn-features"]
    assert (
        answer(client, "/featurestore/feature-groups", "featureGroups", region="eu-west-1")["items"]
        == []
    )
    group = answer(
        client,
        "/featurestore/feature-groups/customer-churn-features",
        "featureGroup",
        region=REGION,
    )
    assert group["recordIdentifier"] == "customer_id" and group["eventTime"] == "event_time"
    types = {f["name"]: f["type"] for f in group["features"]}
    assert types["customer_id"] == "Integral" and types["email"] == "String"
    assert group["offlineStore"]["s3_uri"] == "s3://acme-feature-store/customer-churn-features"
    assert group["offlineStore"]["resolvedS3Uri"].endswith("/data")  # the original dropped it
    assert group["onlineStore"] == {"enabled": True}
    missing = client.get("/featurestore/feature-groups/customer-churn", params={"region": REGION})
    assert error(missing, 404)["matches"] == ["customer-churn-features"]  # the original: 500
    assert error(client.get("/featurestore/feature-groups"), 422)["detail"][0]["loc"] == [
        "query",
        "region",
    ]


def test_a_pipelines_sql_lineage_lists_each_step_running_sql(client):
    body = answer(client, f"/pipelines/{PIPELINE}/sql-lineage", "pipelineSqlLineage")
    assert body["ok"] is True and body["pipeline"] == PIPELINE
    (step,) = body["steps"]
    assert step["step"] == "PrepareCustomerFeatures"
    assert step["sources"] == ["analytics.customer_features"]
    assert step["file"] == "athena/04_customer_features.sql"
    # as the original, any name answers: one the store does not know runs no SQL it knows of
    unknown = answer(client, "/pipelines/CustomerChurn/sql-lineage", "pipelineSqlLineage")
    assert unknown == {"ok": True, "pipeline": "CustomerChurn", "steps": []}


def test_the_schema_layer_has_tables_columns_sql_tables_and_the_pipelines_feature_groups(client):
    for path in ("/schema", "/lineage/schema"):
        layer = answer(client, path, "schemaLayer", pipeline=PIPELINE, region=REGION)
        tables = {t["id"]: t for t in layer["tables"]}
        raw = tables["table:s3://acme-raw-landing/customers/"]
        assert raw["name"] == "customers" and raw["links"] == [
            "data:s3://acme-raw-landing/customers/"
        ]
        email = next(
            c for c in layer["columns"] if c["tableId"] == raw["id"] and c["name"] == "email"
        )
        assert email["id"] == "column:s3://acme-raw-landing/customers/.email"
        assert "email" in email["pii"]
        sql = tables["table:analytics.customer_features"]
        assert sql["source"] == "sql" and sql["step"] == "PrepareCustomerFeatures"
        (group,) = layer["featureGroups"]
        assert group["id"] == "featureGroup:customer-churn-features" and group["links"]
        # the original's features were always []
        assert "feature:customer-churn-features.email" in {f["id"] for f in layer["features"]}
        assert any("no schema sampled" in w for w in layer["warnings"])
    bare = answer(
        client,
        "/schema",
        "schemaLayer",
        pipeline=PIPELINE,
        region=REGION,
        include_sql="false",
        include_featurestore="false",
        scan_if_missing="true",
    )
    assert all(t.get("source") != "sql" for t in bare["tables"]) and bare["features"] == []
    assert any("s3_schema_scan_job" in w for w in bare["warnings"])
    error(client.get("/schema", params={"pipeline": PIPELINE, "timeout_s": "2"}), 422)
    error(client.get("/schema", params={"pipeline": "Nope", "region": REGION}), 404)


def test_the_cross_check_report_without_reports_is_the_originals_empty_report(client):
    body = answer(client, "/api/v2/scan/cross-check/report", "crossCheckReport")
    assert body["summary"] == {"deletedIdsTotal": 0, "s3ObjectsChecked": 0, "affectedObjects": 0}
    assert body["affected"] == []


def test_a_dataset_schema_names_its_sampled_files_as_the_original_did(client):
    body = answer(client, "/datasets/acme-raw-landing/customers/schema", "datasetSchema")
    files = {f["key"].rsplit("/", 1)[-1]: f["format"] for f in body["schema"]["sampled_files"]}
    assert files == {
        "customers-2026-11-01.csv": "csv",
        "customers-2026-11-02.csv.gz": "csv",
        "customers-2026-11-03.jsonl": "json",
    }
    assert body["policy"]["s3_uri"] == body["dataset_id"]


def test_the_summary_counts_nodes_without_run_data_as_unknown_as_the_original_did(client):
    body = answer(client, "/lineage", "lineage", pipeline=PIPELINE, view="pipeline")
    count = len(body["graphPipeline"]["nodes"])
    assert {k: body["summary"][k] for k in ("overallStatus", "nodeStatus", "elapsedSec")} == {
        "overallStatus": "Unknown",
        "nodeStatus": {"Unknown": count},
        "elapsedSec": None,
    }
    assert "graphData" not in body and body["graph"] == body["graphPipeline"]
    latest = answer(client, "/lineage", "lineage", pipeline="AbalonePipeline",
                    includeLatestExec="true")  # fmt: skip
    statuses = [n["run"]["status"] for n in latest["graphPipeline"]["nodes"]]
    assert "NotRun" in statuses  # a step the execution did not reach says so on its node
    assert latest["summary"]["nodeStatus"]["Unknown"] == statuses.count("NotRun")
    assert "NotRun" not in latest["summary"]["nodeStatus"]
    data = answer(client, "/lineage", "lineage", pipeline=PIPELINE, view="data")
    assert "graphPipeline" not in data and "graph" not in data and data["graphData"]["nodes"]


def test_versions_of_a_dataset_never_sampled_are_an_empty_list(client):
    response = client.get("/datasets/acme-raw-landing/never-sampled/schema/versions")
    assert response.status_code == 200 and response.json() == []
    known = client.get("/datasets/acme-raw-landing/customers/schema/versions").json()
    assert known and validation_errors(known, "schemaVersions") == []


def test_head_is_get_without_a_body_and_any_origin_may_read(client):
    got = client.get("/health")
    head = client.head("/health")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert client.head("/lineage", params={"pipeline": "Nope"}).status_code == 404
    preflight = client.options(
        "/lineage",
        headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    answer = client.get("/health", headers={"Origin": "https://ui.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers  # no cookies cross-site
    with TestClient(RequestLimits(client.app.app, max_query=1000)) as small:
        too_long = small.get("/lineage", params={"pipeline": "p" * 2000})
    assert error(too_long, 414)["type"] == "URITooLong"
    assert too_long.headers["access-control-allow-origin"] == "*"  # refused before CORS runs


def test_a_validation_error_echoes_a_bounded_part_of_the_input(client):
    body = error(client.get("/lineage", params={"pipeline": "p" * 60_000}), 422)
    echoed = body["detail"][0]["input"]
    assert echoed.startswith("p" * 100) and len(echoed) < 300
    assert len(client.get("/lineage", params={"pipeline": "p" * 60_000}).content) < 2000


HOSTILE = [
    ("GET", "/lineage?pipeline=%00&region=us-east-1"),
    ("GET", "/lineage?pipeline=%ff%fe%fd&region=us-east-1"),
    ("GET", "/lineage?pipeline=..%2F..%2Fetc%2Fpasswd"),
    ("GET", "/lineage?pipeline=a%0d%0aSet-Cookie:%20x=1"),
    ("GET", "/lineage?pipeline=" + "p" * 5000),
    ("GET", "/lineage?pipeline=CustomerChurnFeatures&includeLatestExec=%7B%22a%22%3A1%7D"),
    ("GET", "/lineage?pipeline=CustomerChurnFeatures&view=graph"),
    ("GET", "/lineage?pipeline=CustomerChurnFeatures&execution=%00..%2F"),
    ("GET", "/lineage?pipeline=CustomerChurnFeatures&account=-1"),
    ("GET", "/lineage/by-domain?region=%00&domain=%ff"),
    ("GET", "/sagemaker/pipelines?includeLatestExec=2"),
    ("GET", "/sagemaker/pipelines?regions=" + "r," * 2000),
    ("GET", "/datasets/%00/%ff%fe/schema"),
    ("GET", "/datasets/acme-raw-landing/..%2F..%2Fetc/schema"),
    ("GET", "/datasets/" + "b" * 300 + "/x/schema"),
    ("GET", "/datasets/b/" + "k/" * 600 + "schema/versions"),
    ("GET", "/datasets/acme-raw-landing/customers/schema?version=%00"),
    ("GET", "/datasets/acme-raw-landing/customers/schema?version=-1"),
    ("GET", "/impact?node=%00"),
    ("GET", "/impact?node=x&depth=-1"),
    ("GET", "/impact?node=x&depth=99999999999999999999999"),
    ("GET", "/impact?node=x&depth=%5B1%5D"),
    ("GET", "/snapshots?limit=-5"),
    ("GET", "/snapshots?limit=1e400"),
    ("GET", "/snapshots/diff?scope=global&from=%00&to=..%2F"),
    ("GET", "/featurestore/feature-groups/%00?region=us-east-1"),
    ("GET", "/featurestore/feature-groups?region=" + "r" * 500),
    ("GET", "/pipelines/%ff%fe/sql-lineage"),
    ("GET", "/schema?pipeline=%00&region=us-east-1"),
    ("GET", "/schema?pipeline=CustomerChurnFeatures&region=us-east-1&timeout_s=1e999"),
    ("GET", "/lineage/schema?pipeline=CustomerChurnFeatures&region=us-east-1&timeout_s=-3"),
    ("POST", "/sql/lineage?dialect=%00"),
    ("GET", "/schema?pipeline=CustomerChurnFeatures&timeout_s=nan"),
    ("GET", "/schema?pipeline=CustomerChurnFeatures&include_sql=%5B%5D"),
    ("GET", "/featurestore/feature-groups/" + "g" * 100 + "?region=us-east-1"),
    ("GET", "/featurestore/feature-groups?region=us-east-1&account=1%3B"),
    ("GET", "/pipelines/" + "p" * 300 + "/sql-lineage"),
]


@pytest.mark.parametrize(("method", "url"), HOSTILE, ids=[u[:60] for _, u in HOSTILE])
def test_hostile_input_is_a_4xx_in_the_error_shape(client, method, url):
    response = client.request(method, url)
    assert 400 <= response.status_code < 500, response.text
    error(response, response.status_code)
    assert "Traceback" not in response.text


DENIED_ACCOUNT = "210987654331"  # an emulator account of its own


def crawl_denying(store, denied_region: str | None) -> None:
    """Crawl both regions of DENIED_ACCOUNT; SageMaker refuses to list `denied_region` as an
    IAM deny does (the emulator allows everything, so the deny is raised before the call)."""

    def deny(**_):
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
            "ListDomains",
        )

    def client(service, region):
        made = aws.client(service, region)
        if service == "sagemaker" and region == denied_region:
            made.meta.events.register("before-call.sagemaker.ListDomains", deny)
        return made

    run_id = store.begin_run("test")
    crawl_regions(store, client, DENIED_ACCOUNT, ("us-east-1", "eu-west-1"), run_id=run_id,
                  reads=store.conn)  # fmt: skip
    store.finish_run(run_id)
    store.publish()


def test_a_region_whose_listing_fails_has_the_originals_error_and_its_last_good_pipelines(
    emulator, tmp_path, monkeypatch
):
    server, _ = emulator
    point_at_emulator(monkeypatch, server.endpoint_url)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", DENIED_ACCOUNT)
    for region in ("us-east-1", "eu-west-1"):
        sagemaker = aws.client("sagemaker", region)
        if not sagemaker.list_pipelines()["PipelineSummaries"]:
            sagemaker.create_pipeline(
                PipelineName=f"Listed-{region}",
                PipelineDefinition=json.dumps(seeded.abalone_definition()),
                RoleArn=seeded.ROLE_ARN,
            )
    published = config.published_path(tmp_path)
    with LineageStore.open(config.duckdb_path(tmp_path), published) as store:
        crawl_denying(store, None)
        with TestClient(bounded_app(published)) as api:  # one API across the republishes
            assert "error" not in answer(api, "/sagemaker/pipelines", "pipelines")["regions"][0]
            crawl_denying(store, "eu-west-1")
            body = answer(api, "/sagemaker/pipelines", "pipelines")
            regions = {r["region"]: r for r in body["regions"]}
            assert "error" not in regions["us-east-1"]
            failed = regions["eu-west-1"]
            assert failed["error"].startswith(f"{DENIED_ACCOUNT}: ")
            assert "AccessDeniedException" in failed["error"] and "\n" not in failed["error"]
            # the original answered [] here; the last good listing stays, as the store keeps it
            assert [p["name"] for p in failed["pipelines"]] == ["Listed-eu-west-1"]
            only = answer(api, "/sagemaker/pipelines", "pipelines", regions="us-east-1")
            assert [r["region"] for r in only["regions"]] == ["us-east-1"]
            crawl_denying(store, None)  # listed fine again: no error any more
            body = answer(api, "/sagemaker/pipelines", "pipelines")
            assert all("error" not in r for r in body["regions"]), body["regions"]
