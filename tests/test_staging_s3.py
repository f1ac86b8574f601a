"""Staging on S3 (the emulator, through pyarrow's S3 filesystem as `s3_filesystem` configures
it): batches staged, listed, applied, an uncommitted one swept, applied ones deleted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lineage_assets import aws
from lineage_assets.staging.ingest import ingest
from lineage_assets.staging.location import StagingLocation
from lineage_assets.staging.sink import StagingSink
from lineage_assets.store import LineageStore
from tests.support.staging_workers import sql_source

ACCOUNT = "313131313131"  # this test's own emulated account: its bucket shows nowhere else


@pytest.fixture
def staging_bucket(aws_env, monkeypatch: pytest.MonkeyPatch) -> str:
    """A bucket in an account of its own, with that account's credentials in the environment
    (where boto3 and pyarrow both find them)."""
    role = f"arn:aws:iam::{ACCOUNT}:role/tests"
    credentials = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="staging")[
        "Credentials"
    ]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    aws.client("s3", "us-east-1").create_bucket(Bucket="lineage-staging")
    return "lineage-staging"


def test_batches_staged_on_s3_are_applied_once_and_the_uncommitted_one_swept(
    staging_bucket: str, tmp_path: Path
):
    location = StagingLocation.from_url(f"s3://{staging_bucket}/nightly/stage")
    assert not location.local
    with StagingSink(location, "s3", "p", max_batch_operations=2) as sink:
        sink.replace_sources([sql_source("s3", 0), sql_source("s3", 1)])
        sink.replace_source(sql_source("s3", 2))
    orphan = "0" * 32  # a crawl that died after its first file: no manifest
    location.put(f"{location.batch_dir(orphan)}/ops.parquet", b"partial")
    listed = {item.batch_id: item.has_manifest for item in location.list_batches()}
    assert sorted(listed.values()) == [False, True, True] and listed[orphan] is False

    with LineageStore.open(tmp_path / "s.duckdb") as store:
        report = ingest(store, location)
        assert len(report.applied) == 2 and report.waiting == [orphan]
        assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (9,)
        again = ingest(store, location, sweep_after=timedelta(0))
        assert again.applied == [] and again.swept == [orphan]
        assert store.conn.execute("SELECT count(*) FROM table_edges").fetchone() == (9,)
    assert location.list_batches() == []
