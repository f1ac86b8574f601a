"""Seeds the demo organization: the seeded account 123456789012 is its management account, and
one member account (`MEMBER_ACCOUNT_ID`) holds a read-only role the crawler assumes.

Other seed modules put their member-account resources there through `member_client`, which acts
in that account the way the crawler does (STS AssumeRole; moto answers in the role's account).
Runs in the emulator's own process: moto's Organizations gives created accounts random ids, so
the member's id is set on moto's account object after creation.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config

from lineage_dev.emulator import EMULATOR_ENV
from lineage_dev.emulator.definitions import ACCOUNT_ID, MAIN_REGION

MANAGEMENT_ACCOUNT_ID = ACCOUNT_ID
MEMBER_ACCOUNT_ID = "210987654321"
MEMBER_ACCOUNT_NAME = "analytics-prod"
MEMBER_REGION = MAIN_REGION
MEMBER_ACCOUNT_EMAIL = "aws-analytics-prod@example.com"
# The role every member account holds for the crawler (docs/iam/member-role.yaml's default).
MEMBER_ROLE_NAME = "LineageReadOnly"
CREDENTIALS = {
    "aws_access_key_id": EMULATOR_ENV["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": EMULATOR_ENV["AWS_SECRET_ACCESS_KEY"],
}
_CONFIG = Config(retries={"max_attempts": 1})


def role_arn(account_id: str, role_name: str = MEMBER_ROLE_NAME) -> str:
    """`arn:aws:iam::<account>:role/<name>`."""
    return f"arn:aws:iam::{account_id}:role/{role_name}"


def trust_policy(trusted_account: str) -> str:
    """The member role's trust policy: the crawler's (management) account may assume it."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
        "Action": "sts:AssumeRole",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def member_client(
    endpoint_url: str, service: str, region: str = MAIN_REGION, account_id: str = MEMBER_ACCOUNT_ID
) -> Any:
    """A boto3 client acting in `account_id` (default: the member) on the emulator."""
    sts = boto3.client(
        "sts", region_name=region, endpoint_url=endpoint_url, config=_CONFIG, **CREDENTIALS
    )
    answer = sts.assume_role(RoleArn=role_arn(account_id), RoleSessionName="lineage-seed")
    credentials = answer["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        config=_CONFIG,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def management_client(endpoint_url: str, service: str, region: str = MAIN_REGION) -> Any:
    """A boto3 client acting in the management (default) account on the emulator."""
    return boto3.client(
        service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG, **CREDENTIALS
    )


def add_account(
    organizations: Any, account_id: str, name: str, email: str, *, state: str = "ACTIVE"
) -> None:
    """Create an account in the caller's organization and give it `account_id` (moto picks a
    random id); `state` other than ACTIVE (e.g. SUSPENDED) is set the way moto's close does."""
    from moto.organizations.models import organizations_backends

    created = organizations.create_account(AccountName=name, Email=email)
    random_id = created["CreateAccountStatus"]["AccountId"]
    management, partition = organizations_backends.master_accounts.pop(random_id)
    for account in organizations_backends[management][partition].accounts:
        if account.id == random_id:
            account.id = account_id
            account.status = account.state = state
    organizations_backends.master_accounts[account_id] = (management, partition)


def seed_organization(endpoint_url: str) -> str:
    """Make the seeded account an organization's management account with one member account
    holding `MEMBER_ROLE_NAME`; returns the member's id."""
    organizations = management_client(endpoint_url, "organizations")
    try:
        organizations.create_organization(FeatureSet="ALL")
        add_account(organizations, MEMBER_ACCOUNT_ID, MEMBER_ACCOUNT_NAME, MEMBER_ACCOUNT_EMAIL)
    finally:
        organizations.close()
    iam = member_client(endpoint_url, "iam")
    try:
        iam.create_role(
            RoleName=MEMBER_ROLE_NAME,
            AssumeRolePolicyDocument=trust_policy(MANAGEMENT_ACCOUNT_ID),
            Description="Read-only access for the lineage crawler",
        )
    finally:
        iam.close()
    return MEMBER_ACCOUNT_ID
