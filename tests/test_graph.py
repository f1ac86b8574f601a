"""The graph on a store filled with the records each source writes: stitching, PII flowing
from a classified raw file through SQL, S3 and a pipeline to a model package (stopping at
masking and aggregation, overrides winning), snapshots with history, pictures, the asset,
its check and the CLI."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime

import dagster as dg
import pytest

from dagster_project.defs.graph.assets import lineage_graph
from dagster_project.defs.graph.checks import no_approved_model_trained_on_pii
from dagster_project.resources import LineageStoreResource
from lineage_assets import config
from lineage_assets.cli import main
from lineage_assets.contract.snapshots import pipeline_document
from lineage_assets.core.uris import ancestors, normalize
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.graph import snapshot, svg
from lineage_assets.graph.build import build_graph
from lineage_assets.sql import extract_lineage
from lineage_assets.store import LineageStore, SourceRecords, Upsert

ACCOUNT, REGION, PIPELINE = "123456789012", "us-east-1", "Churn"
STEP = f"step:{ACCOUNT}/{REGION}/{PIPELINE}"
SQL = """CREATE EXTERNAL TABLE analytics.customers_raw (customer_id string, email string,
  phone string, amount double) LOCATION 's3://raw/customers/';
CREATE TABLE analytics.features WITH (external_location = 's3://lake/features/') AS
SELECT customer_id, to_hex(sha256(to_utf8(email))) AS email_hash, phone, count(*) AS orders,
       sum(amount) AS spend
