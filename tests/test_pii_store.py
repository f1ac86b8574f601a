"""PII classification of the seeded raw customer exports, stored in a real DuckDB file:
classes per column, no raw personal value anywhere in the file or the logs, and analyst
overrides that win and survive re-crawls."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from lineage_assets import aws
from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
from lineage_assets.store import LineageStore, Upsert
from lineage_dev.emulator import datasets as ds


def customers_prefix(account) -> str:
    """The folder holding the CSV, gzip CSV and JSON-lines customer exports."""
    return account.raw_customer_uris[0].rsplit("/", 1)[0] + "/"


def crawl(store: LineageStore, *uris: str):
    """One crawl through the real client and filesystem."""
    return crawl_datasets(store, uris, aws.client("s3"), region_readers())


def classes(store: LineageStore, uri: str) -> dict[str, str | None]:
    """column_path → stored pii_class."""
    rows = store.conn.execute(
        "SELECT column_path, pii_class FROM column_classifications WHERE dataset_uri = ?", [uri]
    ).fetchall()
    return dict(rows)


def seeded_personal_values() -> list[str]:
    """Every email, phone, RRN and card number the seeder put into the raw exports."""
    values = []
    for customer in ds.customers(1000):
        values += [customer.email, customer.phone, customer.card_number]
        values += [customer.rrn] if customer.rrn else []
    return values


def personal_tokens(blob: str) -> set[str]:
    """Every email- or number-shaped run in a text: where a seeded value would have to be."""
    return set(re.findall(r"[\w.%+-]+@[\w.-]+|\+?\d[\d -]{7,}\d", blob))


def test_raw_customer_columns_are_classified(aws_env, store):
    uri = customers_prefix(aws_env)
    crawl(store, uri, aws_env.feature_group_offline_uri)
    found = classes(store, uri)
    assert {k: v for k, v in found.items() if v} == {
        "full_name": "person_name",
        "email": "email",
        "phone": "phone",
        "rrn": "kr_rrn",
        "card_number": "payment_card",
        "ip_address": "ip_address",
        "birth_date": "date_of_birth",
        "address": "address",
    }
    email = store.conn.execute(
        "SELECT confidence, evidence ->> '$.decided_by', evidence -> '$.values' ->> '$.sampled', "
        "masked_example, source_key FROM column_classifications "
        "WHERE dataset_uri = ? AND column_path = 'email'",
        [uri],
    ).fetchone()
    assert email[0] >= 0.95 and email[1] == "name+values" and int(email[2]) > 0
    assert email[3].count("***") == 2 and email[4] == f"s3_dataset:{uri}"
    # Parquet is read from its footer only, so the offline store is classified by name.
    offline = classes(store, aws_env.feature_group_offline_uri)
    assert offline.get("email") == "email" and offline.get("phone") == "phone"


def test_no_raw_personal_value_reaches_the_store_or_the_logs(aws_env, store, caplog):
    caplog.set_level(logging.DEBUG)
    crawl(store, customers_prefix(aws_env))
    published = store.publish()
    seeded = seeded_personal_values()
    assert len(seeded) > 3000
    dumped = []
    for (table,) in store.conn.execute("SHOW TABLES").fetchall():
        dumped += [repr(row) for row in store.conn.execute(f'SELECT * FROM "{table}"').fetchall()]  # noqa: S608
    text = "\n".join(dumped) + caplog.text
    # DuckDB compresses strings on checkpoint, so the decisive check is the dump of every
    # table above; the raw bytes catch uncompressed copies (WAL, small blocks) on top.
    raw = (store.path.read_bytes() + published.read_bytes()).decode("latin-1")
    assert "***@" in text  # the masked examples are there
    tokens = personal_tokens(text) | personal_tokens(raw)
    leaked = [value for value in seeded if any(value in token for token in tokens)]
    assert leaked == []


def test_overrides_win_and_survive_recrawls(aws_env, store):
    uri = customers_prefix(aws_env)
    crawl(store, uri)
    now = datetime.now(UTC)
    store.upsert(
        Upsert(
            "classification_overrides",
            ("dataset_uri", "column_path"),
            [
                {
                    "dataset_uri": uri,
                    "column_path": "email",
                    "pii_class": "none",
                    "note": "test accounts",
                    "created_at": now,
                },
                {
                    "dataset_uri": uri,
                    "column_path": "country",
                    "pii_class": "location",
                    "note": "country of residence",
                    "created_at": now,
                },
            ],
        )
    )
    for _ in range(2):
        crawl(store, uri)
        found = classes(store, uri)
        assert found["email"] is None and found["country"] == "location"
        assert found["phone"] == "phone"
    evidence = store.conn.execute(
        "SELECT evidence ->> '$.override.detected', confidence FROM column_classifications "
        "WHERE dataset_uri = ? AND column_path = 'email'",
        [uri],
    ).fetchone()
    assert evidence == ("email", 1.0)
    assert store.conn.execute("SELECT count(*) FROM classification_overrides").fetchone() == (2,)
