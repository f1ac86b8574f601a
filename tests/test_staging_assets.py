"""The staging Dagster layer on the seeded emulator: one staged crawl run per account x
region, then one ingest, land what the direct nightly crawl lands; the ingest does nothing
while staging is off; a partition of another account is refused."""

from __future__ import annotations

from pathlib import Path

import boto3
import dagster as dg
import pytest

from dagster_project.defs.sagemaker.assets import sagemaker_crawl
from dagster_project.defs.staging.assets import ingest_staged, sagemaker_crawl_staged
from dagster_project.defs.staging.partitions import account_region, aws_accounts, aws_regions
from dagster_project.defs.staging.resources import StagingResource
from dagster_project.resources import DUCKDB_POOL, AwsResource, LineageStoreResource
from lineage_assets import config
from lineage_assets.store import LineageStore, open_published


def resources(home: Path, regions: list[str], staging: Path | None) -> dict[str, object]:
    return {
        "lineage_store": LineageStoreResource(lineage_home=str(home)),
        "aws": AwsResource(regions=",".join(regions)),
        "staging": StagingResource(url=str(staging) if staging else ""),
    }


def lineage(home: Path) -> dict[str, object]:
    with open_published(config.published_path(home)) as conn:
        edges = conn.execute("SELECT * FROM lineage_edge_index ORDER BY ALL").fetchall()
        sources = conn.execute(
            "SELECT source_key, source_kind, status, row_count, tables, content_hash "
            "FROM sources ORDER BY ALL"
        ).fetchall()
        steps = conn.execute("SELECT count(*) FROM sagemaker_steps").fetchone()
    return {"edges": edges, "sources": sources, "steps": steps}


def test_staged_runs_per_account_region_and_one_ingest_land_what_the_direct_crawl_lands(
    aws_env, tmp_path
):
    regions = list(aws_env.regions)
    account = boto3.client("sts").get_caller_identity()["Account"]
    staging = tmp_path / "staging"
    staged_home, direct_home = tmp_path / "staged", tmp_path / "direct"
    assert ingest_staged.op.pool == DUCKDB_POOL and sagemaker_crawl_staged.op.pool is None
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(aws_accounts.name, [account])
        instance.add_dynamic_partitions(aws_regions.name, regions)
        for region in regions:
            key = dg.MultiPartitionKey({"account": account, "region": region})
            assert account_region(str(key)) == (account, region)
            result = dg.materialize(
                [sagemaker_crawl_staged],
                partition_key=str(key),
                instance=instance,
                resources=resources(staged_home, regions, staging),
            )
            metadata = result.asset_materializations_for_node("sagemaker_crawl_staged")[0].metadata
            assert metadata["batches"].value >= 1
        assert not config.published_path(staged_home).exists()  # no writer was opened
        ingested = dg.materialize(
            [ingest_staged], instance=instance, resources=resources(staged_home, regions, staging)
        )
    metadata = ingested.asset_materializations_for_node("ingest_staged")[0].metadata
    assert metadata["batches_applied"].value >= len(regions) and metadata["rejected"].value == 0
    assert not any(staging.rglob("*.parquet"))  # applied batches are deleted
    direct = dg.materialize([sagemaker_crawl], resources=resources(direct_home, regions, None))
    assert direct.success
    publish(direct_home)  # the direct crawl leaves publishing to the job's last asset
    staged, expected = lineage(staged_home), lineage(direct_home)
    assert staged == expected and expected["steps"][0] > 0


def publish(home: Path) -> None:
    with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
        store.publish()


def test_the_ingest_does_nothing_while_staging_is_off(tmp_path, monkeypatch):
    monkeypatch.delenv("LINEAGE_STAGING_URL", raising=False)
    result = dg.materialize([ingest_staged], resources=resources(tmp_path, ["us-east-1"], None))
    metadata = result.asset_materializations_for_node("ingest_staged")[0].metadata
    assert metadata["staging"].value.startswith("off")
    assert not config.duckdb_path(tmp_path).exists()


def test_a_partition_of_another_account_is_refused(aws_env, tmp_path):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(aws_accounts.name, ["000000000000"])
        instance.add_dynamic_partitions(aws_regions.name, ["us-east-1"])
        with pytest.raises(dg.Failure, match="not among the configured accounts"):
            dg.materialize(
                [sagemaker_crawl_staged],
                partition_key="000000000000|us-east-1",
                instance=instance,
                resources=resources(tmp_path, ["us-east-1"], tmp_path / "staging"),
            )
