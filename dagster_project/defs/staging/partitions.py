"""Staged crawl partitions: account x region, both dynamic (accounts and regions are added as
they are found), so Dagster tags every run with `dagster/partition/account` and the run
coordinator can limit concurrent runs per account."""

from __future__ import annotations

import dagster as dg

from dagster_project.names import AWS_ACCOUNTS_PARTITIONS, AWS_REGIONS_PARTITIONS

ACCOUNT, REGION = "account", "region"

aws_accounts = dg.DynamicPartitionsDefinition(name=AWS_ACCOUNTS_PARTITIONS)
aws_regions = dg.DynamicPartitionsDefinition(name=AWS_REGIONS_PARTITIONS)
account_regions = dg.MultiPartitionsDefinition({ACCOUNT: aws_accounts, REGION: aws_regions})


def account_region(key: dg.MultiPartitionKey | str) -> tuple[str, str]:
    """(account, region) of a partition key (`123456789012|us-east-1`)."""
    if isinstance(key, dg.MultiPartitionKey):
        dimensions = key.keys_by_dimension
        return dimensions[ACCOUNT], dimensions[REGION]
    account, sep, region = key.partition("|")
    if not sep or not account or not region:
        raise ValueError(f"partition key {key!r} is not <account>|<region>")
    return account, region
