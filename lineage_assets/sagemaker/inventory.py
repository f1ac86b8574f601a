"""Which SageMaker pipelines exist, per account and region: summaries, tags and Studio
domains, the domain a pipeline belongs to, its store key and the hash of its definition."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from lineage_assets.sagemaker.bounds import (
    CACHED_DEFINITION_CHARS,
    CACHED_DEFINITIONS,
    load_definition,
)
from lineage_assets.sagemaker.clients import SageMakerClient


@dataclass(frozen=True)
class Domain:
    """A SageMaker Studio domain of one account and region."""

    account_id: str
    region: str
    domain_id: str
    domain_name: str | None
    domain_arn: str | None
    status: str | None = None
    url: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Pipeline:
    """One pipeline as listed and described, with the domain its tags tie it to."""

    account_id: str
    region: str
    name: str
    arn: str
    definition: str
    tags: dict[str, str] = field(default_factory=dict)
    domain: Domain | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def source_key(self) -> str:
        """The store key of this pipeline's records."""
        return pipeline_source_key(self.account_id, self.region, self.name)

    @property
    def definition_hash(self) -> str:
        """Hash of the definition's JSON content, whitespace and key order ignored."""
        return definition_hash(self.definition)


PIPELINE_KIND = "sagemaker_pipeline"
REGION_KIND = "sagemaker_region"
DOMAINS_KIND = "sagemaker_domains"


PIPELINE_KEY_PREFIX = "sagemaker:"


def pipeline_source_key(account_id: str, region: str, name: str) -> str:
    """`sagemaker:<account>/<region>/<pipeline>`: names are unique per account and region."""
    return f"{PIPELINE_KEY_PREFIX}{account_id}/{region}/{name}"


def parse_pipeline_source_key(key: str) -> tuple[str, str, str] | None:
    """(account, region, pipeline) of a pipeline source key; None for any other key. Accounts
    and regions hold no `/`; a name listed by something other than SageMaker might."""
    if not key.startswith(PIPELINE_KEY_PREFIX):
        return None
    parts = key.removeprefix(PIPELINE_KEY_PREFIX).split("/", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def region_source_key(account_id: str, region: str) -> str:
    """`sagemaker_region:<account>/<region>`: where a failed listing of a region is recorded."""
    return f"{REGION_KIND}:{account_id}/{region}"


def domains_source_key(account_id: str, region: str) -> str:
    """`sagemaker_domains:<account>/<region>`: the Studio domains of one account and region."""
    return f"{DOMAINS_KIND}:{account_id}/{region}"


def definition_hash(definition: str) -> str:
    """Same JSON content → same hash; text that is not JSON (or out of the definition bounds)
    is hashed as is. The last few are kept: a crawl asks for each several times."""
    if len(definition) <= CACHED_DEFINITION_CHARS:
        return _cached_hash(definition)
    return _hash(definition)


@lru_cache(maxsize=CACHED_DEFINITIONS)
def _cached_hash(definition: str) -> str:
    return _hash(definition)


def _hash(definition: str) -> str:
    try:
        canonical = json.dumps(load_definition(definition), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = definition
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def list_domains(sagemaker: SageMakerClient, account_id: str, region: str) -> list[Domain]:
    """Studio domains of the account and region (paginated)."""
    from lineage_assets.aws import largest_pages  # botocore, for processes that list AWS only

    pages = sagemaker.get_paginator("list_domains").paginate(
        **largest_pages(sagemaker, "list_domains")
    )
    return [
        Domain(
            account_id=account_id,
            region=region,
            domain_id=d["DomainId"],
            domain_name=d.get("DomainName"),
            domain_arn=d.get("DomainArn"),
            status=d.get("Status"),
            url=d.get("Url"),
            created_at=d.get("CreationTime"),
        )
        for page in pages
        for d in page.get("Domains", [])
    ]


def match_domain(tags: dict[str, str], domains: list[Domain]) -> Domain | None:
    """The domain named by the `DomainId`, `DomainName` or Studio's `sagemaker:domain-arn` tag."""
    by_id = {d.domain_id: d for d in domains}
    by_name = {(d.domain_name or "").lower(): d for d in domains}
    if tags.get("DomainId") in by_id:
        return by_id[tags["DomainId"]]
    if (tags.get("DomainName") or "").lower() in by_name:
        return by_name[tags["DomainName"].lower()]
    arn = tags.get("sagemaker:domain-arn", "")
    return by_id.get(arn.rsplit("/", 1)[-1]) if "/" in arn else None


def list_pipeline_summaries(sagemaker: SageMakerClient) -> list[dict[str, Any]]:
    """Every pipeline summary of the region (paginated; never only the first page)."""
    from lineage_assets.aws import largest_pages  # botocore, for processes that list AWS only

    pages = sagemaker.get_paginator("list_pipelines").paginate(
        **largest_pages(sagemaker, "list_pipelines")
    )
    return [summary for page in pages for summary in page.get("PipelineSummaries", [])]


def list_tags(sagemaker: SageMakerClient, arn: str) -> dict[str, str]:
    """All tags of a resource (paginated)."""
    pages = sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn)
    return {tag["Key"]: tag["Value"] for page in pages for tag in page.get("Tags", [])}
