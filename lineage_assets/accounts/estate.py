"""The estate a crawl covers: every selected account that can be acted in, and every region
usable in it, each with the account's client factory. An account whose role cannot be assumed
and a region that does not answer (not enabled, throttled) are error rows through the sink
(kind `aws_account`) while the rest goes on; a usable one is written as an ok source, so the
store lists every account and account/region with its last success."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lineage_assets.accounts.clients import AccountClients
from lineage_assets.accounts.discovery import (
    Account,
    Caller,
    caller_identity,
    organization_accounts,
    selected,
)
from lineage_assets.accounts.sessions import (
    assumed_credentials,
    default_session,
    role_arn,
    session_with,
)
from lineage_assets.accounts.settings import AccountSettings, AccountsMode
from lineage_assets.aws import AWS_ERRORS, client_config, error_code
from lineage_assets.store.records import SourceRecords

if TYPE_CHECKING:
    from botocore.session import Session

    from lineage_assets.store.sink import RecordSink

ACCOUNT_KIND = "aws_account"
ORGANIZATION_KEY = f"{ACCOUNT_KIND}:organization"
OPEN_WORKERS = 8
MAX_MESSAGE = 500
# Codes saying a region is not enabled for the account (opt-in regions) or its credentials are
# not valid there; throttling codes; both make the region an error row, not the account.
NOT_ENABLED_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
)
THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
)


def account_key(account_id: str) -> str:
    """`aws_account:<account>`: the source key of an account's access."""
    return f"{ACCOUNT_KIND}:{account_id}"


def region_key(account_id: str, region: str) -> str:
    """`aws_account:<account>/<region>`: the source key of a region of an account."""
    return f"{ACCOUNT_KIND}:{account_id}/{region}"


@dataclass(frozen=True)
class Target:
    """One account and region to crawl, with the account's clients."""

    account_id: str
    region: str
    clients: AccountClients


@dataclass(frozen=True)
class Problem:
    """A failed account, region or organization listing: the source key and why."""

    key: str
    error_type: str
    message: str
    location: str | None = None


@dataclass
class Estate:
    """What a crawl covers, and what could not be opened."""

    caller: Caller
    accounts: list[AccountClients] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ok_keys: list[str] = field(default_factory=list)
    # A loan of an estate someone else owns (`SharedEstates`): closing it leaves it open.
    borrowed: bool = field(default=False, repr=False)

    @property
    def errors(self) -> list[str]:
        """One line per problem, for logs and metadata."""
        return [f"{p.key}: {p.error_type}: {p.message}" for p in self.problems]

    def of_account(self, account_id: str) -> AccountClients | None:
        """The clients of an opened account."""
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def lend(self) -> Estate:
        """The same accounts and clients as a loan: its own lists, and a `close` that leaves
        the clients open for the owner to close."""
        return replace(
            self,
            accounts=list(self.accounts),
            targets=list(self.targets),
            problems=list(self.problems),
            ok_keys=list(self.ok_keys),
            borrowed=True,
        )

    def close(self) -> None:
        """Close every account's clients (nothing for a loan: its owner closes them)."""
        if self.borrowed:
            return
        for account in self.accounts:
            account.close()


def region_problem(error: BaseException) -> str:
    """What a failed region probe means, in words."""
    code = error_code(error)
    if code in NOT_ENABLED_CODES:
        return "region not enabled for the account (opt-in) or credentials not valid there"
    if code in THROTTLING_CODES:
        return "region throttled"
    return "region unusable"


def _problem(key: str, error: BaseException, what: str, location: str | None = None) -> Problem:
    """A problem from an AWS error (message bounded; never the credentials, which no error
    message carries)."""
    text = f"{what}: {error}"
    return Problem(key, error_code(error), text[:MAX_MESSAGE], location)


class Opener:
    """Opens accounts: the caller's on the default chain, others by assuming the role."""

    def __init__(
        self,
        settings: AccountSettings,
        caller: Caller,
        source: Session,
        sts_region: str,
        max_attempts: int = 5,
    ) -> None:
        self.settings = settings
        self.caller = caller
        self.source = source
        self.sts_region = sts_region
        self.max_attempts = max_attempts

    def clients(self, account: Account) -> AccountClients:
        """The account's client factory (nothing called yet)."""
        if account.account_id == self.caller.account_id:
            return AccountClients(
                account.account_id,
                self.source,
                partition=self.caller.partition,
                name=account.name,
                max_attempts=self.max_attempts,
            )
        settings = self.settings
        credentials = assumed_credentials(
            self.source,
            role_arn(self.caller.partition, account.account_id, settings.role_name),
            sts_region=self.sts_region,
            session_name=settings.session_name,
            duration_s=settings.duration_s,
            external_id=settings.external_id,
        )
        return AccountClients(
            account.account_id,
            session_with(credentials, like=self.source),
            partition=self.caller.partition,
            name=account.name,
            assumed=True,
            max_attempts=self.max_attempts,
        )

    def open(
        self, account: Account, regions: list[str]
    ) -> tuple[AccountClients | None, list[str], list[Problem]]:
        """The account's clients and its usable regions, or the problems: the role assumed
        now (so a refusal is the account's error), then one GetCallerIdentity per region."""
        clients = self.clients(account)
        key = account_key(account.account_id)
        if clients.assumed:
            try:
                credentials = clients.credentials
                if credentials is not None:
                    credentials.get_frozen_credentials()  # AssumeRole, once
            except AWS_ERRORS as error:
                what = f"cannot assume role {self.settings.role_name}"
                return None, [], [_problem(key, error, what)]
        usable: list[str] = []
        problems: list[Problem] = []
        for region in regions:
            try:
                answered = clients.client("sts", region).get_caller_identity().get("Account")
            except AWS_ERRORS as error:
                where = region_key(account.account_id, region)
                problems.append(_problem(where, error, region_problem(error), region))
                continue
            if answered != account.account_id:
                message = f"credentials answer for account {str(answered)[:20]}"
                return None, [], [Problem(key, "WrongAccount", message)]
            usable.append(region)
        return clients, usable, problems


