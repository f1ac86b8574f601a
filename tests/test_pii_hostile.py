"""Hostile sampled values: huge strings, control characters, escapes, lone surrogates and
non-ASCII digits never break classification, and no sampled value (nor a value standing
where a column name should be) reaches the store; only counts and masked shapes do."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from lineage_assets.pii.classifier import classify_column
from lineage_assets.pii.masking import mask
from lineage_assets.s3_schema.crawl import crawl_datasets
from tests.conftest import account_s3

OWN_ACCOUNT = "210987654324"  # the emulated account these tests make buckets in

HOSTILE_VALUES = [
    "x" * 1_000_000,
    "+1" + "2" * 100_000,
    "a" * 64 + "@" + "b." * 50_000 + "com",
    "\x00\x01\x02\x1b[31m\x7f",
    "\ud800\udfff\udc80",  # lone surrogates, as json.loads gives them from `\\ud800`
    "\u202eevil\u202c",  # right-to-left override
    "4111111111111²",
    "١٢٠١٠١-١٢٣٤٥٦٧",
    "010-1234-5678".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}),  # full-width
    "j\u0000ane@doe.example",
    "",
    "   ",
]
_SAFE_MASK = re.compile(r"[#x?* \-_.,:;/+()@]*")


@pytest.fixture
def bucket(aws_env):
    """A fresh, empty bucket in the tests' own account; returns (s3 client, bucket name)."""
    s3 = account_s3(OWN_ACCOUNT)
    name = f"pii-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return s3, name


@pytest.mark.parametrize("path", ["email", "phone", "card_number", "full_name", "notes", "rrn"])
def test_hostile_values_classify_without_error_and_mask_to_safe_text(path):
    values = HOSTILE_VALUES * 10
    found = classify_column(path, "string", values)
    assert found.evidence["values"]["sampled"] == sum(bool(v.strip()) for v in values)
    json.dumps(found.evidence)  # storable as JSON: counts and our own phrases only
    if found.masked_example is not None:
        assert _SAFE_MASK.fullmatch(found.masked_example.replace("***", ""))
        found.masked_example.encode("utf-8")  # no lone surrogate reaches the store


def test_masks_keep_only_shape_and_separators():
    assert mask("\x1b[2J010-1234-5678\x07", "phone") == "??#x###-####-####?"
    assert mask("\ud800@\udc80.\u202e", "email") == "?***@?***.?"
    assert mask("jane.doe@example.com", "email") == "j***@e***.com"
    assert mask("x" * 10_000, "person_name") == "x" * 64


def test_a_header_row_of_values_is_read_as_data_and_never_stored(bucket, store):
    s3, name = bucket
    headerless = "jane@doe.example,010-1234-5678\njohn@roe.example,010-9876-5432\n"
    s3.put_object(Bucket=name, Key="noheader/a.csv", Body=headerless.encode())
    keyed = json.dumps({"kim@lee.example": {"visits": 3}}) + "\n"
    s3.put_object(Bucket=name, Key="keyed/a.jsonl", Body=keyed.encode())
    uris = [f"s3://{name}/noheader/", f"s3://{name}/keyed/"]
    result = crawl_datasets(store, uris, s3, lambda region: s3)
    columns = store.conn.execute(
        "SELECT column_path, pii_class FROM column_classifications WHERE dataset_uri = ? "
        "ORDER BY column_path",
        [uris[0]],
    ).fetchall()
    assert columns == [("f0", "email"), ("f1", "phone")]
    assert "a field is named by a value (email); not stored" in result.failed[uris[1]]
    dumped = []
    for (table,) in store.conn.execute("SHOW TABLES").fetchall():
        rows = store.conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
        dumped += [repr(row) for row in rows]
    text = "\n".join(dumped)
    for value in ("jane@doe", "john@roe", "kim@lee", "1234-5678", "9876-5432"):
        assert value not in text


def test_hostile_values_in_an_object_are_classified_and_masked_in_the_store(bucket, store):
    s3, name = bucket
    rows = ["full_name,email,comment"]
    rows += [f"\x1b]0;Jane Doe\x07,jane{i}@doe.example,{'z' * 100_000}" for i in range(50)]
    s3.put_object(Bucket=name, Key="h/a.csv", Body="\n".join(rows).encode() + b"\n")
    uri = f"s3://{name}/h/"
    result = crawl_datasets(store, [uri], s3, lambda region: s3, config=None)
    assert not result.failed
    stored = store.conn.execute(
        "SELECT column_path, pii_class, masked_example FROM column_classifications "
        "WHERE dataset_uri = ? ORDER BY column_path",
        [uri],
    ).fetchall()
    assert stored == [
        ("comment", None, None),
        ("email", "email", "j***@d***.example"),
        ("full_name", "person_name", "??#;xxxx xxx?"),
    ]
