"""Dynamic partitions: one per SageMaker pipeline, keyed `<region>:<pipeline name>`.

Pipeline names are unique per region, never contain `:`, and regions never do either, so the
key splits back unambiguously; the sensor registers and retires keys, the store is not read.
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


def pipeline_partition_key(region: str, name: str) -> str:
    """`us-east-1:AbalonePipeline`."""
    return f"{region}:{name}"


def parse_pipeline_partition_key(key: str) -> tuple[str, str]:
    """(region, pipeline name) of a partition key; a clear error for a malformed key."""
    region, sep, name = key.partition(":")
    if not sep or not region or not name:
        raise ValueError(f"partition key {key!r} is not <region>:<pipeline name>")
    return region, name


def pipelines_by_region(keys: Iterable[str]) -> dict[str, list[str]]:
    """Pipeline names grouped by region, from partition keys, in the order given."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        region, name = parse_pipeline_partition_key(key)
        grouped[region].append(name)
    return grouped
