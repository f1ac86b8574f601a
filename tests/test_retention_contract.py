"""Retention on the contract's artifacts, on a copy of the session's crawl of the demo account:
a cross-check that finds a deleted id in the churn pipeline's raw customer files marks that
artifact expired, naming both reports, and leaves the others as they were."""

from __future__ import annotations

import json

from lineage_assets import config
from lineage_assets.contract.builder import Request, build_lineage
from lineage_assets.contract.schema import validation_errors
from lineage_assets.retention.load import load_reports
from lineage_assets.store import LineageStore

DELETED = "customer-4711-erased"
RAW_BUCKET = "acme-raw-landing"


def churn_artifacts(store: LineageStore) -> list[dict]:
    body = build_lineage(store.conn, Request(pipeline="CustomerChurnFeatures"))
    assert validation_errors(body, "lineage") == []
    return body["graphPipeline"]["artifacts"]


def test_an_artifact_holding_a_deleted_id_is_expired_with_both_reports(demo_crawl, tmp_path):
    (tmp_path / "home").mkdir()
    home = demo_crawl.copy(tmp_path / "home")
    with LineageStore.open(config.published_path(home)) as store:
        before = churn_artifacts(store)
        raw = next(a for a in before if a["bucket"] == RAW_BUCKET)
        assert raw["retention"] == {
            "expired": False,
            "matchedIds": [],
            "matchedCount": 0,
            "sources": {
                "rdsReport": False,
                "crossCheckReport": False,
                "deletionReports": [],
                "usageReports": [],
            },
        }
        rds = tmp_path / "rds.json"
        rds.write_text(json.dumps({"deleted_ids": [DELETED, "customer-0001"]}))
        xcheck = tmp_path / "xcheck.json"
        inside = raw["uri"].rstrip("/") + "/part-00000.csv"  # an object inside the artifact
        xcheck.write_text(json.dumps([{"file": inside, "matched_ids": [DELETED, "kept"]}]))
        load_reports(store, [str(rds), str(xcheck)])
        after = churn_artifacts(store)
    expired = [a for a in after if a["retention"]["expired"]]
    assert [a["uri"] for a in expired] == [raw["uri"]]
    block = expired[0]["retention"]
    assert block["matchedCount"] == 1 and len(block["matchedIds"]) == 1
    assert DELETED not in json.dumps(after)
    assert block["sources"] == {
        "rdsReport": True,
        "crossCheckReport": True,
        "deletionReports": [str(rds)],
        "usageReports": [str(xcheck)],
    }
    assert all(a["retention"]["sources"]["rdsReport"] for a in after)
    for old, new in zip(before, after, strict=True):
        assert {k: v for k, v in old.items() if k != "retention"} == {
            k: v for k, v in new.items() if k != "retention"
        }


def test_the_cross_check_report_route_summarises_the_loaded_reports(demo_crawl, tmp_path):
    from fastapi.testclient import TestClient

    from lineage_assets.api.app import create_app

    (tmp_path / "home").mkdir()
    home = demo_crawl.copy(tmp_path / "home")
    rds = tmp_path / "rds.json"
    rds.write_text(json.dumps({"deleted_ids": [DELETED, "customer-0001"]}))
    xcheck = tmp_path / "xcheck.json"
    inside = f"s3://{RAW_BUCKET}/customers/part-00000.csv"
    other = f"s3://{RAW_BUCKET}/customers/part-00001.csv"
    xcheck.write_text(
        json.dumps(
            [{"file": inside, "matched_ids": [DELETED, "kept"]}, {"file": other, "ids": ["kept"]}]
        )
    )
    with LineageStore.open(config.published_path(home)) as store:  # the copy, written in place
        load_reports(store, [str(rds), str(xcheck)])
    with TestClient(create_app(config.published_path(home))) as api:
        body = api.get("/api/v2/scan/cross-check/report").json()
    assert validation_errors(body, "crossCheckReport") == []
    assert body["summary"] == {"deletedIdsTotal": 2, "s3ObjectsChecked": 2, "affectedObjects": 1}
    (affected,) = body["affected"]
    assert affected["s3"] == inside and affected["count"] == 1
    assert DELETED not in json.dumps(body)  # samples are salted hashes, never the ids
