"""OpenLineage export of a crawled demo store: every event and facet valid against the spec's
own JSON schemas (vendored, Apache-2.0), static run ids, incremental sends, the churn column
path with PII facets, an HTTP receiver, and the Dagster asset's no-op without a transport."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from lineage_assets import config
from lineage_assets.openlineage import facets
from lineage_assets.openlineage.emit import read_cursor
from lineage_assets.openlineage.export import cursor_path, run_export
from lineage_dev.emulator.definitions import ACCOUNT_ID

PROJECT = Path(__file__).resolve().parents[1]
SPEC = PROJECT / "tests" / "fixtures" / "openlineage_spec"
FACET_KEYS = ("facets", "inputFacets", "outputFacets")
SEEDED = ACCOUNT_ID  # the emulated account the demo crawl reads


@pytest.fixture(scope="module")
def crawled_home(demo_crawl, tmp_path_factory) -> Path:
    """A data folder whose published store holds one nightly crawl of the emulated account
    (a copy of the session's crawl, which ran without an OpenLineage transport)."""
    transport = demo_crawl.openlineage_metadata["transport"]
    assert "no OpenLineage transport configured" in transport
    home = demo_crawl.copy(tmp_path_factory.mktemp("openlineage"))
    assert config.published_path(home).exists()
    return home


def read_events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def exported(crawled_home, tmp_path_factory) -> tuple[list[dict], dict]:
    folder = tmp_path_factory.mktemp("events")
    report = run_export(crawled_home, to=folder)
    return read_events(folder), report.summary()


def validator_for(url: str) -> Draft202012Validator:
    documents = [
        json.loads(path.read_text())
        for path in [SPEC / "OpenLineage.json", *sorted((SPEC / "facets").glob("*.json"))]
    ]
    documents.append(
        json.loads((facets.SCHEMA_FOLDER / "LineageAssetsPiiDatasetFacet.json").read_text())
    )
    registry = Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents
    )
    return Draft202012Validator(
        {"$ref": url}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def all_facets(event: dict) -> list[dict]:
    found = [*event.get("run", {}).get("facets", {}).values(), *event["job"]["facets"].values()]
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        for key in FACET_KEYS:
            found.extend(dataset.get(key, {}).values())
    return found


def output(events: list[dict], job_suffix: str, namespace: str, name: str) -> dict:
    for event in events:
        if event["job"]["name"].endswith(job_suffix):
            for dataset in event.get("outputs", []):
                if dataset["namespace"] == namespace and dataset["name"] == name:
                    return dataset
    raise AssertionError(f"no output {namespace} {name} of a job ending {job_suffix}")


def test_every_event_and_facet_validates_against_the_spec_schemas(exported):
    events, summary = exported
    assert summary["built"] == len(events) > 40
    checked = 0
    validators: dict[str, Draft202012Validator] = {}
    for event in events:
        documents = [(event["schemaURL"], event)]
        documents += [(facet["_schemaURL"], facet) for facet in all_facets(event)]
        for url, document in documents:
            validator = validators.setdefault(url, validator_for(url))
            errors = [e.message for e in validator.iter_errors(document)]
            assert not errors, (event["job"]["name"], url, errors[:3])
            checked += 1
    assert checked > 500
    custom = {f["_schemaURL"] for e in events for f in all_facets(e)}
    assert facets.PII_FACET_SCHEMA in custom
    kinds = {e.get("eventType", "JOB") for e in events}
    assert {"START", "COMPLETE", "FAIL", "JOB"} <= kinds


def test_a_broken_run_id_or_facet_fails_the_validation(exported):
    events, _ = exported
    run = next(e for e in events if "run" in e)
    bad = json.loads(json.dumps(run)) | {"run": {"runId": "not-a-uuid", "facets": {}}}
    assert list(validator_for(run["schemaURL"]).iter_errors(bad))
    pii = next(f for e in events for f in all_facets(e) if "classes" in f)
    assert list(validator_for(pii["_schemaURL"]).iter_errors(pii | {"classes": "email"}))


def test_email_hash_comes_from_email_through_a_masking_transformation(exported):
    events, _ = exported
    features = output(
        events,
        "athena/04_customer_features.sql",
        "awsathena://athena.us-east-1.amazonaws.com",
        "awsdatacatalog.analytics.customer_features",
    )
    fields = features["facets"]["columnLineage"]["fields"]
    (source,) = fields["email_hash"]["inputFields"]
    assert (source["name"], source["field"]) == ("awsdatacatalog.analytics.customers_raw", "email")
    (step,) = source["transformations"]
    assert step["type"] == "DIRECT" and step["masking"] is True
    assert step["subtype"] == "TRANSFORMATION"
    identity = fields["customer_id"]["inputFields"][0]["transformations"][0]
    assert (identity["subtype"], identity["masking"]) == ("IDENTITY", False)
    total = fields["total_amount"]["inputFields"][0]["transformations"][0]
    assert total["subtype"] == "AGGREGATION"
    indirect = {
        t["subtype"]
        for f in features["facets"]["columnLineage"]["dataset"]
        for t in f["transformations"]
    }
    assert {"FILTER", "GROUP_BY"} <= indirect
    assert features["facets"]["lifecycleStateChange"]["lifecycleStateChange"] == "CREATE"
    job = next(e for e in events if e["job"]["name"].endswith("04_customer_features.sql"))
    location = job["job"]["facets"]["sourceCodeLocation"]
    assert location["path"] == "athena/04_customer_features.sql"
    assert len(location["version"]) == 40 and location["url"].endswith("#L5")
    assert "CREATE TABLE" in job["job"]["facets"]["sql"]["query"].upper()


def test_churn_column_path_from_the_raw_file_to_the_feature_group_with_pii(exported):
    events, _ = exported
    raw = output(
        events,
        "athena/01_customers_raw.sql",
        "awsathena://athena.us-east-1.amazonaws.com",
        "awsdatacatalog.analytics.customers_raw",
    )
    (email_from,) = raw["facets"]["columnLineage"]["fields"]["email"]["inputFields"]
    assert (email_from["namespace"], email_from["name"]) == ("s3://acme-raw-landing", "customers")
    assert "email" in raw["facets"][facets.PII_FACET_KEY]["columns"]
    step = next(
        e
        for e in events
        if e["job"]["name"]
        == f"sagemaker.{SEEDED}.us-east-1.CustomerChurnFeatures.PrepareCustomerFeatures"
        and e.get("eventType") == "COMPLETE"
    )
    inputs = {(d["namespace"], d["name"]) for d in step["inputs"]}
    assert (
        "awsathena://athena.us-east-1.amazonaws.com",
        "awsdatacatalog.analytics.customer_features",
    ) in inputs
    group = next(d for d in step["outputs"] if d["name"] == "feature-group/customer-churn-features")
    assert group["namespace"] == f"arn:aws:sagemaker:us-east-1:{SEEDED}"
    assert {"email", "phone"} <= set(group["facets"][facets.PII_FACET_KEY]["classes"])
    lineage = group["facets"]["columnLineage"]["fields"]
    assert any(
        f["namespace"] == "s3://acme-raw-landing"
        for inputs in lineage.values()
        for f in inputs["inputFields"]
    )
    parent = step["run"]["facets"]["parent"]
    assert parent["job"]["name"] == f"sagemaker.{SEEDED}.us-east-1.CustomerChurnFeatures"
    execution = next(e for e in events if e["job"]["name"] == parent["job"]["name"] and "run" in e)
    assert execution["run"]["runId"] == parent["run"]["runId"]
    raw_bucket = next(d for d in step["inputs"] if d["namespace"] == "s3://acme-raw-landing")
    posture = raw_bucket["facets"][facets.PII_FACET_KEY]["bucket"]
    assert posture["encryption"] == "none" and posture["name"] == "acme-raw-landing"


def test_a_never_run_pipeline_is_a_job_definition_without_runs(exported):
    events, _ = exported
    tuning = [
        e for e in events if e["job"]["name"].startswith(f"sagemaker.{SEEDED}.us-east-1.FraudModel")
    ]
    assert tuning and all("run" not in e and "eventType" not in e for e in tuning)
    pipeline = next(
        e for e in tuning if e["job"]["name"] == f"sagemaker.{SEEDED}.us-east-1.FraudModelTuning"
    )
    owners = pipeline["job"]["facets"]["ownership"]["owners"]
    assert owners == [{"name": "team:risk", "type": "TEAM"}]


def test_no_sampled_value_or_repository_credential_in_any_event(crawled_home, exported):
    import duckdb

    events, _ = exported
    text = json.dumps(events)
    con = duckdb.connect(str(config.published_path(crawled_home)), read_only=True)
    examples = [
        v
        for (v,) in con.execute(
            "SELECT masked_example FROM column_classifications WHERE masked_example IS NOT NULL"
        ).fetchall()
        if len(v) >= 6
    ]
    con.close()
    assert examples
    assert not [v for v in examples if v in text]
    assert "masked_example" not in text and "evidence" not in text
    location = facets.source_location(
        "https://bot:s3cr3t-token@git.example.com/acme/sql.git", "a.sql", "ab" * 20, 7
    )
    assert "s3cr3t" not in json.dumps(location.__dict__, default=str)
    assert location.url == f"https://git.example.com/acme/sql/blob/{'ab' * 20}/a.sql#L7"


def test_re_export_keeps_run_ids_and_sends_only_what_changed(crawled_home, tmp_path):
    first = run_export(crawled_home, to=tmp_path)
    again = run_export(crawled_home, to=tmp_path)
    assert first.sent == first.built and again.sent == 0 and again.unchanged == first.built
    full = run_export(crawled_home, to=tmp_path, full=True)
    assert full.sent == first.built
    events = read_events(tmp_path)
    runs: dict[tuple[str, str], set[str]] = {}
    for event in events:
        if "run" in event:
            key = (event["job"]["name"], event["eventType"])
            runs.setdefault(key, set()).add(event["run"]["runId"])
    # two executions of Abalone per job name and event type; every copy reuses the ids
    assert all(len(ids) <= 2 for ids in runs.values())
    assert len(events) == 2 * first.built
    (tmp_path / "openlineage_cursor.json").write_text("{not json")
    assert run_export(crawled_home, to=tmp_path).sent == first.built


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def test_http_transport_posts_to_a_receiver_and_resends_the_same_run_ids(crawled_home):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        first = run_export(crawled_home, url=url)
        once = list(Receiver.received)
        assert first.sent == len(once) == first.built and not first.failed
        assert run_export(crawled_home, url=url).sent == 0
        run_export(crawled_home, url=url, full=True)
    finally:
        server.shutdown()
        server.server_close()
    twice = Receiver.received[len(once) :]
    ids = lambda batch: [e["run"]["runId"] for e in batch if "run" in e]  # noqa: E731
    assert ids(once) == ids(twice) and ids(once)


class Refuser(BaseHTTPRequestHandler):
    """A consumer that refuses every event (400: not retried by the client)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(400)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def test_a_refusing_receiver_stops_the_export_after_a_few_failures(crawled_home):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuser)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://user:pw-secret@127.0.0.1:{server.server_address[1]}"
        report = run_export(crawled_home, url=url)
    finally:
        server.shutdown()
        server.server_close()
    assert report.stopped_early and report.sent == 0 and len(report.failed) == 5
    assert all("400" in line for line in report.failed)
    assert not any("pw-secret" in line for line in report.failed)
    # nothing is recorded as sent: the next export to this destination sends everything
    assert read_cursor(cursor_path(crawled_home, None, url)) == {}


def test_the_schema_file_ships_in_the_package():
    document = json.loads((facets.SCHEMA_FOLDER / "LineageAssetsPiiDatasetFacet.json").read_text())
    assert facets.PII_FACET_SCHEMA.split("#")[0] == document["$id"]


def test_the_dagster_asset_sends_through_the_standard_environment_config(
    crawled_home, tmp_path, monkeypatch
):
    from dagster_project.defs.openlineage.assets import openlineage_export
    from dagster_project.resources import LineageStoreResource

    events = tmp_path / "asset.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(events))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(config.published_path(crawled_home), config.published_path(home))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [openlineage_export],
            instance=instance,
            resources={"lineage_store": LineageStoreResource(lineage_home=str(home))},
        )
    (materialization,) = result.asset_materializations_for_node("openlineage_export")
    metadata = materialization.metadata
    assert metadata["transport"].value == "OPENLINEAGE__TRANSPORT__* variables"
    sent = metadata["sent"].value
    assert sent == len(events.read_text().splitlines()) > 40
    assert (home / "openlineage" / "cursor.json").exists()
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [openlineage_export],
            instance=instance,
            resources={"lineage_store": LineageStoreResource(lineage_home=str(home))},
        )
    (materialization,) = result.asset_materializations_for_node("openlineage_export")
    assert "nothing sent" in materialization.metadata["transport"].value


def test_locations_name_their_tables_and_the_feature_group_its_glue_table(exported):
    events, _ = exported
    datasets = {
        (d["namespace"], d["name"]): d
        for e in events
        for d in e.get("inputs", []) + e.get("outputs", [])
    }
    raw = datasets[("s3://acme-raw-landing", "customers")]
    (table,) = raw["facets"]["symlinks"]["identifiers"]
    assert table == {
        "namespace": "awsathena://athena.us-east-1.amazonaws.com",
        "name": "awsdatacatalog.analytics.customers_raw",
        "type": "TABLE",
    }
    group = datasets[
        ("arn:aws:sagemaker:us-east-1:123456789012", "feature-group/customer-churn-features")
    ]
    names = {(i["namespace"], i["type"]) for i in group["facets"]["symlinks"]["identifiers"]}
    assert names == {
        ("arn:aws:glue:us-east-1:123456789012", "TABLE"),
        ("s3://acme-feature-store", "LOCATION"),
    }


def test_the_cli_refuses_to_print_events_when_no_transport_is_configured(
    crawled_home, tmp_path, monkeypatch, capsys
):
    from lineage_assets.cli import main

    monkeypatch.setenv("LINEAGE_HOME", str(crawled_home))
    monkeypatch.chdir(tmp_path)
    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert main(["openlineage"]) == 2
    assert "OPENLINEAGE_URL" in capsys.readouterr().err
    assert main(["openlineage", "--to", str(tmp_path / "out")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sent"] == summary["built"] > 40 and summary["failed"] == 0


def test_an_incremental_export_sends_only_the_events_whose_rows_changed(crawled_home, tmp_path):
    import duckdb

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(config.published_path(crawled_home), config.published_path(home))
    out = tmp_path / "out"
    first = run_export(home, to=out)
    con = duckdb.connect(str(config.published_path(home)))
    con.execute(
        "UPDATE sql_statements SET sql_text = sql_text || ' -- edited' "
        "WHERE source_key LIKE '%04_customer_features.sql'"
    )
    con.close()
    second = run_export(home, to=out)
    assert (second.sent, second.unchanged) == (1, first.built - 1)
    last = read_events(out)[-1]
    assert last["job"]["name"].endswith("04_customer_features.sql")
    assert last["job"]["facets"]["sql"]["query"].endswith("-- edited")
