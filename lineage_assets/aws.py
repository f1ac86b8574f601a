"""AWS access the same way everywhere: boto3's standard credential chain, `AWS_ENDPOINT_URL`
(honoured by boto3 itself, and passed on to pyarrow, which ignores it), adaptive retries."""

from __future__ import annotations

import os
from functools import cache
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


@cache
def service_models() -> Any:
    """One botocore loader for the process: service models and endpoint data are parsed once
    (0.1-0.7 s a session otherwise), whichever session asks."""
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


def botocore_session() -> Any:
    """A new botocore session on boto3's standard chain (env, profile, SSO, instance role …),
    read now, with the process's loaded service models."""
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", service_models())
    return session


def client(service: str, region: str | None = None, *, max_attempts: int = 5) -> Any:
    """A boto3 client; no endpoint or credential arguments, so real AWS works unchanged. Each
    comes from a session of its own (sessions are not thread-safe), sharing the loaded models."""
    import boto3  # loaded by the first client, not by every module that names AWS errors

    session = boto3.session.Session(botocore_session=botocore_session())
    return session.client(service, region_name=region, config=client_config(max_attempts))


def largest_pages(client: Any, method: str) -> dict[str, Any]:
    """`paginate` arguments asking for the largest page the operation's model allows: the
    SageMaker list calls answer 10 items a page by default, so 1,000 pipelines took 100 calls.
    Empty for an operation without a bounded `MaxResults`, or a client without a model."""
    meta: Any = getattr(client, "meta", None)
    try:
        operation = meta.service_model.operation_model(meta.method_to_api_mapping[method])
        most = operation.input_shape.members["MaxResults"].metadata.get("max")
    except (AttributeError, KeyError):
        return {}
    return {"PaginationConfig": {"PageSize": most}} if isinstance(most, int) else {}


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