def _organization(
    settings: AccountSettings, source: Session, region: str, max_attempts: int
) -> tuple[list[Account], list[Problem]]:
    """The organization's accounts, or the problem listing them (then none)."""
    if settings.mode is not AccountsMode.ORGANIZATION:
        return [], []
    organizations = source.create_client(
        "organizations", region_name=region, config=client_config(max_attempts)
    )
    try:
        listed = organization_accounts(organizations)
    except (*AWS_ERRORS, ValueError) as error:
        return [], [_problem(ORGANIZATION_KEY, error, "cannot list the organization's accounts")]
    finally:
        organizations.close()
    if not listed:  # an organization always has its management account
        return [], [Problem(ORGANIZATION_KEY, "EmptyOrganization", "no ACTIVE account listed")]
    return listed, []


def open_estate(
    settings: AccountSettings,
    regions: Iterable[str],
    *,
    source: Session | None = None,
    max_attempts: int = 5,
    workers: int = OPEN_WORKERS,
) -> Estate:
    """Discover the accounts and open each with its usable regions, `workers` accounts at a
    time. Raises only when the caller itself cannot be identified (no credentials at all)."""
    regions = list(dict.fromkeys(regions))
    if not regions:
        raise ValueError("no region to crawl")
    source = source or default_session()
    sts = source.create_client("sts", region_name=regions[0], config=client_config(max_attempts))
    try:
        caller = caller_identity(sts)
    finally:
        sts.close()
    listed, problems = _organization(settings, source, regions[0], max_attempts)
    estate = Estate(caller, problems=problems)
    if problems:  # the organization could not be listed: its caller's account still is
        listed = [Account(caller.account_id)]
    accounts = selected(settings, caller, listed)
    opener = Opener(settings, caller, source, regions[0], max_attempts)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(accounts) or 1))) as pool:
        opened = list(pool.map(lambda account: opener.open(account, regions), accounts))
    for account, (clients, usable, account_problems) in zip(accounts, opened, strict=True):
        estate.problems += account_problems
        if clients is None:
            continue
        estate.accounts.append(clients)
        estate.ok_keys.append(account_key(account.account_id))
        for region in usable:
            estate.targets.append(Target(account.account_id, region, clients))
            estate.ok_keys.append(region_key(account.account_id, region))
    return estate


class AccountUnavailable(Exception):
    """One account asked for by id that is not configured, or cannot be acted in (its role
    refused, or the region does not answer); the message is one line naming it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.key}: {problem.error_type}: {problem.message}")
        self.problem = problem


def allowed(settings: AccountSettings, caller: Caller, account_id: str) -> bool:
    """Whether the settings cover `account_id` (an organization's member is trusted to be
    listed: partition keys come from the listing)."""
    if account_id in settings.exclude:
        return False
    if settings.mode is AccountsMode.CALLER:
        return account_id == caller.account_id
    if settings.mode is AccountsMode.EXPLICIT:
        return account_id in settings.account_ids
    return True


def open_account(
    settings: AccountSettings,
    account_id: str,
    region: str,
    *,
    source: Session | None = None,
    max_attempts: int = 5,
) -> AccountClients:
    """One configured account's clients, checked in `region` (for a run of one account and
    region, e.g. a partition); AccountUnavailable when it cannot be used."""
    source = source or default_session()
    sts = source.create_client("sts", region_name=region, config=client_config(max_attempts))
    try:
        caller = caller_identity(sts)
    finally:
        sts.close()
    if not allowed(settings, caller, account_id):
        raise AccountUnavailable(
            Problem(
                account_key(account_id),
                "NotConfigured",
                f"not among the configured accounts ({settings.mode.value}; "
                "LINEAGE_AWS_ACCOUNTS, LINEAGE_AWS_ACCOUNTS_EXCLUDE)",
            )
        )
    opener = Opener(settings, caller, source, region, max_attempts)
    clients, _, problems = opener.open(Account(account_id), [region])
    if problems:
        if clients is not None:
            clients.close()
        raise AccountUnavailable(problems[0])
    assert clients is not None
    return clients


def record_problem(problem: Problem, sink: RecordSink, run_id: str | None = None) -> str:
    """Write one problem as an error row (its last success kept, stale); returns its line."""
    line = f"{problem.key}: {problem.error_type}: {problem.message}"
    sink.mark_failed(
        problem.key,
        ACCOUNT_KIND,
        line,
        run_id=run_id,
        error_type=problem.error_type,
        location=problem.location,
    )
    return line


def record(estate: Estate, sink: RecordSink, run_id: str | None = None) -> None:
    """Write the estate through the sink: an ok source per opened account and usable region
    (its earlier failure cleared), an error row per problem (last success kept, stale)."""
    if estate.ok_keys:
        sink.replace_sources(
            [SourceRecords(key, ACCOUNT_KIND, display_name=key) for key in estate.ok_keys], run_id
        )
    for problem in estate.problems:
        record_problem(problem, sink, run_id)
