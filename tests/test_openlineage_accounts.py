"""One pipeline name in two accounts is two OpenLineage jobs: job names carry the account
(`sagemaker.{account}.{region}.{pipeline}[.{step}]`), each step writes its own account's feature
group and offline store, and every event stays valid against the spec's schemas."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from openlineage.client.serde import Serde

from lineage_assets.openlineage.events import build_events
from lineage_assets.openlineage.naming import Naming
from lineage_dev.emulator import definitions as seeded
from tests.support.twin_account import REGION, TWIN, TWIN_STORE_URI, crawl_both
from tests.test_openlineage_export import all_facets, validator_for

STEP = "PrepareCustomerFeatures"


def test_the_same_pipeline_in_two_accounts_is_two_jobs(aws_env, store):
    crawl_both(store, aws_env.account_id, seeded.CHURN_PIPELINE)
    keyed = list(build_events(store.conn, Naming()))
    keys = [event.key for event in keyed]
    assert len(keys) == len(set(keys))  # no event of one account stands for the other's
    events = [json.loads(Serde.to_json(event.event)) for event in keyed]
    accounts = (aws_env.account_id, TWIN)
    jobs = {event["job"]["name"] for event in events}
    for account in accounts:
        assert f"sagemaker.{account}.{REGION}.{seeded.CHURN_PIPELINE}" in jobs
        assert f"sagemaker.{account}.{REGION}.{seeded.CHURN_PIPELINE}.{STEP}" in jobs
    assert not any(name.startswith(f"sagemaker.{REGION}.") for name in jobs)

    twin_step = next(
        e
        for e in events
        if e["job"]["name"] == f"sagemaker.{TWIN}.{REGION}.{seeded.CHURN_PIPELINE}.{STEP}"
    )
    written = {(d["namespace"], d["name"]) for d in twin_step["outputs"]}
    group = f"feature-group/{seeded.FEATURE_GROUP}"
    assert (f"arn:aws:sagemaker:{REGION}:{TWIN}", group) in written
    assert (f"arn:aws:sagemaker:{REGION}:{aws_env.account_id}", group) not in written
    twin_bucket = TWIN_STORE_URI.split("/")[2]
    assert any(namespace == f"s3://{twin_bucket}" for namespace, _ in written)

    validators: dict[str, Draft202012Validator] = {}
    for event in events:
        for url, document in [(event["schemaURL"], event)] + [
            (facet["_schemaURL"], facet) for facet in all_facets(event)
        ]:
            validator = validators.setdefault(url, validator_for(url))
            errors = [e.message for e in validator.iter_errors(document)]
            assert not errors, (event["job"]["name"], url, errors[:3])
