"""Which SageMaker pipelines exist, per region: summaries, tags and Studio domains, the
domain a pipeline belongs to, its store key and the hash of its definition."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage_assets.sagemaker.bounds import load_definition
from lineage_assets.sagemaker.clients import SageMakerClient


@dataclass(frozen=True)
class Domain:
    """A SageMaker Studio domain of one region."""

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
        """The store key of this pipeline's records (also its Dagster partition key)."""
        return pipeline_source_key(self.region, self.name)

    @property
    def definition_hash(self) -> str:
        """Hash of the definition's JSON content, whitespace and key order ignored."""
        return definition_hash(self.definition)


PIPELINE_KIND = "sagemaker_pipeline"
REGION_KIND = "sagemaker_region"
DOMAINS_KIND = "sagemaker_domains"


PIPELINE_KEY_PREFIX = "sagemaker:"


def pipeline_source_key(region: str, name: str) -> str:
    """`sagemaker:<region>/<pipeline>`: names are unique per region, not per account."""
    return f"{PIPELINE_KEY_PREFIX}{region}/{name}"


def definition_hash(definition: str) -> str:
    """Same JSON content → same hash; text that is not JSON (or out of the definition bounds)
    is hashed as is."""
    try:
        canonical = json.dumps(load_definition(definition), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = definition
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def list_domains(sagemaker: SageMakerClient, region: str) -> list[Domain]:
    """Studio domains of the region (paginated)."""
    pages = sagemaker.get_paginator("list_domains").paginate()
    return [
        Domain(
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
    pages = sagemaker.get_paginator("list_pipelines").paginate()
    return [summary for page in pages for summary in page.get("PipelineSummaries", [])]


def list_tags(sagemaker: SageMakerClient, arn: str) -> dict[str, str]:
    """All tags of a resource (paginated)."""
    pages = sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn)
    return {tag["Key"]: tag["Value"] for page in pages for tag in page.get("Tags", [])}
