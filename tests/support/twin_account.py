"""An emulated account of the tests' own holding what the seeded account holds under the same
names: the churn pipeline and its feature group, whose offline store lies elsewhere; plus the
same definition under a name of its own (a pipeline the contract can ask for by name alone)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lineage_assets import aws
from lineage_assets.sagemaker.crawl import crawl_named
from lineage_assets.store import LineageStore
from lineage_dev.emulator import datasets as ds
from lineage_dev.emulator import definitions as seeded
from tests.support.organization import acting_in

TWIN = "210987654361"
REGION = seeded.MAIN_REGION
TWIN_STORE_URI = f"s3://features-{TWIN}/customer-churn-features"
RENAMED = f"{seeded.CHURN_PIPELINE}Twin"


def twin_clients() -> Callable[[str, str], Any]:
    """A client factory acting in the twin account."""
    session = acting_in(TWIN)
    return lambda service, region: session.create_client(service, region_name=region)


def seed_twin() -> None:
    """The twin's feature group and two churn pipelines (once per emulator)."""
    sagemaker = twin_clients()("sagemaker", REGION)
    groups = sagemaker.list_feature_groups()["FeatureGroupSummaries"]
    if not any(g["FeatureGroupName"] == seeded.FEATURE_GROUP for g in groups):
        sagemaker.create_feature_group(
            FeatureGroupName=seeded.FEATURE_GROUP,
            RecordIdentifierFeatureName="customer_id",
            EventTimeFeatureName="event_time",
            FeatureDefinitions=ds.feature_definitions(),
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": TWIN_STORE_URI}},
            RoleArn=seeded.ROLE_ARN,
        )
    listed = {p["PipelineName"] for p in sagemaker.list_pipelines()["PipelineSummaries"]}
    for name in (seeded.CHURN_PIPELINE, RENAMED):
        if name not in listed:
            sagemaker.create_pipeline(
                PipelineName=name,
                PipelineDefinition=json.dumps(seeded.churn_definition()),
                RoleArn=seeded.ROLE_ARN,
            )


def crawl_both(store: LineageStore, seeded_account: str, twin_pipeline: str) -> None:
    """The seeded account's churn pipeline and one of the twin's, into one store."""
    seed_twin()
    for account, clients, name in (
        (seeded_account, aws.client, seeded.CHURN_PIPELINE),
        (TWIN, twin_clients(), twin_pipeline),
    ):
        report = crawl_named(store, clients, account, {REGION: [name]}, reads=store.conn)
        assert report.errors == [], report.errors
