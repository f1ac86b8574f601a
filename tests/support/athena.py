"""Athena test helpers: a client acting in an emulated account of its own, and a counter of the
calls a crawl makes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
from botocore.config import Config

from lineage_assets import aws


def account_session(account: str) -> boto3.session.Session:
    """A boto3 session acting in `account` (an assumed role in the emulator)."""
    role = f"arn:aws:iam::{account}:role/tests"
    credentials = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="tests")[
        "Credentials"
    ]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


class CountingFactory:
    """A client factory for one account that counts the AWS operations its clients make."""

    def __init__(self, account: str) -> None:
        self.session = account_session(account)
        self.calls: Counter[str] = Counter()

    def client(self, service: str, region: str | None = None) -> Any:
        made = self.session.client(
            service, region_name=region, config=Config(retries={"max_attempts": 1})
        )
        made.meta.events.register("before-call", self._count)
        return made

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
