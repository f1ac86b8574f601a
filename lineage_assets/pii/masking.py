"""Masked examples: the shape of a value without its characters (`j***@e***.com`).

Only a fixed set of separators survives masking; every other character (control
characters, lone surrogates, symbols) becomes `?`, so a hostile value cannot put anything
but masked text into the store or a log line.
"""

from __future__ import annotations

from lineage_assets.core.enums import PiiClass

_SEPARATORS = frozenset(" -_.,:;/+()@#")
MAX_MASKED_CHARS = 64


def _shape(char: str) -> str:
    """One character's mask: `#` digit, `x` letter (any script), a separator kept, else `?`."""
    if char.isdigit():
        return "#"
    if char.isalpha():
        return "x"
    return char if char in _SEPARATORS else "?"


def mask_email(value: str) -> str:
    """`john.doe@example.com` → `j***@e***.com`: first letters and the top-level domain
    (an ASCII top-level domain of at most 24 letters; otherwise masked too)."""
    local, _, domain = value.partition("@")
    host, _, tld = domain.rpartition(".")
    if not (tld.isascii() and tld.isalpha() and len(tld) <= 24):
        tld = mask_shape(tld)
    first = "".join(_shape(c) if not c.isalnum() or not c.isascii() else c for c in local[:1])
    initial = "".join(_shape(c) if not c.isalnum() or not c.isascii() else c for c in host[:1])
    return f"{first}***@{initial}***.{tld}" if host else f"{first}***@***"


def mask_shape(value: str) -> str:
    """Digits → `#`, letters (any script) → `x`, separators kept (`010-1234-5678` →
    `###-####-####`), anything else `?`; at most `MAX_MASKED_CHARS` characters."""
    return "".join(_shape(c) for c in value[:MAX_MASKED_CHARS])


def mask(value: str, pii_class: str | None) -> str:
    """A masked example fit for storage and logs; never the raw value."""
    if pii_class == PiiClass.EMAIL and "@" in value:
        return mask_email(value)
    return mask_shape(value)
