"""The SageMaker edges of `lineage_edges` that a crawl's own records carry: tables read by
step input queries, executions to the steps they ran, feature groups to their offline data and
model data to its model package (each checked against the crawled rows, ids from core.ids)."""

from __future__ import annotations

import pytest

from lineage_assets import aws
from lineage_assets.core.ids import (
    data_node,
    execution_node,
    feature_group_node,
    model_package_node,
    step_node,
    table_node,
)
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.store import LineageStore
from lineage_dev.emulator import definitions as seeded
from lineage_dev.emulator.definitions import ACCOUNT_ID
from tests.conftest import point_at_emulator

REGION = seeded.MAIN_REGION


@pytest.fixture(scope="module")
def crawled(emulator, tmp_path_factory):
    """The seeded account crawled once into a store (read-only for the tests below)."""
    server, account = emulator
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        with LineageStore.open(tmp_path_factory.mktemp("edges") / "lineage.duckdb") as store:
            report = crawl_regions(store, aws.client, ACCOUNT_ID, account.regions, reads=store.conn)
            assert report.errors == []
            yield store


def edges(store, kind: str) -> set[tuple]:
    return set(
        store.conn.execute(
            "SELECT source_node, target_node, provenance, source_key, location, commit_sha, "
            "execution_arn FROM lineage_edges WHERE edge_kind = ?",
            [kind],
        ).fetchall()
    )


def test_tables_read_by_step_queries_are_query_edges_into_the_step(crawled):
    found = edges(crawled, "query")
    key = f"sagemaker:{ACCOUNT_ID}/{REGION}/{seeded.CHURN_PIPELINE}"
    step = crawled.conn.execute(
        "SELECT DISTINCT step_name FROM sagemaker_step_io WHERE source_key = ? "
        "AND query_string IS NOT NULL",
        [key],
    ).fetchall()
    assert len(step) == 1
    churn = {edge for edge in found if edge[3] == key}
    assert churn and all(
        edge[1:]
        == (
            step_node(ACCOUNT_ID, REGION, seeded.CHURN_PIPELINE, step[0][0]),
            "inferred",
            key,
            f"query_result query of {seeded.CHURN_PIPELINE}/{step[0][0]}",
            None,
            None,
        )
        for edge in churn
    )
    tables = {edge[0] for edge in churn}
    stored = crawled.conn.execute(
        "SELECT DISTINCT table_name FROM sagemaker_step_queries WHERE source_key = ?", [key]
    ).fetchall()
    assert tables == {table_node(name) for (name,) in stored} and len(tables) >= 1


def test_each_execution_ran_its_steps_with_their_status(crawled):
    runs = crawled.conn.execute(
        "SELECT r.execution_arn, p.account_id, p.region, p.pipeline_name, r.step_name, r.status, "
        "r.source_key "
        "FROM sagemaker_step_runs r JOIN sagemaker_pipelines p USING (source_key)"
    ).fetchall()
    assert runs
    assert edges(crawled, "ran") == {
        (
            execution_node(arn),
            step_node(account, region, pipeline, step),
            "inferred",
            key,
            status or "unknown",
            None,
            None,
        )
        for arn, account, region, pipeline, step, status, key in runs
    }


def test_feature_groups_point_at_their_offline_data(crawled):
    groups = crawled.conn.execute(
        "SELECT account_id, region, feature_group_name, "
        "coalesce(resolved_offline_uri, offline_store_uri), "
        "source_key FROM feature_groups"
    ).fetchall()
    assert any(name == seeded.FEATURE_GROUP for _, _, name, _, _ in groups)
    assert edges(crawled, "feature_group_data") == {
        (
            feature_group_node(account, region, name),
            data_node(uri),
            "inferred",
            key,
            name,
            None,
            None,
        )
        for account, region, name, uri, key in groups
        if uri is not None
    }


def test_model_data_points_at_its_model_package(crawled):
    packages = crawled.conn.execute(
        "SELECT model_package_arn, model_data_url, source_key FROM sagemaker_model_packages "
        "WHERE model_data_url IS NOT NULL"
    ).fetchall()
    assert packages
    assert edges(crawled, "model_data") == {
        (
            data_node(url),
            model_package_node(arn),
            "inferred",
            key,
            f"ModelDataUrl of {arn}",
            None,
            None,
        )
        for arn, url, key in packages
    }
