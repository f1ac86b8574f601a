"""Opening an emulated organization (20 accounts x 2 regions): discovery and sessions through
`lineage_assets.accounts` (ListAccounts, one AssumeRole per member through botocore's
refreshable credentials, one GetCallerIdentity per account and region, 8 accounts at a time)
against a raw replay of the very same calls on plain boto3 clients, one after the other, in
the same run; then the cost of asking an opened account for a client it already made."""

from __future__ import annotations

import os

import boto3

from benchmarks.harness import Result, figure, header, median_time, note, report, seconds, timed
from lineage_assets.accounts.estate import Estate, open_estate
from lineage_assets.accounts.settings import AccountSettings, AccountsMode
from lineage_dev.emulator import emulator_environment
from lineage_dev.emulator.seed_accounts import (
    MANAGEMENT_ACCOUNT_ID,
    add_account,
    management_client,
    role_arn,
)
from lineage_dev.emulator.server import EmulatorServer

REGIONS = ("us-east-1", "eu-west-1")
SETTINGS = AccountSettings(mode=AccountsMode.ORGANIZATION)


def _organization(endpoint: str, accounts: int) -> list[str]:
    """An organization of `accounts` accounts (the management one included); their ids."""
    organizations = management_client(endpoint, "organizations")
    organizations.create_organization(FeatureSet="ALL")
    members = [f"4000000{index:05d}" for index in range(1, accounts)]
    for account_id in members:
        add_account(organizations, account_id, f"bench-{account_id}", f"{account_id}@x.io")
    return [MANAGEMENT_ACCOUNT_ID, *members]


def _raw(endpoint: str, members: list[str]) -> int:
    """The estate's calls replayed on plain clients, one at a time; how many were made."""
    keys = {"endpoint_url": endpoint, "region_name": REGIONS[0]}
    sts = boto3.client("sts", **keys)
    sts.get_caller_identity()
    pages = management_client(endpoint, "organizations").get_paginator("list_accounts")
    calls = 1 + sum(1 for _ in pages.paginate())
    for region in REGIONS:
        boto3.client("sts", endpoint_url=endpoint, region_name=region).get_caller_identity()
        calls += 1
    for account_id in members:
        answer = sts.assume_role(RoleArn=role_arn(account_id), RoleSessionName="lineage-assets")
        credentials = answer["Credentials"]
        calls += 1
        for region in REGIONS:
            member = boto3.client(
                "sts",
                endpoint_url=endpoint,
                region_name=region,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
            member.get_caller_identity()
            calls += 1
    return calls


def run(quick: bool = False) -> list[Result]:
    """Seed the organization, replay raw, open the estate; compare, then time cached clients."""
    accounts = 5 if quick else 20
    name = "accounts"
    header(name, f"open an organization of {accounts} accounts x {len(REGIONS)} regions")
    with EmulatorServer(seed=False) as server:
        os.environ.update(emulator_environment(server.endpoint_url, {}))
        os.environ.pop("AWS_PROFILE", None)
        ids = _organization(server.endpoint_url, accounts)
        repeat = 1 if quick else 3
        raw_calls = _raw(server.endpoint_url, ids[1:])  # warm both paths once
        opened: list[Estate] = []
        raw_time = median_time(lambda: _raw(server.endpoint_url, ids[1:]), repeat, warmup=0)
        estate_time = median_time(
            lambda: opened.append(open_estate(SETTINGS, REGIONS)), repeat, warmup=1
        )
        estate = opened[-1]
        figure("raw replay, sequential (reference)", f"{seconds(raw_time)}, {raw_calls} calls")
        figure("open_estate, 8 accounts at a time", seconds(estate_time))
        opened_pairs = f"{len(estate.targets)} ({len(estate.problems)} errors)"
        figure("accounts x regions opened", opened_pairs)
        note(
            f"per account: {raw_calls / accounts:.1f} calls (AssumeRole + one GetCallerIdentity "
            "per region; ListAccounts and the caller's identity once)"
        )
        member = estate.of_account(ids[-1])
        assert member is not None and len(estate.targets) == accounts * len(REGIONS)
        cached_time, _ = timed(
            lambda: [member.client("sagemaker", r) for r in REGIONS * 5000]  # made once
        )
        figure("cached client lookups", f"{seconds(cached_time / 10_000)} each")
        for each in opened:
            each.close()
    result = Result(name, "raw replay ÷ open_estate (time)", raw_time / estate_time, 0.7, True)
    return [report(result)]
