"""Names that say a value is masked or partial are not personal data by name alone, whatever
phrase they carry; sampled values still decide."""

from __future__ import annotations

import pytest

from lineage_assets.pii import classify_column
from lineage_assets.pii.names import name_class


@pytest.mark.parametrize(
    "name",
    [
        "email_sha256",
        "email_address_sha256",
        "email_hash",
        "phone_token",
        "customer_email_masked",
        "card_number_last4",
        "card_last_4",
        "ssn_last4",
        "phone_last_4",
        "kr_rrn_hmac",
        "ip_address_truncated",
        "passport_number_encrypted",
        "emailSha256",
    ],
)
def test_masked_or_partial_names_are_not_pii_by_name(name):
    assert name_class(name) == (None, None)
    assert classify_column(name, "string").pii_class is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("email", "email"),
        ("kr_rrn", "kr_rrn"),
        ("ip_address", "ip_address"),
        ("address", "address"),
        ("last_name", "person_name"),
        ("first_name", "person_name"),
        ("phone_number", "phone"),
    ],
)
def test_plain_names_still_are(name, expected):
    assert name_class(name)[0] == expected


def test_values_still_decide_for_a_masked_name():
    emails = [f"user{i}@example.com" for i in range(20)]
    assert classify_column("email_masked", "string", emails).pii_class == "email"
