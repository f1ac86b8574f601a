"""An emulated organization of the tests' own (management account 300000000001, four members,
one suspended account), each member with a bucket of its own, and a botocore session acting in
any account: the accounts tests' crawler identity, so the seeded organization stays as it is."""

from __future__ import annotations

from typing import Any

from botocore.session import Session

from lineage_assets.accounts.sessions import (
    assumed_credentials,
    default_session,
    role_arn,
    session_with,
)
from lineage_dev.emulator.seed_accounts import add_account, member_client

MANAGEMENT = "300000000001"
MEMBERS = ("300000000101", "300000000102", "300000000103", "300000000104")
SUSPENDED = "300000000199"


def acting_in(account_id: str) -> Session:
    """A botocore session acting in `account_id` (moto answers in an assumed role's account)."""
    arn = role_arn("aws", account_id, "Admin")
    credentials = assumed_credentials(
        default_session(), arn, sts_region="us-east-1", session_name="tests", duration_s=3600
    )
    return session_with(credentials)


def _has_organization(organizations: Any) -> bool:
    """Whether the caller already manages an organization (the emulator lives all session)."""
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        return False
    return True


def ensure_organization(endpoint: str) -> None:
    """Create the organization, its accounts and their buckets once per emulator."""
    organizations = member_client(endpoint, "organizations", account_id=MANAGEMENT)
    if _has_organization(organizations):
        return
    organizations.create_organization(FeatureSet="ALL")
    for account_id in MEMBERS:
        add_account(organizations, account_id, f"member-{account_id}", f"{account_id}@x.io")
        member_client(endpoint, "s3", account_id=account_id).create_bucket(
            Bucket=f"member-bucket-{account_id}"
        )
    add_account(organizations, SUSPENDED, "gone", "gone@x.io", state="SUSPENDED")
    member_client(endpoint, "s3", account_id=MANAGEMENT).create_bucket(
        Bucket=f"caller-bucket-{MANAGEMENT}"
    )
