"""The AWS calls the SageMaker crawl makes, as protocols: any boto3 client (or a test double)
with these methods will do, and a type checker sees what each module may call."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Protocol

Answer = dict[str, Any]
"""A boto3 response: JSON-like and untrusted."""


class Paginator(Protocol):
    """A boto3 paginator: pages of one list operation."""

    def paginate(self, **parameters: Any) -> Iterable[Answer]:
        """Every page of the operation called with `parameters`."""
        ...


class SageMakerClient(Protocol):
    """The SageMaker operations the crawl calls; job descriptions (`describe_processing_job`,
    `describe_training_job`, ...) are looked up by name from `steps.JOB_TYPES`."""

    def get_paginator(self, operation_name: str) -> Paginator:
        """A paginator for a list operation (`list_pipelines`, `list_tags`, ...)."""
        ...

    def describe_pipeline(self, **parameters: Any) -> Answer:
        """DescribePipeline."""
        ...

    def list_pipeline_executions(self, **parameters: Any) -> Answer:
        """ListPipelineExecutions (one page)."""
        ...

    def describe_pipeline_execution(self, **parameters: Any) -> Answer:
        """DescribePipelineExecution."""
        ...

    def describe_pipeline_definition_for_execution(self, **parameters: Any) -> Answer:
        """DescribePipelineDefinitionForExecution."""
        ...

    def describe_model_package(self, **parameters: Any) -> Answer:
        """DescribeModelPackage."""
        ...

    def describe_feature_group(self, **parameters: Any) -> Answer:
        """DescribeFeatureGroup."""
        ...


class S3Client(Protocol):
    """The S3 operation the crawl calls to read evaluation reports."""

    def get_object(self, **parameters: Any) -> Answer:
        """GetObject (its `Body` is a stream)."""
        ...


class AwsClient(SageMakerClient, S3Client, Protocol):
    """What a client factory returns: a SageMaker or an S3 client, by service name."""


class ClientFactory(Protocol):
    """`client(service, region)`, e.g. `lineage_assets.aws.client`."""

    def __call__(self, service: str, region: str, /) -> AwsClient:
        """A client of `service` ("sagemaker" or "s3") in `region`."""
        ...


class S3OnFirstUse:
    """The S3 client of a region, made by the factory when a report is first read: a region
    whose steps declare no report files never makes one (a client costs 50-150 ms of CPU)."""

    def __init__(self, client: ClientFactory, region: str) -> None:
        self._client = client
        self._region = region
        self._made: S3Client | None = None
        self._lock = threading.Lock()

    def get_object(self, **parameters: Any) -> Answer:
        """GetObject through the region's S3 client, made now if not yet."""
        with self._lock:
            if self._made is None:
                self._made = self._client("s3", self._region)
        return self._made.get_object(**parameters)
