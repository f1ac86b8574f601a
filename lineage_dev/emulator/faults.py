"""Fault injection for the emulator: member accounts whose role cannot be assumed (STS
AssumeRole answers AccessDenied) and throttled regions (every call there answers
ThrottlingException), as real AWS does for a role without trust or an SCP-denied account, and
for an API rate exceeded. Off unless set: by tests (`injected`) or by `LINEAGE_EMULATOR_FAULTS`
for a hand-run emulator (`deny=210987654322;throttle=eu-west-1,123456789012/us-east-1`).

Installed by wrapping moto's `BaseResponse.call_action`, which every service answering through
botocore's models dispatches through (S3's REST handlers do not: S3 is never throttled here).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

FAULTS_VARIABLE = "LINEAGE_EMULATOR_FAULTS"
_ORIGINAL_CALL_ACTION = BaseResponse.call_action


@dataclass
class Faults:
    """What the emulator refuses: roles of `denied_accounts`, and every call in a throttled
    region (`region`, or `account/region` for one account only)."""

    denied_accounts: set[str] = field(default_factory=set)
    throttled: set[str] = field(default_factory=set)
    # STS's role-chaining limit: AssumeRole asking for more than an hour is refused (AWS
    # refuses it when the caller is itself an assumed role; moto never does).
    chained: bool = False

    def refuses_role(self, role_arn: str) -> bool:
        """Whether AssumeRole of this role ARN is refused (by the role's account)."""
        parts = role_arn.split(":")
        return len(parts) > 4 and parts[4] in self.denied_accounts

    def throttles(self, account: str, region: str) -> bool:
        """Whether calls of `account` in `region` are throttled."""
        return region in self.throttled or f"{account}/{region}" in self.throttled


FAULTS = Faults()


class AccessDenied(ServiceException):
    """STS's refusal of AssumeRole (no trust, or an SCP denying it)."""

    code = "AccessDenied"


class ValidationError(ServiceException):
    """STS's refusal of a parameter (its code is ValidationError in STS's query API)."""

    code = "ValidationError"


class ThrottlingException(ServiceException):
    """The answer to a call over the rate limit."""

    code = "ThrottlingException"


def _fault(response: BaseResponse) -> ServiceException | None:
    """The error this request gets, if any."""
    action = response._get_action()
    if action == "AssumeRole":
        arn = str(response._get_param("RoleArn") or "")
        if FAULTS.chained and int(response._get_param("DurationSeconds") or 3600) > 3600:
            return ValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
        if FAULTS.refuses_role(arn):
            return AccessDenied(
                f"User: arn:aws:sts::{response.current_account}:assumed-role/crawler is not "
                f"authorized to perform: sts:AssumeRole on resource: {arn}"
            )
    if FAULTS.throttles(response.current_account, response.region):
        return ThrottlingException("Rate exceeded")
    return None


def _call_action(self: BaseResponse) -> Any:
    """moto's call_action, answering an injected fault instead when one applies."""
    fault = _fault(self) if (FAULTS.denied_accounts or FAULTS.throttled or FAULTS.chained) else None
    if fault is None:
        return _ORIGINAL_CALL_ACTION(self)
    status, headers, body = self.serialized(ActionResult(fault))
    if fault.code == "ThrottlingException":
        status = 400
    elif fault.code == "AccessDenied":
        status = 403
    elif fault.code == "ValidationError":
        status = 400
    headers["status"] = status
    return status, headers, body


def install() -> None:
    """Wrap moto's dispatch (idempotent), with the faults of `LINEAGE_EMULATOR_FAULTS`."""
    # moto warns that these codes are not in the operation's modelled errors; AWS sends them.
    warnings.filterwarnings("ignore", r"Exception\((AccessDenied|ThrottlingException)\)")
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
    configure(os.environ.get(FAULTS_VARIABLE, ""))


def configure(spec: str) -> None:
    """Set the faults from `deny=<ids,…>;throttle=<regions or account/region,…>;chained`
    ('' = none)."""
    FAULTS.denied_accounts.clear()
    FAULTS.throttled.clear()
    FAULTS.chained = False
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, _, values = part.partition("=")
        items = {v.strip() for v in values.split(",") if v.strip()}
        if name.strip() == "deny":
            FAULTS.denied_accounts |= items
        elif name.strip() == "throttle":
            FAULTS.throttled |= items
        elif name.strip() == "chained":
            FAULTS.chained = True
        else:
            raise ValueError(f"{FAULTS_VARIABLE}: unknown fault {name.strip()!r}")


@contextmanager
def injected(
    denied_accounts: Iterable[str] = (), throttled: Iterable[str] = (), chained: bool = False
) -> Iterator[Faults]:
    """Faults added while inside (install() must have run), removed afterwards."""
    denied = set(denied_accounts) - FAULTS.denied_accounts
    regions = set(throttled) - FAULTS.throttled
    was_chained = FAULTS.chained
    FAULTS.denied_accounts |= denied
    FAULTS.throttled |= regions
    FAULTS.chained = was_chained or chained
    try:
        yield FAULTS
    finally:
        FAULTS.denied_accounts -= denied
        FAULTS.throttled -= regions
        FAULTS.chained = was_chained
