"""One column's PII class from its name and its sampled values, with evidence and a masked
example. Values are only counted here; no value leaves this module unmasked."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.core.enums import NOT_PII, PiiClass
from lineage_assets.pii.detectors import DETECTORS
from lineage_assets.pii.masking import mask
from lineage_assets.pii.names import name_class

MAX_VALUE_CHARS = 256  # longer values are no kind of personal data the detectors know
MIN_VALUE_RATIO = 0.8  # share of sampled values that must validate for values alone to decide
CONTRADICTION_RATIO = 0.2  # below this, values overrule a name that has a detector
BIRTH_YEAR_SPREAD = 20  # years a date column must span to be birth dates without a name hit
_NON_TEXT_TYPES = ("bool", "double", "float", "halffloat", "decimal", "date", "timestamp", "time")
_INTEGER_TYPES = ("int", "uint")
# Classes whose values can be plain integers (leading zeros and separators stripped).
_NUMERIC_CLASSES = frozenset(
    {PiiClass.PAYMENT_CARD, PiiClass.PHONE, PiiClass.BANK_ACCOUNT, PiiClass.KR_RRN}
)


@dataclass(frozen=True)
class ColumnClassification:
    """A column's class (None = no PII found), confidence 0 to 1, evidence without values."""

    column_path: str
    pii_class: str | None
    confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)
    masked_example: str | None = None


def _value_matches(values: Sequence[str]) -> tuple[Counter[PiiClass], dict[PiiClass, str]]:
    """Per class, how many values validate (first detector wins), and one example each;
    a value longer than `MAX_VALUE_CHARS` runs no detector (it cannot match, and a huge
    hostile string should cost nothing)."""
    counts: Counter[PiiClass] = Counter()
    examples: dict[PiiClass, str] = {}
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            continue
        for pii_class, detect in DETECTORS.items():
            if detect(value):
                counts[pii_class] += 1
                examples.setdefault(pii_class, value)
                break
    return counts, examples


def _year_spread(values: Sequence[str]) -> int:
    """Years between the earliest and latest `YYYY-…` value (birth dates spread over decades)."""
    years = [int(v[:4]) for v in values if v[:4].isascii() and v[:4].isdigit()]
    return max(years) - min(years) if years else 0


def classify_column(
    column_path: str, column_type: str, values: Sequence[str] = ()
) -> ColumnClassification:
    """Class by validated values when most of them agree, else by a name the values don't
    contradict and the column's type allows (`_may_hold`)."""
    named, phrase = name_class(column_path)
    sampled = [v.strip() for v in values if v and v.strip()]
    counts, examples = _value_matches(sampled)
    spread_out = _year_spread(sampled) >= BIRTH_YEAR_SPREAD
    birth = PiiClass.DATE_OF_BIRTH
    if counts.get(birth) and named != birth and not spread_out:
        counts.pop(birth)
    evidence: dict[str, Any] = {
        "name": {"class": named, "phrase": phrase} if named else None,
        "values": {"sampled": len(sampled), "matched": dict(counts)},
    }
    best, matched = counts.most_common(1)[0] if counts else (None, 0)
    ratio = matched / len(sampled) if sampled else 0.0
    if best and ratio >= MIN_VALUE_RATIO:
        confidence = min(1.0, 0.5 + 0.45 * ratio + (0.05 if named == best else 0.0))
        decided = "name+values" if named == best else "values"
        return _result(column_path, best, confidence, evidence, decided, examples[best])
    if named is None or not _may_hold(named, column_type):
        return ColumnClassification(column_path, None, 0.0, evidence | {"decided_by": None})
    named_ratio = counts.get(named, 0) / len(sampled) if sampled else None
    if named in DETECTORS and named_ratio is not None and named_ratio < CONTRADICTION_RATIO:
        return ColumnClassification(column_path, None, 0.0, evidence | {"decided_by": "values"})
    confidence = 0.6 if named_ratio is None else 0.6 + 0.35 * named_ratio
    example = examples.get(named) or (sampled[0] if sampled else None)
    return _result(column_path, named, confidence, evidence, "name", example)


def _may_hold(pii_class: str, column_type: str) -> bool:
    """Whether a column of this type can hold the class at all: never booleans or floats;
    integers only for number-like classes; birth dates also as date types."""
    if pii_class == PiiClass.DATE_OF_BIRTH and column_type.startswith(("date", "timestamp")):
        return True
    if column_type.startswith(_NON_TEXT_TYPES):
        return False
    return pii_class in _NUMERIC_CLASSES or not column_type.startswith(_INTEGER_TYPES)


def _result(
    path: str,
    pii_class: str,
    confidence: float,
    evidence: dict[str, Any],
    decided: str,
    example: str | None,
) -> ColumnClassification:
    """A positive classification with its masked example."""
    return ColumnClassification(
        path,
        pii_class,
        round(confidence, 3),
        evidence | {"decided_by": decided},
        mask(example, pii_class) if example is not None else None,
    )


def apply_override(
    classification: ColumnClassification, pii_class: str, note: str | None = None
) -> ColumnClassification:
    """A person's decision wins: their class (`none` = not PII), confidence 1, and the
    detected class kept in the evidence."""
    override = {"class": pii_class, "note": note, "detected": classification.pii_class}
    return dataclasses.replace(
        classification,
        pii_class=None if pii_class == NOT_PII else pii_class,
        confidence=1.0,
        evidence=classification.evidence | {"override": override, "decided_by": "override"},
        masked_example=None if pii_class == NOT_PII else classification.masked_example,
    )
