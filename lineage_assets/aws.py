"""AWS access the same way everywhere: boto3's standard credential chain, `AWS_ENDPOINT_URL`
(honoured by boto3 itself, and passed on to pyarrow, which ignores it), adaptive retries."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from pyarrow import fs


def client_config(max_attempts: int = 5, max_pool_connections: int = 10) -> Config:
    """Every client's configuration: adaptive retries (a client rate-limits itself after
    throttling, so workers sharing one client share its limit), bounded connect and read."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=max_pool_connections,
        user_agent_extra="lineage-assets",
    )


def client(service: str, region: str | None = None, *, max_attempts: int = 5) -> Any:
    """A boto3 client; no endpoint or credential arguments, so real AWS works unchanged."""
    import boto3  # loaded by the first client, not by every module that names AWS errors

    config = client_config(max_attempts)
    return boto3.session.Session().client(service, region_name=region, config=config)


def error_code(error: BaseException) -> str:
    """The AWS error code of a failed call (`AccessDenied`, …), or the exception's type name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


AWS_ERRORS = (ClientError, BotoCoreError)
"""What a boto3 call raises when AWS (or the network) says no."""


def s3_endpoint_from_env() -> str | None:
    """The S3 endpoint boto3 would use: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else None."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def s3_filesystem(region: str | None = None) -> fs.S3FileSystem:
    """pyarrow's S3 filesystem pointed where boto3 points (pyarrow 26 ignores the endpoint
    variables); credentials come from the usual chain."""
    from pyarrow import fs

    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = s3_endpoint_from_env()
    bounded = {"connect_timeout": 5, "request_timeout": 60}  # a stalled read never hangs
    if not endpoint:
        return fs.S3FileSystem(region=region, **bounded)
    parts = urlsplit(endpoint)
    return fs.S3FileSystem(
        region=region, endpoint_override=parts.netloc, scheme=parts.scheme or "https", **bounded
    )
