"""The accounts settings, read from environment variables; a malformed value fails with one
line naming its variable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from lineage_assets.config import ConfigError

ACCOUNTS_VARIABLE = "LINEAGE_AWS_ACCOUNTS"
ROLE_NAME_VARIABLE = "LINEAGE_AWS_ROLE_NAME"
EXTERNAL_ID_VARIABLE = "LINEAGE_AWS_EXTERNAL_ID"
EXCLUDE_VARIABLE = "LINEAGE_AWS_ACCOUNTS_EXCLUDE"
SESSION_NAME_VARIABLE = "LINEAGE_AWS_SESSION_NAME"
DURATION_VARIABLE = "LINEAGE_AWS_SESSION_DURATION"
VARIABLES = (
    ACCOUNTS_VARIABLE,
    ROLE_NAME_VARIABLE,
    EXTERNAL_ID_VARIABLE,
    EXCLUDE_VARIABLE,
    SESSION_NAME_VARIABLE,
    DURATION_VARIABLE,
)

ORGANIZATION = "organization"
DEFAULT_ROLE_NAME = "LineageReadOnly"
DEFAULT_SESSION_NAME = "lineage-assets"
# One hour: the most STS grants a chained role (a role assumed with assumed-role credentials).
DEFAULT_DURATION_S = 3600
MIN_DURATION_S, MAX_DURATION_S = 900, 43200

_ACCOUNT_ID = re.compile(r"\d{12}")
# IAM: a role name (1-64 of [\w+=,.@-]) after an optional path of such segments.
_ROLE_NAME = re.compile(r"(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", re.ASCII)
# STS AssumeRole: ExternalId 2-1224 of [\w+=,.@:/-], RoleSessionName 2-64 of [\w+=,.@-].
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


class AccountsMode(StrEnum):
    """Where the accounts come from."""

    CALLER = "caller"  # unset: the caller's own account, default chain only
    ORGANIZATION = "organization"  # every ACTIVE account of the caller's organization
    EXPLICIT = "explicit"  # the listed account ids


@dataclass(frozen=True)
class AccountSettings:
    """Which accounts to crawl and the role, external id, session name and duration to assume."""

    mode: AccountsMode = AccountsMode.CALLER
    account_ids: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    session_name: str = DEFAULT_SESSION_NAME
    duration_s: int = DEFAULT_DURATION_S


def _value(environ: Mapping[str, str], name: str) -> str:
    """The variable's value without surrounding blanks ('' when unset)."""
    return environ.get(name, "").strip()


def account_ids(raw: str, variable: str) -> tuple[str, ...]:
    """Comma-separated 12-digit account ids, in order, without repeats."""
    ids: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not _ACCOUNT_ID.fullmatch(part):
            shown = part if len(part) <= 40 else part[:40] + "…"
            raise ConfigError(f"{variable}: {shown!r} is not a 12-digit AWS account id")
        if part not in ids:
            ids.append(part)
    return tuple(ids)


def _matching(environ: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str) -> str:
    """The variable's value when it matches `pattern` ('' when unset)."""
    raw = _value(environ, name)
    if raw and not pattern.fullmatch(raw):
        raise ConfigError(f"{name}: expected {what}")
    return raw


def _duration(environ: Mapping[str, str]) -> int:
    """The session duration in seconds (900-43200)."""
    raw = _value(environ, DURATION_VARIABLE)
    if not raw:
        return DEFAULT_DURATION_S
    if not raw.isdigit() or not MIN_DURATION_S <= int(raw) <= MAX_DURATION_S:
        raise ConfigError(
            f"{DURATION_VARIABLE}={raw[:40]!r}: expected whole seconds from "
            f"{MIN_DURATION_S} to {MAX_DURATION_S}"
        )
    return int(raw)


def settings_from_env(environ: Mapping[str, str] | None = None) -> AccountSettings:
    """The settings from `environ` (default: the process environment), read now."""
    env = os.environ if environ is None else environ
    raw = _value(env, ACCOUNTS_VARIABLE)
    ids: tuple[str, ...] = ()
    if not raw:
        mode = AccountsMode.CALLER
    elif raw.lower() == ORGANIZATION:
        mode = AccountsMode.ORGANIZATION
    else:
        mode, ids = AccountsMode.EXPLICIT, account_ids(raw, ACCOUNTS_VARIABLE)
        if not ids:
            raise ConfigError(f"{ACCOUNTS_VARIABLE}: expected 'organization' or account ids")
    role = _matching(
        env, ROLE_NAME_VARIABLE, _ROLE_NAME, "an IAM role name such as LineageReadOnly"
    )
    external = _matching(
        env, EXTERNAL_ID_VARIABLE, _EXTERNAL_ID, "2-1224 characters of letters, digits, +=,.@:/-_"
    )
    session = _matching(
        env, SESSION_NAME_VARIABLE, _SESSION_NAME, "2-64 characters of letters, digits, +=,.@-_"
    )
    return AccountSettings(
        mode=mode,
        account_ids=ids,
        exclude=frozenset(account_ids(_value(env, EXCLUDE_VARIABLE), EXCLUDE_VARIABLE)),
        role_name=role or DEFAULT_ROLE_NAME,
        external_id=external or None,
        session_name=session or DEFAULT_SESSION_NAME,
        duration_s=_duration(env),
    )
