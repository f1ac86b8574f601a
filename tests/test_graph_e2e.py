"""End to end on the emulator: the nightly job crawls the demo account and the demo SQL, and
the graph answers the two questions the project exists for."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lineage_assets import config

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def crawled(demo_crawl, tmp_path_factory):
    """The published store after one run of the nightly job against the emulated account
    (a copy of the session's crawl: the crawl is the expensive part)."""
    home = demo_crawl.copy(tmp_path_factory.mktemp("e2e"))
    con = duckdb.connect(str(config.published_path(home)), read_only=True)
    yield demo_crawl.account, con, demo_crawl.checks
    con.close()


def package_of(con, group: str) -> str:
    (arn,) = con.execute(
        "SELECT model_package_arn FROM sagemaker_model_packages WHERE group_name = ? LIMIT 1",
        [group],
    ).fetchone()
    return f"model_package:{arn}"


def test_cross_source_path_from_a_git_sql_file_to_a_registered_model(crawled):
    _, con, _ = crawled
    package = package_of(con, "CustomerChurnModelGroup")
    upstream = dict(con.execute("SELECT node, path FROM upstream(?, 30)", [package]).fetchall())
    step = "step:123456789012/us-east-1/CustomerChurnFeatures/"
    # the Athena query of the processing step reads the table a git SQL file builds
    assert f"{step}PrepareCustomerFeatures" in upstream
    assert "table:analytics.customer_features" in upstream
    assert "table:analytics.customers_raw" in upstream
    query = con.execute(
        "SELECT count(*) FROM lineage_edges WHERE edge_kind = 'query' "
        "AND source_node = 'table:analytics.customer_features' AND target_node = ?",
        [f"{step}PrepareCustomerFeatures"],
    ).fetchone()
    assert query == (1,)
    written_by = con.execute(
        "SELECT location, commit_sha FROM lineage_edges WHERE provenance = 'parsed' "
        "AND target_node = 'table:analytics.customer_features' LIMIT 1"
    ).fetchone()
    assert written_by[0].startswith("athena/04_customer_features.sql:") and written_by[1]
    # the feature group and the training step sit between them
    assert "feature_group:123456789012/us-east-1/customer-churn-features" in upstream
    assert f"{step}TrainChurnModel" in upstream
    path = upstream["table:analytics.customer_features"]
    assert path[0] == package and path[-1] == "table:analytics.customer_features"


def test_pii_path_from_the_raw_customer_file_to_the_model(crawled):
    _, con, checks = crawled
    package = package_of(con, "CustomerChurnModelGroup")
    exposure = con.execute(
        "SELECT exposure, pii_classes, approval_status, via_node FROM pii_exposure WHERE node = ?",
        [package],
    ).fetchall()
    assert exposure and exposure[0][0] == "trained_on" and exposure[0][2] == "Approved"
    assert {"email", "phone"} & set(exposure[0][1])
    raw = con.execute(
        "SELECT pii_class FROM pii_tags WHERE owner_node = 'data:s3://acme-raw-landing/customers/'"
    ).fetchall()
    assert {"email", "kr_rrn", "payment_card"} <= {c for (c,) in raw}
    assert checks["no_approved_model_trained_on_pii"] is False  # the demo's finding
    abalone = package_of(con, "AbaloneModelPackageGroup")
    assert con.execute(
        "SELECT count(*) FROM pii_exposure WHERE node = ?", [abalone]
    ).fetchone() == (0,)


def test_snapshots_exist_per_pipeline_and_globally(crawled):
    aws_env, con, _ = crawled
    scopes = {s for (s,) in con.execute("SELECT DISTINCT scope FROM graph_snapshots").fetchall()}
    expected = {"global"} | {
        f"sagemaker:123456789012/{r}/{n}" for n, r in aws_env.pipelines.items()
    }
    assert scopes == expected
    executions = con.execute(
        "SELECT count(DISTINCT source_node) FROM lineage_edges WHERE edge_kind = 'ran'"
    ).fetchone()[0]
    assert executions == len(aws_env.executions)
