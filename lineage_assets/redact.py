"""Keep secrets out of everything we print, log, store or report: tokens in text and URLs,
and secret-looking values (a container's `DB_PASSWORD`, a callback token) in documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SECRET_KEY = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth",
    re.IGNORECASE,
)
MASK = "***"
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def public_url(url: str) -> str:
    """A URL without user name, password or token (`https://tok@host/x` → `https://host/x`)."""
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every secret replaced by `***` and credentials stripped from URLs."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


def redact_secrets(value: Any) -> Any:
    """A copy of `value` where every string under a secret-looking key is masked."""
    if isinstance(value, Mapping):
        return {
            key: MASK
            if isinstance(item, str) and isinstance(key, str) and SECRET_KEY.search(key)
            else redact_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_secrets(item) for item in value]
    return value
