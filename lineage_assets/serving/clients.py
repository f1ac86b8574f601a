"""The AWS calls the serving crawl makes, as protocols: any boto3 client (or a test double)
with these methods will do, and a type checker sees what the crawl may call."""

from __future__ import annotations

from typing import Any, Protocol

from lineage_assets.s3_schema.client import S3Client
from lineage_assets.sagemaker.clients import Answer, Paginator


class ServingClient(Protocol):
    """The SageMaker operations of the serving crawl. Monitoring job definitions
    (`describe_data_quality_job_definition`, ...) are looked up by name from
    `fetch.JOB_DEFINITIONS`."""

    def get_paginator(self, operation_name: str) -> Paginator:
        """A paginator for a list operation (`list_models`, `list_endpoints`, ...)."""
        ...

    def describe_model(self, **parameters: Any) -> Answer:
        """DescribeModel."""
        ...

    def describe_endpoint_config(self, **parameters: Any) -> Answer:
        """DescribeEndpointConfig."""
        ...

    def describe_endpoint(self, **parameters: Any) -> Answer:
        """DescribeEndpoint."""
        ...

    def describe_monitoring_schedule(self, **parameters: Any) -> Answer:
        """DescribeMonitoringSchedule."""
        ...

    def describe_transform_job(self, **parameters: Any) -> Answer:
        """DescribeTransformJob."""
        ...

    def describe_inference_component(self, **parameters: Any) -> Answer:
        """DescribeInferenceComponent."""
        ...

    def list_tags(self, **parameters: Any) -> Answer:
        """ListTags (one page: a pipeline's job carries its two tags on the first)."""
        ...


class ServingAwsClient(ServingClient, S3Client, Protocol):
    """What a client factory returns: a SageMaker or an S3 client, by service name."""


class ServingClientFactory(Protocol):
    """`client(service, region)` for one account (`lineage_assets.aws.client`, or an
    account's assumed-role factory)."""

    def __call__(self, service: str, region: str, /) -> ServingAwsClient:
        """A client of `service` ("sagemaker" or "s3") in `region`."""
        ...
