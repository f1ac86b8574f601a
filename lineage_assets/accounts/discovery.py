"""Which accounts: the caller's identity (STS GetCallerIdentity), the organization's ACTIVE
accounts (Organizations ListAccounts, every page) or an explicit list, minus the exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage_assets.accounts.settings import AccountSettings, AccountsMode

ACTIVE = "ACTIVE"
# Bounds on what an organization listing may hand us (AWS allows a few thousand accounts).
MAX_ACCOUNTS = 10_000
MAX_NAME = 200


@dataclass(frozen=True)
class Caller:
    """Who the default chain is: its account and the partition (`aws`, `aws-cn`, …)."""

    account_id: str
    partition: str
    arn: str


@dataclass(frozen=True)
class Account:
    """One account to crawl; `name` as the organization knows it (None for a listed id)."""

    account_id: str
    name: str | None = None


def caller_identity(sts: Any) -> Caller:
    """The caller's account and partition (GetCallerIdentity needs no permission)."""
    answer = sts.get_caller_identity()
    arn = str(answer.get("Arn", ""))
    parts = arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"
    return Caller(str(answer["Account"]), partition, arn)


def is_active(summary: dict[str, Any]) -> bool:
    """Whether a listed account is ACTIVE: `State` when AWS gives it (the newer field), else
    the older `Status` (SUSPENDED and PENDING_CLOSURE accounts cannot be crawled)."""
    state = summary.get("State") or summary.get("Status")
    return state == ACTIVE


def organization_accounts(organizations: Any, page_size: int | None = None) -> list[Account]:
    """The organization's ACTIVE accounts, every page of ListAccounts, in listed order."""
    accounts: list[Account] = []
    seen: set[str] = set()
    paging = {} if page_size is None else {"PaginationConfig": {"PageSize": page_size}}
    for page in organizations.get_paginator("list_accounts").paginate(**paging):
        for summary in page.get("Accounts") or []:
            account_id = str(summary.get("Id", ""))
            if not is_active(summary) or account_id in seen:
                continue
            if len(accounts) >= MAX_ACCOUNTS:
                raise ValueError(f"the organization lists more than {MAX_ACCOUNTS} accounts")
            seen.add(account_id)
            name = summary.get("Name")
            accounts.append(Account(account_id, str(name)[:MAX_NAME] if name else None))
    return accounts


def selected(settings: AccountSettings, caller: Caller, listed: list[Account]) -> list[Account]:
    """The accounts to crawl: the caller alone, the listed organization or the explicit ids,
    without the excluded ones, the caller first when it is among them."""
    if settings.mode is AccountsMode.CALLER:
        chosen = [Account(caller.account_id)]
    elif settings.mode is AccountsMode.ORGANIZATION:
        chosen = listed
    else:
        chosen = [Account(account_id) for account_id in settings.account_ids]
    kept = [account for account in chosen if account.account_id not in settings.exclude]
    return sorted(kept, key=lambda account: account.account_id != caller.account_id)
