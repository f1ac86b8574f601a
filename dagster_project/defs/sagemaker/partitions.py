"""Dynamic partitions: one per SageMaker pipeline, keyed `<account>:<region>:<pipeline name>`.

Pipeline names are unique per account and region, never contain `:`, and neither do account
ids or regions, so the key splits back unambiguously; the sensor registers and retires keys,
the store is not read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import dagster as dg

from dagster_project.names import SAGEMAKER_PIPELINES_PARTITIONS

sagemaker_pipelines = dg.DynamicPartitionsDefinition(name=SAGEMAKER_PIPELINES_PARTITIONS)

# SageMaker's rule for a pipeline name (CreatePipeline's PipelineName pattern), no `:` in it.
_PIPELINE_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}")


def is_pipeline_name(name: str) -> bool:
    """Whether SageMaker could have named a pipeline so; anything else (from an emulator or a
    proxy) is not made a partition, whose key must round-trip and pass Dagster's checks."""
    return len(name) <= 256 and _PIPELINE_NAME.fullmatch(name) is not None


def pipeline_partition_key(account_id: str, region: str, name: str) -> str:
    """`123456789012:us-east-1:AbalonePipeline`."""
    return f"{account_id}:{region}:{name}"


def parse_pipeline_partition_key(key: str) -> tuple[str, str, str]:
    """(account, region, pipeline name) of a partition key; a clear error for a malformed key."""
    parts = key.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"partition key {key!r} is not <account>:<region>:<pipeline name>")
    return parts[0], parts[1], parts[2]


def pipelines_by_account(keys: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """Pipeline names grouped by account, then region, from partition keys, in the order
    given."""
    grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key in keys:
        account, region, name = parse_pipeline_partition_key(key)
        grouped[account][region].append(name)
    return grouped
