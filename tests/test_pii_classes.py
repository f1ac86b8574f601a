"""The classifier speaks the shared vocabulary: every class it can name is a `core.enums`
`PiiClass`, and `NOT_PII` is what an override says to clear one."""

from __future__ import annotations

from lineage_assets.core.enums import NOT_PII, PiiClass
from lineage_assets.pii.classifier import ColumnClassification, apply_override, classify_column
from lineage_assets.pii.detectors import DETECTORS, IDENTIFYING, identifying_class
from lineage_assets.pii.names import NAME_PHRASES, name_class


def test_every_class_has_name_phrases_and_detectors_use_core_classes():
    assert set(NAME_PHRASES) == set(PiiClass)
    assert set(DETECTORS) <= set(PiiClass) and set(IDENTIFYING) <= set(DETECTORS)
    assert NOT_PII not in {c.value for c in PiiClass}


def test_found_classes_are_core_classes_and_store_as_their_text():
    found = classify_column("customer_email", "string", ["kim@example.com"] * 5)
    assert found.pii_class is PiiClass.EMAIL and found.pii_class == "email"
    assert name_class("전화번호") == (PiiClass.PHONE, "전화번호")
    assert identifying_class("4111 1111 1111 1111") is PiiClass.PAYMENT_CARD


def test_an_override_of_not_pii_clears_the_class():
    found = ColumnClassification("email", PiiClass.EMAIL, 0.9, {}, "k***@e***.com")
    cleared = apply_override(found, NOT_PII, "test accounts")
    assert (cleared.pii_class, cleared.masked_example, cleared.confidence) == (None, None, 1.0)
    assert cleared.evidence["override"]["detected"] == "email"
