"""A Glue Data Catalog in an emulated account of its own: clients acting there, tables made the
way Athena, Spark and crawlers make them, and a client that counts the calls it makes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3

from lineage_assets import aws
from lineage_dev.emulator.seed_glue import presto_view_input

REGION = "us-east-1"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def account_session(account: str) -> boto3.session.Session:
    """A boto3 session acting in `account` (an assumed role in the emulator)."""
    role = f"arn:aws:iam::{account}:role/tests"
    credentials = aws.client("sts", REGION).assume_role(RoleArn=role, RoleSessionName="tests")[
        "Credentials"
    ]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


class CountingClient:
    """A real client that counts each operation it is asked for."""

    def __init__(self, client: Any, calls: Counter[str]) -> None:
        self._client = client
        self.calls = calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_") or name == "get_paginator":
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(*args, **kwargs)

        return counted


class AccountClients:
    """`client(service, region)` in one emulated account, counting Glue calls."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.session = account_session(account)
        self.calls: Counter[str] = Counter()

    def __call__(self, service: str, region: str) -> Any:
        client = self.session.client(service, region_name=region)
        return CountingClient(client, self.calls) if service == "glue" else client

    def glue(self, region: str = REGION) -> Any:
        """An uncounted Glue client, to set the catalog up."""
        return self.session.client("glue", region_name=region)


def columns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """Glue column entries from (name, type) pairs."""
    return [{"Name": name, "Type": kind} for name, kind in pairs]


def parquet_table(
    name: str,
    location: str,
    cols: list[dict[str, str]],
    partition_keys: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A TableInput as a Glue crawler or Athena's CREATE EXTERNAL TABLE makes it."""
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": partition_keys or [],
        "StorageDescriptor": {
            "Columns": cols,
            "Location": location,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"x": "1"}},
        },
    }


def presto_view(name: str, database: str, sql: str, cols: list[dict[str, str]]) -> dict[str, Any]:
    """A TableInput as Athena's CREATE VIEW writes it: the Presto view JSON base64-encoded in
    `ViewOriginalText`, Hive-typed columns in the storage descriptor."""
    view = presto_view_input(name, database, sql, [c["Name"] for c in cols], "123456789012")
    view["StorageDescriptor"] = {"Columns": cols, "SerdeInfo": {}, "Location": ""}
    return view
