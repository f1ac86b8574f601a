"""PII reaches serving: a model made from a package trained on personal data is `trained_on`,
the endpoints serving it (production or shadow variant) are `served_by`, the prefix they capture
requests into is `captures`, each with the path from the raw file; `pii_exposure` adds the
endpoint's status and the capture bucket's posture, and the Dagster check fails on a live
endpoint capturing into an unencrypted bucket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from dagster_project.defs.serving.checks import no_live_endpoint_captures_pii_unprotected
from dagster_project.resources import LineageStoreResource
from lineage_assets import config
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.graph.build import build_graph
from lineage_assets.s3_schema.posture import BucketPosture, posture_records
from lineage_assets.serving import parse
from lineage_assets.serving.records import Place
from lineage_assets.serving.views import exposed_captures
from lineage_assets.sql import extract_lineage
from lineage_assets.store import LineageStore, SourceRecords
from tests.test_graph import PACKAGE, SQL, dataset, pipeline

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
MODEL = f"{PREFIX}:model/churn-model"
CONFIG = f"{PREFIX}:endpoint-config/churn-config"
CAPTURE = "s3://capture-bucket/requests"
WHEN = datetime(2026, 11, 2, tzinfo=UTC)


def serving(store: LineageStore, status: str = "InService", shadow: bool = False) -> None:
    """A model from the trained package, a config (the model as production or shadow variant)
    capturing input, and an endpoint running it, as the serving crawl writes them."""
    place = Place(ACCOUNT, REGION)
    model = parse.model(
        place,
        {"ModelName": "churn-model", "ModelArn": MODEL, "CreationTime": WHEN},
        {"PrimaryContainer": {"ModelPackageName": PACKAGE}, "CreationTime": WHEN},
    )
    variant = {"VariantName": "v", "ModelName": "churn-model", "InstanceType": "ml.m5.large"}
    variants: dict[str, Any] = {"ProductionVariants": [{**variant, "ModelName": "other"}]}
    variants["ShadowProductionVariants" if shadow else "ProductionVariants"] = [variant]
    config_resource = parse.endpoint_config(
        place,
        {"EndpointConfigName": "churn-config", "EndpointConfigArn": CONFIG, "CreationTime": WHEN},
        {
            **variants,
            "DataCaptureConfig": {
                "EnableCapture": True,
                "InitialSamplingPercentage": 100,
                "DestinationS3Uri": CAPTURE,
                "CaptureOptions": [{"CaptureMode": "Input"}],
            },
        },
        {"churn-model": MODEL},
    )
    endpoint = parse.endpoint(
        place,
        {"EndpointName": "churn-live", "EndpointArn": f"{PREFIX}:endpoint/churn-live"},
        {
            "EndpointConfigName": "churn-config",
            "EndpointStatus": status,
            "DataCaptureConfig": {
                "EnableCapture": True,
                "CaptureStatus": "Started",
                "CurrentSamplingPercentage": 100,
                "DestinationS3Uri": CAPTURE,
            },
        },
        {"churn-config": CONFIG},
        {},
    )
    store.replace_sources([r.records() for r in (model, config_resource, endpoint)])


def posture(store: LineageStore, encryption: str, public_access: str) -> None:
    """The capture bucket's posture, as the posture crawls write it."""
    store.replace_source(
        posture_records(
            BucketPosture("capture-bucket", REGION, encryption, None, "Disabled", public_access, {})
        )
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LineageStore]:
    """The graph tests' store (SQL, classified raw file, churn pipeline and its package)."""
    with LineageStore.open(tmp_path / "lineage.duckdb", tmp_path / "published.duckdb") as opened:
        unit = ParsedUnit(extract_lineage(SQL, "athena"), 0, "athena")
        opened.replace_source(file_records("sql:r/f.sql", "r", "f.sql", "blob", None, [unit]))
        opened.replace_source(
            dataset(
                "s3://raw/customers/",
                {"customer_id": "string", "email": "string", "phone": "string"},
                {"email": "email", "phone": "phone"},
            )
        )
        for uri in ("s3://lake/features/", "s3://fs/offline/123/data"):
            opened.replace_source(dataset(uri, {"phone": "string", "email_hash": "string"}, {}))
        opened.replace_source(pipeline())
        yield opened


