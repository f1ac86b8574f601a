"""End to end on the emulator: the nightly job crawls the seeded member account (Glue catalog,
Athena history, the SageMaker pipeline, serving, S3) and `pii_exposure` answers the DSPM
question "which live endpoints serve a model trained on personal data, and where do they
capture requests?" with the path from the raw S3 file through the Glue table, the Athena CTAS,
the pipeline, the model package and model to the endpoint and its capture bucket; the serving
check fails on that endpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from openlineage.client.serde import Serde

from lineage_assets import config
from lineage_assets.core.ids import data_node, table_node
from lineage_assets.openlineage.events import build_events
from lineage_assets.openlineage.naming import Naming
from lineage_assets.store import open_published
from lineage_dev.demo_repo import build_demo_remote
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_ROLE_NAME
from lineage_dev.emulator.seed_athena import CTAS_LOCATION, CTAS_TABLE, QUERIES, WORKGROUP
from lineage_dev.emulator.seed_glue import RAW_BUCKET_MEMBER, RAW_PII_TABLE
from lineage_dev.emulator.seed_serving import (
    CAPTURE_BUCKET,
    CAPTURE_URI,
    ENDPOINT,
    MODEL,
    SERVING_REGION,
    TRAIN_STEP,
)
from tests.conftest import point_at_emulator
from tests.test_openlineage_export import all_facets, validator_for

PROJECT = Path(__file__).resolve().parents[1]
QUESTION = """
SELECT endpoint_name, node AS capture, pii_classes, path, capture_bucket, capture_encryption,
       capture_public_access
FROM pii_exposure
WHERE exposure = 'captures' AND endpoint_status = 'InService' AND account_id = ?
ORDER BY endpoint_name, capture
"""


@pytest.fixture(scope="module")
def member_crawl(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The nightly job over the member account (assumed role), once for the module."""
    from dagster_project.definitions import defs

    server, _ = emulator
    home = tmp_path_factory.mktemp("member-crawl")
    remote = build_demo_remote(PROJECT / "sql_repo", home / "sql_repo.git")
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        patch.setenv("LINEAGE_HOME", str(home))
        patch.setenv("LINEAGE_AWS_REGIONS", SERVING_REGION)
        patch.setenv("LINEAGE_AWS_ACCOUNTS", MEMBER_ACCOUNT_ID)
        patch.setenv("LINEAGE_AWS_ROLE_NAME", MEMBER_ROLE_NAME)
        patch.setenv("LINEAGE_SQL_REPO", remote.url)
        for name in os.environ:
            if name.startswith("OPENLINEAGE"):
                patch.delenv(name, raising=False)
        with dg.instance_for_test() as instance:
            result = (
                defs()
                .resolve_job_def("lineage_job")
                .execute_in_process(instance=instance, raise_on_error=False)
            )
    return home, result


def test_live_endpoints_serving_pii_and_where_they_capture(member_crawl: tuple[Path, Any]) -> None:
    home, _ = member_crawl
    with open_published(config.published_path(home)) as conn:
        rows = conn.execute(QUESTION, [MEMBER_ACCOUNT_ID]).fetchall()
    assert rows, "no live endpoint of the member account captures personal data"
    endpoint, capture, classes, path, bucket, encryption, public_access = rows[0]
    assert (endpoint, capture, bucket) == (ENDPOINT, data_node(CAPTURE_URI), CAPTURE_BUCKET)
    assert (encryption, public_access) == ("none", "none")
    assert {"email", "phone"} & set(classes)
    kinds = [node.split(":", 1)[0] for node in path]
    raw = next(n for n in path if n.startswith(data_node(f"s3://{RAW_BUCKET_MEMBER}/")))
    ordered = [
        raw,  # the raw S3 file (or its prefix) where the personal data was sampled
        table_node(RAW_PII_TABLE),  # the Glue table over it
        table_node(CTAS_TABLE),  # the Athena CTAS
        data_node(CTAS_LOCATION),  # its output, which the pipeline reads
    ]
    positions = [path.index(node) for node in ordered]
    assert positions == sorted(positions), path
    assert path[positions[-1] + 1].endswith(f"/{TRAIN_STEP}")  # the pipeline's training step
    assert kinds[-5:] == ["model_package", "model", "endpoint_config", "endpoint", "data"]
    assert path[-4].endswith(f":model/{MODEL}")


def test_the_check_names_the_endpoint_model_bucket_and_path(
    member_crawl: tuple[Path, Any],
) -> None:
    _, result = member_crawl
    (check,) = [
        c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "no_live_endpoint_captures_pii_unprotected"
    ]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    details = str(check.metadata["details"].value)
    for part in (ENDPOINT, MODEL, CAPTURE_BUCKET, table_node(CTAS_TABLE)):
        assert part in details


def test_athena_executions_are_openlineage_runs_of_their_query_jobs(
    member_crawl: tuple[Path, Any],
) -> None:
    """The member's Athena history in the OpenLineage export: the CTAS is a completed run
    writing `curated.customers_features` (in its region's Athena namespace, with column
    lineage from `raw.customers`) and carrying its execution id; every event is valid."""
    home, _ = member_crawl
    with open_published(config.published_path(home)) as conn:
        keyed = list(build_events(conn, Naming(athena_region="eu-north-1")))
    events = [json.loads(Serde.to_json(event.event)) for event in keyed]
    prefix = f"athena.{MEMBER_ACCOUNT_ID}.{SERVING_REGION}."
    athena = [e for e in events if e["job"]["name"].startswith(prefix)]
    ctas = next(s for s in QUERIES if s.name == "customers-features-ctas")
    runs = [
        e
        for e in athena
        if e["run"]["facets"]["externalQuery"]["externalQueryId"] == ctas.execution_id
    ]
    assert [e["eventType"] for e in runs] == ["START", "COMPLETE"]
    assert runs[0]["run"]["runId"] == runs[1]["run"]["runId"]
    assert runs[0]["job"]["name"] == f"{prefix}{WORKGROUP}.{runs[0]['job']['name'][-16:]}"
    namespace = f"awsathena://athena.{SERVING_REGION}.amazonaws.com"
    (written,) = [o for o in runs[1]["outputs"] if o["namespace"] == namespace]
    assert written["name"] == f"awsdatacatalog.{CTAS_TABLE}"
    fields = written["facets"]["columnLineage"]["fields"]
    read = {(i["namespace"], i["name"]) for f in fields.values() for i in f["inputFields"]}
    assert (namespace, f"awsdatacatalog.{RAW_PII_TABLE}") in read
    assert "CREATE TABLE" in runs[1]["job"]["facets"]["sql"]["query"]
    # the same text run twice is one job; a query that only reads has inputs and no outputs
    selects = [e for e in athena if e["eventType"] == "COMPLETE" and not e["outputs"]]
    assert any(
        (i["namespace"], i["name"]) == (namespace, f"awsdatacatalog.{RAW_PII_TABLE}")
        for e in selects
        for i in e["inputs"]
    )
    validators: dict[str, Any] = {}
    for event in athena:
        for document in [event, *all_facets(event)]:
            url = document.get("schemaURL") or document["_schemaURL"]
            validator = validators.setdefault(url, validator_for(url))
            assert not [e.message for e in validator.iter_errors(document)], url
