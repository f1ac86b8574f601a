"""Masked examples: the shape of a value without its characters (`j***@e***.com`)."""

from __future__ import annotations


def mask_email(value: str) -> str:
    """`john.doe@example.com` → `j***@e***.com`: first letters and the top-level domain."""
    local, _, domain = value.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}" if host else f"{local[:1]}***@***"


def mask_shape(value: str) -> str:
    """Digits → `#`, letters (any script) → `x`, separators kept (`010-1234-5678` →
    `###-####-####`); at most 64 characters."""
    return "".join("#" if c.isdigit() else "x" if c.isalpha() else c for c in value[:64])


def mask(value: str, pii_class: str | None) -> str:
    """A masked example fit for storage and logs; never the raw value."""
    if pii_class == "email" and "@" in value:
        return mask_email(value)
    return mask_shape(value)