@pytest.mark.parametrize("shadow", [False, True])
def test_an_endpoint_serving_a_model_trained_on_pii_and_its_capture(
    store: LineageStore, shadow: bool
) -> None:
    serving(store, shadow=shadow)
    posture(store, "none", "none")
    build_graph(store)
    rows = store.conn.execute(
        "SELECT node, node_kind, exposure, pii_classes, via_node, path, endpoint_status, "
        "account_id, capture_bucket, capture_encryption, capture_public_access "
        "FROM pii_exposure WHERE node_kind IN ('model', 'endpoint') OR exposure = 'captures' "
        "ORDER BY node_kind, node"
    ).fetchall()
    by_kind = {row[2]: row for row in rows}
    assert set(by_kind) == {"trained_on", "served_by", "captures"}
    model, served, captured = by_kind["trained_on"], by_kind["served_by"], by_kind["captures"]
    assert model[:2] == (f"model:{MODEL}", "model") and model[5][-2:] == [
        f"model_package:{PACKAGE}",
        f"model:{MODEL}",
    ]
    assert served[:4] == (
        f"endpoint:{PREFIX}:endpoint/churn-live",
        "endpoint",
        "served_by",
        ["phone"],
    )
    assert served[4] == "data:s3://raw/customers/" == served[5][0]  # from the raw file
    assert "table:analytics.features" in served[5]
    assert served[5][-4:] == [
        f"model_package:{PACKAGE}",
        f"model:{MODEL}",
        f"endpoint_config:{CONFIG}",
        f"endpoint:{PREFIX}:endpoint/churn-live",
    ]
    assert served[6:8] == ("InService", ACCOUNT)
    assert captured[0] == f"data:{CAPTURE}" and captured[5][-2:] == [served[0], captured[0]]
    assert captured[6:] == ("InService", ACCOUNT, "capture-bucket", "none", "none")
    (found,) = exposed_captures(store.conn, ACCOUNT)
    assert (found.endpoint_name, found.model, found.exposed) == (
        "churn-live",
        f"model:{MODEL}",
        True,
    )


def test_a_model_hosted_as_an_inference_component_is_served(store: LineageStore) -> None:
    serving(store)
    endpoint_arn = f"{PREFIX}:endpoint/llm-live"
    hosted = parse.inference_component(
        Place(ACCOUNT, REGION),
        {
            "InferenceComponentName": "churn-ic",
            "InferenceComponentArn": f"{PREFIX}:inference-component/churn-ic",
            "EndpointName": "llm-live",
            "EndpointArn": endpoint_arn,
        },
        {"Specification": {"ModelName": "churn-model"}},
        {"churn-model": MODEL},
    )
    store.replace_source(hosted.records())
    build_graph(store)
    (path,) = store.conn.execute(
        "SELECT path FROM pii_exposure WHERE exposure = 'served_by' AND node = ?",
        [f"endpoint:{endpoint_arn}"],
    ).fetchone()
    assert path[-3:] == [f"model_package:{PACKAGE}", f"model:{MODEL}", f"endpoint:{endpoint_arn}"]


def test_no_capture_no_pii_no_exposure(store: LineageStore) -> None:
    store.replace_source(dataset("s3://fs/offline/123/data", {"email_hash": "string"}, {}))
    store.replace_source(
        SourceRecords("s3_dataset:s3://lake/features/", "s3_dataset").add(
            "s3_datasets", [{"dataset_uri": "s3://lake/features/"}]
        )
    )  # the training data carries no PII column any more, as in the graph's own test
    serving(store)
    build_graph(store)
    kinds = store.conn.execute(
        "SELECT DISTINCT exposure FROM pii_exposure WHERE node_kind IN ('model', 'endpoint') "
        "OR exposure = 'captures'"
    ).fetchall()
    assert kinds == []


def run_check(home: Path) -> dg.AssetCheckResult:
    """The serving check against the published copy in `home`."""
    resource = LineageStoreResource(lineage_home=str(home))
    return no_live_endpoint_captures_pii_unprotected(lineage_store=resource)


@pytest.mark.parametrize(
    ("status", "encryption", "public", "passed", "severity"),
    [
        ("InService", "none", "blocked", False, dg.AssetCheckSeverity.ERROR),
        ("InService", "AES256", "none", False, dg.AssetCheckSeverity.ERROR),
        ("InService", "aws:kms", "blocked", True, dg.AssetCheckSeverity.ERROR),
        ("Creating", "none", "none", True, dg.AssetCheckSeverity.ERROR),
        ("InService", None, None, False, dg.AssetCheckSeverity.WARN),
    ],
)
def test_the_check_fails_on_a_live_endpoint_capturing_into_an_open_bucket(
    tmp_path: Path,
    status: str,
    encryption: str | None,
    public: str | None,
    passed: bool,
    severity: dg.AssetCheckSeverity,
) -> None:
    home = tmp_path / "home"
    with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as opened:
        unit = ParsedUnit(extract_lineage(SQL, "athena"), 0, "athena")
        opened.replace_source(file_records("sql:r/f.sql", "r", "f.sql", "blob", None, [unit]))
        opened.replace_source(
            dataset("s3://raw/customers/", {"phone": "string"}, {"phone": "phone"})
        )
        for uri in ("s3://lake/features/", "s3://fs/offline/123/data"):
            opened.replace_source(dataset(uri, {"phone": "string"}, {}))
        opened.replace_source(pipeline())
        serving(opened, status=status)
        if encryption is not None and public is not None:
            posture(opened, encryption, public)
        build_graph(opened)
        opened.publish()
    result = run_check(home)
    assert result.passed is passed
    if not passed:
        assert result.severity == severity
        details = str(result.metadata["details"].value)
        for part in ("churn-live", "churn-model", "capture-bucket", "s3://raw/customers/"):
            assert part in details
