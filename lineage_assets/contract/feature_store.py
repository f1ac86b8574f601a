"""The original's Feature Store answers (`/featurestore/feature-groups[/{name}]`) read from the
crawled `feature_groups` and `features` tables instead of asking SageMaker: the list as
`{"items":[{name, arn}]}`, one group normalised as the original did, plus what it dropped (the
resolved offline-store URI, its Glue table), and an unknown group is a 404, not its 500."""

from __future__ import annotations

from typing import Any

import duckdb

from lineage_assets.contract.reads import AmbiguousName, UnknownName, iso

MAX_GROUPS = 10_000  # a region's groups listed at most (AWS's default quota is 100)
MAX_FEATURES = 10_000  # features of one group at most (AWS allows 2,500)


def feature_groups(
    conn: duckdb.DuckDBPyConnection,
    region: str,
    name_contains: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """`/featurestore/feature-groups`: the region's crawled groups, by name (`nameContains`
    in any case); each also names its account (a key the original lacks)."""
    rows = conn.execute(
        "SELECT DISTINCT feature_group_name, feature_group_arn, account_id FROM feature_groups "
        "WHERE region = ? AND (? IS NULL OR contains(lower(feature_group_name), lower(?))) "
        "AND (? IS NULL OR account_id = ?) ORDER BY ALL LIMIT ?",
        [region, name_contains, name_contains, account, account, MAX_GROUPS],
    ).fetchall()
    return {"items": [{"name": n, "arn": a, "account": acc} for n, a, acc in rows]}


def feature_group(
    conn: duckdb.DuckDBPyConnection, region: str, name: str, account: str | None = None
) -> dict[str, Any]:
    """`/featurestore/feature-groups/{name}`: one group in the original's normalised shape.
    Unknown: UnknownName with close names; in several accounts without `account`:
    AmbiguousName."""
    rows = conn.execute(
        "SELECT account_id, any_value(feature_group_arn), any_value(record_identifier), "
        "any_value(event_time_feature), any_value(offline_store_uri), "
        "any_value(resolved_offline_uri), any_value(kms_key_id), any_value(glue_database), "
        "any_value(glue_table), any_value(online_store_enabled), any_value(status), "
        "max(created_at), list(DISTINCT source_key) FROM feature_groups "
        "WHERE region = ? AND feature_group_name = ? AND (? IS NULL OR account_id = ?) "
        "GROUP BY account_id ORDER BY account_id",
        [region, name, account, account],
    ).fetchall()
    if not rows:
        known = conn.execute(
            "SELECT DISTINCT feature_group_name FROM feature_groups WHERE region = ? LIMIT ?",
            [region, MAX_GROUPS],
        ).fetchall()
        raise UnknownName(f"feature group in {region}", name, [n for (n,) in known])
    if len(rows) > 1:
        raise AmbiguousName(
            "feature group", name, [f"{r[0]}/{region}" for r in rows], give="account"
        )
    (acc, arn, record_id, event_time, offline, resolved, kms, glue_db, glue_table, online,
     status, created, sources) = rows[0]  # fmt: skip
    features = conn.execute(
        "SELECT feature_name, any_value(feature_type) FROM features "
        "WHERE feature_group_name = ? AND list_contains(?, source_key) "
        "GROUP BY feature_name ORDER BY min(rowid) LIMIT ?",
        [name, sources, MAX_FEATURES],
    ).fetchall()
    return {
        "featureGroupName": name,
        "featureGroupArn": arn,
        "recordIdentifier": record_id,
        "eventTime": event_time,
        "features": [{"name": f, "type": t, "description": None} for f, t in features],
        "offlineStore": {
            "s3_uri": offline,
            "kms_key_id": kms,
            "resolvedS3Uri": resolved,
            "glueDatabase": glue_db,
            "glueTable": glue_table,
        },
        "onlineStore": {"enabled": bool(online)},
        "creationTime": iso(created),
        "roleArn": None,  # not crawled
        "status": status,
        "account": acc,
        "region": region,
    }
