"""The seeded member account's catalog, crawled through the accounts module's assumed role:
the raw table's Glue-only personal-data columns, its masked column, its partition and the
Athena view over it."""

from __future__ import annotations

from lineage_assets.accounts.estate import open_estate
from lineage_assets.accounts.settings import AccountSettings, AccountsMode
from lineage_assets.glue.crawl import crawl_region
from lineage_assets.glue.views import pii_columns, schema_drift, tables
from lineage_assets.s3_schema.crawl import crawl_datasets
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID, MEMBER_ROLE_NAME
from lineage_dev.emulator.seed_glue import (
    GLUE_ONLY_PII_COLUMNS,
    GLUE_REGION,
    MASKED_COLUMN,
    PRESTO_VIEW,
    RAW_LOCATION,
    RAW_PII_TABLE,
)


def _member(aws_env):
    settings = AccountSettings(
        mode=AccountsMode.EXPLICIT, account_ids=(MEMBER_ACCOUNT_ID,), role_name=MEMBER_ROLE_NAME
    )
    estate = open_estate(settings, [GLUE_REGION])
    (target,) = estate.targets
    return target


def test_the_member_accounts_catalog_lands_with_its_pii_and_view(aws_env, store):
    target = _member(aws_env)
    report = crawl_region(store, target.clients, target.account_id, target.region, store.conn)
    assert not report.errors
    by_node = {t.node: t for t in tables(store.conn)}
    raw = by_node[f"table:{RAW_PII_TABLE}"]
    assert raw.account_id == MEMBER_ACCOUNT_ID and raw.location == RAW_LOCATION
    assert raw.partition_count == 1
    pii = {c.column_name: c.pii_class for c in pii_columns(store.conn)}
    assert {column: pii.get(column) for column in GLUE_ONLY_PII_COLUMNS} == {
        "kr_rrn": "kr_rrn",
        "ip_address": "ip_address",
        "address": "address",
    }
    assert MASKED_COLUMN not in pii
    edges = store.conn.execute(
        "SELECT source_node, target_node, edge_kind FROM lineage_edges "
        "WHERE starts_with(source_key, 'glue_table:')"
    ).fetchall()
    assert (f"table:{RAW_PII_TABLE}", f"data:{RAW_LOCATION}", "location") in edges
    assert (f"table:{RAW_PII_TABLE}", f"table:{PRESTO_VIEW}", "view") in edges


def test_the_seeded_table_matches_its_sampled_data(aws_env, store):
    target = _member(aws_env)
    crawl_region(store, target.clients, target.account_id, target.region, store.conn)
    s3 = target.clients("s3", GLUE_REGION)
    result = crawl_datasets(store, [RAW_LOCATION], s3, lambda region: s3)
    assert not result.failed
    sampled = dict(
        store.conn.execute(
            "SELECT c.column_path, c.is_partition FROM s3_datasets d JOIN s3_schema_columns c "
            "ON c.dataset_uri = d.dataset_uri AND c.version = d.schema_version"
        ).fetchall()
    )
    assert {"kr_rrn", "ip_address", "address", MASKED_COLUMN} <= set(sampled)
    assert sampled["dt"] is True
    assert schema_drift(store.conn) == []
