"""Keep secrets out of everything we print, log, store or report: tokens in text and URLs,
and secret-looking values (a container's `DB_PASSWORD`, a callback token) in documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

SECRET_KEY = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth",
    re.IGNORECASE,
)
MASK = "***"
# Everything between `scheme://` and the last `@` of a run of non-blank characters: a password
# may hold `/`, `?`, `#` or `@`, so the user part cannot end at the first of them.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)\S*@")
_SCHEME = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)
_SCP_LIKE = re.compile(r"^(?P<user>[^/]*)@(?P<rest>[^/:]+:.*)$", re.DOTALL)
# Schemes whose user name is an account, not a secret (`ssh://git@host/x`).
_ACCOUNT_SCHEMES = frozenset({"ssh", "git+ssh", "ssh+git"})


@dataclass(frozen=True)
class SplitUrl:
    """A remote URL cut into what may be shown and the credentials it carried, if any."""

    public: str
    credentials: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every form of the credentials that might appear in text (raw, decoded, password)."""
        if not self.credentials:
            return ()
        forms = {self.credentials, unquote(self.credentials)}
        for form in list(forms):
            user, colon, password = form.partition(":")
            forms.update(p for p in (password, user if not colon else "") if len(p) >= 4)
        return tuple(sorted(forms, key=len, reverse=True))


def split_credentials(url: str) -> SplitUrl:
    """The URL without user name, password, token or query, and what was removed.

    The user part runs to the last `@` (a password may hold any character); an `ssh://`
    account name without a password is kept; a query string (`?private_token=…`) counts as a
    credential. Local paths and `file://` URLs are returned unchanged.
    """
    matched = _SCHEME.match(url)
    if matched is None:
        scp = _SCP_LIKE.match(url)
        if scp is None or ":" not in scp["user"]:
            return SplitUrl(url)
        return SplitUrl(scp["rest"], scp["user"])
    scheme, rest = matched["scheme"], matched["rest"]
    if scheme.lower() == "file":
        return SplitUrl(url)
    removed: list[str] = []
    user, at, host_and_path = rest.rpartition("@")
    if at and not (scheme.lower() in _ACCOUNT_SCHEMES and not set(user) & set(":/?#")):
        removed.append(user)
        rest = host_and_path
    query = rest.find("?")
    if query >= 0:
        removed.append(rest[query + 1 :])
        rest = rest[:query]
    if not removed:
        return SplitUrl(url)
    return SplitUrl(f"{scheme}://{rest}", "@".join(removed))


def public_url(url: str) -> str:
    """A URL without user name, password or token (`https://tok@host/x` → `https://host/x`)."""
    return split_credentials(url).public


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every secret replaced by `***` and credentials stripped from URLs."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


# Values with nothing inside to mask, told apart before the (slower) Mapping check.
_LEAVES = (str, int, float, bool, type(None))


@lru_cache(maxsize=4096)
def secret_key(key: str) -> bool:
    """Whether a document key looks like it names a secret (keys repeat: each is searched once)."""
    return SECRET_KEY.search(key) is not None


def redact_secrets(value: Any) -> Any:
    """A copy of `value` where every string under a secret-looking key is masked."""
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, Mapping):
        return {
            key: MASK
            if isinstance(item, str) and isinstance(key, str) and secret_key(key)
            else redact_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_secrets(item) for item in value]
    return value