FROM analytics.customers_raw GROUP BY customer_id, email, phone;
"""
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"
PIPELINE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/Churn"
EXECUTION = f"{PIPELINE_ARN}/execution/abc123"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DEFINITION = json.dumps(
    {
        "Version": "2020-12-01",
        "Parameters": [],
        "Steps": [
            {
                "Name": "Prep",
                "Type": "Processing",
                "Arguments": {
                    "RoleArn": ROLE,
                    "ProcessingInputs": [
                        {
                            "InputName": "features",
                            "S3Input": {"S3Uri": "s3a://lake/features/", "LocalPath": "/in"},
                        },
                    ],
                    "ProcessingOutputConfig": {
                        "Outputs": [
                            {
                                "OutputName": "offline",
                                "S3Output": {"S3Uri": "s3://fs/offline/", "LocalPath": "/out"},
                            }
                        ]
                    },
                },
            },
            {
                "Name": "Train",
                "Type": "Training",
                "DependsOn": ["Prep"],
                "Arguments": {
                    "RoleArn": ROLE,
                    "InputDataConfig": [
                        {
                            "ChannelName": "train",
                            "DataSource": {
                                "S3DataSource": {
                                    "S3Uri": "s3://fs/offline/123/data",
                                    "S3DataType": "S3Prefix",
                                }
                            },
                        }
                    ],
                    "OutputDataConfig": {"S3OutputPath": "s3://art/model/"},
                },
            },
        ],
    }
)


def dataset(uri: str, columns: dict[str, str], classes: dict[str, str]) -> SourceRecords:
    """A sampled S3 dataset with its schema and classifications, as the S3 crawl stores it."""
    version = f"v-{abs(hash(uri)) % 1000}"
    records = SourceRecords(f"s3_dataset:{uri}", "s3_dataset", uri)
    records.add("s3_datasets", [{"dataset_uri": uri, "schema_version": version}])
    records.add(
        "column_classifications",
        [
            {"dataset_uri": uri, "column_path": c, "pii_class": k, "confidence": 0.99}
            for c, k in classes.items()
        ],
    )
    records.history.append(
        Upsert(
            "s3_schema_columns",
            ("dataset_uri", "version", "column_path"),
            [
                {"dataset_uri": uri, "version": version, "column_path": c, "column_type": t}
                for c, t in columns.items()
            ],
        )
    )
    return records


def pipeline() -> SourceRecords:
    """A pipeline: Prep reads the features (as s3a://, trailing slash), writes the offline
    store; Train reads a partition below it and writes the model; Register registers it."""
    key = f"sagemaker:{ACCOUNT}/{REGION}/{PIPELINE}"
    io = [
        ("Prep", "input", "s3a://lake/features/"),
        ("Prep", "output", "s3://fs/offline/"),
        ("Train", "input", "s3://fs/offline/123/data"),
        ("Train", "output", "s3://art/model/"),
    ]
    records = SourceRecords(key, "sagemaker_pipeline", PIPELINE)
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "pipeline_name": PIPELINE,
                "pipeline_arn": PIPELINE_ARN,
                "definition_hash": "d1",
            }
        ],
    )
    records.history.append(
        Upsert(
            "sagemaker_pipeline_versions",
            ("pipeline_arn", "definition_hash"),
            [{"pipeline_arn": PIPELINE_ARN, "definition_hash": "d1", "definition": DEFINITION}],
        )
    )
    records.add(
        "sagemaker_executions",
        [
            {
                "pipeline_arn": PIPELINE_ARN,
                "execution_arn": EXECUTION,
                "status": "Failed",
                "started_at": datetime(2026, 11, 1, 2, tzinfo=UTC),
            }
        ],
    )
    records.add(
        "sagemaker_step_runs",
        [
            {
                "execution_arn": EXECUTION,
                "step_name": "Prep",
                "status": "Succeeded",
                "started_at": datetime(2026, 11, 1, 2, tzinfo=UTC),
                "ended_at": datetime(2026, 11, 1, 2, 5, tzinfo=UTC),
            },
            {
                "execution_arn": EXECUTION,
                "step_name": "Train",
                "status": "Failed",
                "started_at": datetime(2026, 11, 1, 2, 5, tzinfo=UTC),
                "ended_at": datetime(2026, 11, 1, 2, 30, tzinfo=UTC),
                "failure_reason": "OOM",
            },
        ],
    )
    records.add(
        "sagemaker_step_io",
        [
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "pipeline_name": PIPELINE,
                "step_name": s,
                "direction": d,
                "uri": u,
                "provenance": "declared",
            }
            for s, d, u in io
        ],
    )
    records.add(
        "sagemaker_step_edges",
        [
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "pipeline_name": PIPELINE,
                "from_step": "Train",
                "to_step": "Register",
                "via": "property",
            }
        ],
    )
    records.add(
        "sagemaker_model_packages",
        [
            {
                "model_package_arn": PACKAGE,
                "account_id": ACCOUNT,
                "region": REGION,
                "pipeline_name": PIPELINE,
                "step_name": "Register",
                "approval_status": "Approved",
                "model_data_url": "s3://art/model/Train-1/output/model.tar.gz",
            }
        ],
    )
    records.add(
        "feature_groups",
        [
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "feature_group_name": "churn-fg",
                "offline_store_uri": "s3://fs/offline/",
            }
        ],
    )
    records.add(
        "features",
        [{"feature_group_name": "churn-fg", "feature_name": n} for n in ("phone", "email_hash")],
    )
    return records


@pytest.fixture
def store(tmp_path):
    with LineageStore.open(tmp_path / "graph.duckdb") as opened:
        unit = ParsedUnit(extract_lineage(SQL, "athena"), 0, "athena")
        opened.replace_source(file_records("sql:r/f.sql", "r", "f.sql", "blob", None, [unit]))
        opened.replace_source(
            dataset(
                "s3://raw/customers/",
                {"customer_id": "string", "email": "string", "phone": "string", "amount": "double"},
                # amount: sampled, not PII (the S3 crawl stores NULL then)
                {"email": "email", "phone": "phone", "customer_id": "customer_id", "amount": None},
            )
        )
        opened.replace_source(
            dataset("s3://lake/features/", {"phone": "string", "email_hash": "string"}, {})
        )
        opened.replace_source(
            dataset("s3://fs/offline/123/data", {"phone": "string", "email_hash": "string"}, {})
        )
        opened.replace_source(pipeline())
        yield opened


def tags(store: LineageStore) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for column, cls in store.conn.execute("SELECT column_node, pii_class FROM pii_tags").fetchall():
        found.setdefault(column, set()).add(cls)
    return found


def test_uris_normalize_and_nest():
    assert normalize("S3A://b/p//x/") == "s3://b/p/x"
    assert normalize("s3://b/Key/") == "s3://b/Key"  # keys stay case-sensitive
    assert ancestors("s3://b/p/x") == ["s3://b/p", "s3://b"]


def test_pii_flows_through_sql_s3_and_the_pipeline_and_stops_at_masking(store):
    store.upsert(
        Upsert(
            "classification_overrides",
            ("dataset_uri", "column_path"),
            [
                {
                    "dataset_uri": "s3://raw/customers/",
                    "column_path": "customer_id",
                    "pii_class": "none",
                    "note": "synthetic key",
                }
            ],
        )
    )
    build_graph(store)
    found = tags(store)
    assert found["column:s3://raw/customers/#email"] == {"email"}
    assert found["column:analytics.customers_raw.phone"] == {"phone"}
    assert found["column:analytics.features.phone"] == {"phone"}
    assert found["column:s3://fs/offline/123/data#phone"] == {"phone"}
    assert "column:analytics.features.email_hash" not in found  # sha256 masks
    assert "column:analytics.features.spend" not in found  # aggregates stop
    assert not any("customer_id" in column for column in found)  # the override removed it
    path = store.conn.execute(
        "SELECT path FROM pii_tags WHERE column_node = 'column:s3://fs/offline/123/data#phone'"
    ).fetchone()[0]
    assert path[0] == "column:s3://raw/customers/#phone" and len(path) >= 5


def test_exposure_answers_the_dspm_questions(store):
    build_graph(store)
    rows = store.conn.execute(
        "SELECT node, exposure, pii_classes, approval_status, path FROM pii_exposure "
        "WHERE node_kind IN ('feature_group', 'model_package') ORDER BY node"
    ).fetchall()
    kinds = {(node, exposure) for node, exposure, *_ in rows}
    assert (f"feature_group:{ACCOUNT}/{REGION}/churn-fg", "contains") in kinds
    assert (f"model_package:{PACKAGE}", "trained_on") in kinds
    package = next(r for r in rows if r[0] == f"model_package:{PACKAGE}")
    assert package[2] == ["phone"] and package[3] == "Approved"
    assert package[4][-2:] == [f"{STEP}/Train", f"model_package:{PACKAGE}"]


def test_stitching_joins_sql_s3_and_steps_for_the_walk_macros(store):
    build_graph(store)
    down = {
        node
        for (node,) in store.conn.execute(
            "SELECT node FROM downstream('table:analytics.customers_raw', 20)"
        ).fetchall()
    }
    assert {"data:s3a://lake/features/", f"{STEP}/Prep", f"{STEP}/Train"} <= down
    assert f"model_package:{PACKAGE}" in down
    up = {
        node
        for (node,) in store.conn.execute(
            "SELECT node FROM upstream(?, 20)", [f"model_package:{PACKAGE}"]
        ).fetchall()
    }
    assert "data:s3://raw/customers/" in up and "table:analytics.features" in up


def test_training_data_without_carried_pii_is_no_exposure(store):
    store.replace_source(
        dataset("s3://fs/offline/123/data", {"email_hash": "string"}, {})
    )  # the training data has no carried PII column any more
    store.replace_source(
        SourceRecords("s3_dataset:s3://lake/features/", "s3_dataset").add(
            "s3_datasets", [{"dataset_uri": "s3://lake/features/"}]
        )
    )
    build_graph(store)
    exposed = store.conn.execute(
        "SELECT node FROM pii_exposure WHERE node_kind = 'model_package'"
    ).fetchall()
    feature_data = store.conn.execute(
        "SELECT count(*) FROM pii_tags WHERE owner_node LIKE 'data:s3://fs/offline/123%'"
    ).fetchone()[0]
    assert feature_data == 0
    assert exposed == []


# -- snapshots, pictures, the asset and the CLI ------------------------------------------------


def test_pipeline_snapshot_has_the_contract_status_sql_and_schema_layer(store):
    build_graph(store)
    document = pipeline_document(store.conn, f"sagemaker:{ACCOUNT}/{REGION}/{PIPELINE}")
    steps = {n["id"]: n for n in document["graphPipeline"]["nodes"]}
    assert document["graph"] == document["graphPipeline"]
    assert steps["Train"]["run"]["status"] == "Failed"
    assert steps["Prep"]["run"]["elapsedSec"] == 300
    assert document["summary"]["overallStatus"] == "Failed"
    assert document["summary"]["nodeStatus"] == {"Succeeded": 1, "Failed": 1}
    assert {"sqlSources", "sqlTargets", "hasSql"} <= set(steps["Prep"])
    data = {n["id"]: n for n in document["graphData"]["nodes"] if n["type"] == "dataArtifact"}
    training = data["data:s3://fs/offline/123/data"]
    assert training["pii"] == ["phone"]
    assert {"name": "phone", "pii": ["phone"]} in training["columns"]
    assert {"name": "email_hash", "pii": []} in training["columns"]


def test_snapshots_are_skipped_when_unchanged_and_diffed_when_changed(store, tmp_path):
    build_graph(store)
    folder = tmp_path / "graph"
    first = snapshot.save(store, "global", snapshot.global_graph(store.conn), folder, "r1")
    again = snapshot.save(store, "global", snapshot.global_graph(store.conn), folder, "r2")
    assert first.changed and not again.changed and again.content_hash == first.content_hash
    assert store.conn.execute("SELECT count(*) FROM graph_snapshots").fetchone() == (1,)
    assert json.loads(first.path.read_text())["nodes"]

    store.replace_source(
        SourceRecords("sql:r/new.sql", "sql_file").add(
            "table_edges", [{"source_table": "analytics.features", "target_table": "mart.x"}]
        )
    )
    store.upsert(
        Upsert(
            "classification_overrides",
            ("dataset_uri", "column_path"),
            [{"dataset_uri": "s3://raw/customers/", "column_path": "phone", "pii_class": "none"}],
        )
    )
    build_graph(store)
    changed = snapshot.save(store, "global", snapshot.global_graph(store.conn), folder, "r3")
    assert changed.changed
    assert ["table:analytics.features", "table:mart.x", "sql"] in changed.diff["edges_added"]
    assert "table:mart.x" in changed.diff["nodes_added"]
    pii_changes = {node: (old, new) for node, old, new in changed.diff["pii_changed"]}
    assert pii_changes["data:s3://raw/customers/"] == (
        ["customer_id", "email", "phone"],
        ["customer_id", "email"],
    )
    assert store.conn.execute("SELECT count(*) FROM graph_snapshots").fetchone() == (2,)


def test_the_picture_shows_steps_by_status_and_data_by_pii(store):
    build_graph(store)
    document = pipeline_document(store.conn, f"sagemaker:{ACCOUNT}/{REGION}/{PIPELINE}")
    for view in ("pipeline", "data", "both"):
        picture = svg.render(document, view)
        assert picture.startswith("<svg") and picture.endswith("</svg>")
        assert "Train (Training)" in picture or view == "data"
    data = svg.render(document, "data")
    assert svg.PII_COLOUR in data and "[PII: phone]" in data
    assert svg.STATUS_COLOURS["Failed"] in svg.render(document, "pipeline")
    assert svg.data_uri(data).startswith("data:image/svg+xml;base64,")


def test_a_fifty_step_pipeline_picture_lays_out_without_overlaps():
    nodes = [
        {"id": f"Step{i:02d}", "type": "Processing", "run": {"status": "Succeeded"}}
        for i in range(50)
    ]
    edges = [
        {"from": f"Step{i:02d}", "to": f"Step{i + 1:02d}", "via": "dependsOn"}
        for i in range(0, 49, 2)
    ]
    picture = svg.render({"graphPipeline": {"nodes": nodes, "edges": edges}}, "pipeline")
    boxes = [
        tuple(float(v) for v in match)
        for match in re.findall(
            r'<rect x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"', picture
        )
    ]
    assert len(boxes) == 50
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "boxes overlap"


def test_the_asset_saves_snapshots_and_its_check_fails_on_an_approved_model(store, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    store.conn.execute("CHECKPOINT")
    shutil.copyfile(store.path, config.duckdb_path(home))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [lineage_graph, no_approved_model_trained_on_pii],
            resources={"lineage_store": LineageStoreResource(lineage_home=str(home))},
            instance=instance,
        )
    assert result.success
    metadata = result.asset_materializations_for_node("lineage_graph")[0].metadata
    assert "data:image/svg+xml;base64," in metadata["pictures"].value
    link = f"?pipeline={PIPELINE}&region={REGION}&account={ACCOUNT}&view=both"
    assert link in metadata["pictures"].value
    assert {"nodes", "edges", "piiExposure"} <= set(metadata["snapshot"].value)
    assert f"model_package:{PACKAGE}" in metadata["summary"].value
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert PACKAGE in check.metadata["details"].value
    assert (home / "graph" / "global.json").exists()


def test_the_cli_answers_graph_impact_and_exposure_questions(store, tmp_path, monkeypatch, capsys):
    build_graph(store)
    for scope, document in (
        ("global", snapshot.global_graph(store.conn)),
        (
            f"sagemaker:{ACCOUNT}/{REGION}/{PIPELINE}",
            pipeline_document(store.conn, f"sagemaker:{ACCOUNT}/{REGION}/{PIPELINE}"),
        ),
    ):
        snapshot.save(store, scope, document, tmp_path / "g", None)
    store.published_path = config.published_path(tmp_path)
    store.publish()
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))

    assert main(["graph", "--pipeline", PIPELINE, "--view", "data"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert "graphData" in document and "graphPipeline" not in document
    assert main(["graph", "--pipeline", PIPELINE, "--format", "svg"]) == 0
    assert capsys.readouterr().out.startswith("<svg")
    assert main(["impact", f"model_package:{PACKAGE}", "--upstream"]) == 0
    assert "data:s3://raw/customers/" in capsys.readouterr().out
    assert main(["pii-exposure"]) == 0
    exposure = json.loads(capsys.readouterr().out)
    assert any(
        row["exposure"] == "trained_on" and row["approval_status"] == "Approved" for row in exposure
    )
    assert main(["graph", "--pipeline", "Nope"]) == 1
    assert capsys.readouterr().err.startswith("error: unknown pipeline 'Nope'")
