"""Source keys and kinds of the serving crawl, built here only: one source per resource
(`<kind>:<account>/<region>/<name>`), and one per listing of a region that failed."""

from __future__ import annotations

from enum import StrEnum


class ResourceKind(StrEnum):
    """What one serving source is; the value is its `sources.source_kind`."""

    MODEL = "sagemaker_model"
    ENDPOINT_CONFIG = "sagemaker_endpoint_config"
    ENDPOINT = "sagemaker_endpoint"
    MONITORING_SCHEDULE = "sagemaker_monitoring_schedule"
    TRANSFORM_JOB = "sagemaker_transform_job"
    INFERENCE_COMPONENT = "sagemaker_inference_component"


LISTING_KIND = "sagemaker_serving_listing"
"""The kind of the source carrying a failed listing of one resource kind in one region."""


def resource_key(kind: ResourceKind, account_id: str, region: str, name: str) -> str:
    """`sagemaker_endpoint:<account>/<region>/<name>`: one source per resource."""
    return f"{kind.value}:{account_id}/{region}/{name}"


def resource_prefix(kind: ResourceKind, account_id: str, region: str) -> str:
    """The common prefix of every source key of `kind` in one account and region."""
    return resource_key(kind, account_id, region, "")


def listing_key(kind: ResourceKind, account_id: str, region: str) -> str:
    """`sagemaker_serving_listing:<account>/<region>/<kind>`: the error of a failed listing,
    removed by the next listing that works."""
    return f"{LISTING_KIND}:{account_id}/{region}/{kind.value}"


def derived_arn(sibling_arn: str, resource: str, name: str) -> str:
    """The ARN of another resource of the same account and region, from one we know
    (`arn:aws:sagemaker:r:a:endpoint/x` → `…:model/<name>`); SageMaker writes the names in
    these ARNs in lower case. Only for a resource no listing returned (e.g. a deleted model)."""
    prefix = sibling_arn.rpartition(":")[0]
    return f"{prefix}:{resource}/{name.lower()}"
