"""Which SageMaker pipelines exist, per region: summaries, tags, Studio domains, and the
pipeline row, parameters and definition version the crawler stores for each one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lineage_assets.redact import redact_secrets
from lineage_assets.sagemaker.bounds import load_definition
from lineage_assets.store import SourceRecords, Upsert


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


def pipeline_source_key(region: str, name: str) -> str:
    """`sagemaker:<region>/<pipeline>`: names are unique per region, not per account."""
    return f"sagemaker:{region}/{name}"


def definition_hash(definition: str) -> str:
    """Same JSON content → same hash; text that is not JSON (or out of the definition bounds)
    is hashed as is."""
    try:
        canonical = json.dumps(load_definition(definition), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = definition
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def list_domains(sagemaker: Any, region: str) -> list[Domain]:
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


def list_pipeline_summaries(sagemaker: Any) -> list[dict[str, Any]]:
    """Every pipeline summary of the region (paginated; never only the first page)."""
    pages = sagemaker.get_paginator("list_pipelines").paginate()
    return [summary for page in pages for summary in page.get("PipelineSummaries", [])]


def list_tags(sagemaker: Any, arn: str) -> dict[str, str]:
    """All tags of a resource (paginated)."""
    pages = sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn)
    return {tag["Key"]: tag["Value"] for page in pages for tag in page.get("Tags", [])}


def _parameters(definition: str) -> list[dict[str, Any]]:
    """Declared parameters of a definition; none when it is not JSON."""
    try:
        declared = load_definition(definition).get("Parameters") or []
    except (ValueError, AttributeError):
        return []
    if not isinstance(declared, list):
        return []
    return [
        {
            "name": p.get("Name"),
            "type": p.get("Type"),
            "default_value": None if p.get("DefaultValue") is None else str(p["DefaultValue"]),
            "enum_values": [str(v) for v in p.get("EnumValues") or []] or None,
        }
        for p in declared
        if isinstance(p, dict) and p.get("Name")
    ]


def pipeline_records(pipeline: Pipeline) -> SourceRecords:
    """The pipeline row, its parameters, and its definition version (kept as history)."""
    now = datetime.now(UTC)
    digest = pipeline.definition_hash
    summary, description = pipeline.summary, pipeline.description
    records = SourceRecords(pipeline.source_key, "sagemaker_pipeline", pipeline.name)
    records.content_hash = digest
    records.add(
        "sagemaker_pipelines",
        [
            {
                "region": pipeline.region,
                "pipeline_name": pipeline.name,
                "pipeline_arn": pipeline.arn,
                "display_name": summary.get("PipelineDisplayName"),
                "description": summary.get("PipelineDescription"),
                "role_arn": summary.get("RoleArn"),
                "status": description.get("PipelineStatus"),
                "created_at": summary.get("CreationTime"),
                "last_modified_at": summary.get("LastModifiedTime"),
                "last_execution_at": summary.get("LastExecutionTime"),
                "domain_id": pipeline.domain.domain_id if pipeline.domain else None,
                "domain_name": pipeline.domain.domain_name if pipeline.domain else None,
                "tags": pipeline.tags,
                "definition_hash": digest,
            }
        ],
    )
    records.add(
        "sagemaker_pipeline_parameters",
        [
            {"pipeline_arn": pipeline.arn, "definition_hash": digest, **p}
            for p in _parameters(pipeline.definition)
        ],
    )
    records.history.append(
        Upsert(
            "sagemaker_pipeline_versions",
            ("pipeline_arn", "definition_hash"),
            [
                {
                    "pipeline_arn": pipeline.arn,
                    "definition_hash": digest,
                    "definition": _stored_definition(pipeline.definition),
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            ],
            keep=("first_seen_at",),
        )
    )
    return records


def _stored_definition(text: str) -> str:
    """The definition as stored: JSON with secret-looking values masked (a container's
    `DB_PASSWORD`), or the text quoted as a JSON string when it is not JSON."""
    try:
        return json.dumps(redact_secrets(load_definition(text)))
    except ValueError:
        return json.dumps(text)


def domain_records(region: str, domains: list[Domain]) -> SourceRecords:
    """The region's Studio domains as one store source (`sagemaker_domains:<region>`)."""
    rows = [
        {
            "region": d.region,
            "domain_id": d.domain_id,
            "domain_name": d.domain_name,
            "domain_arn": d.domain_arn,
            "status": d.status,
            "url": d.url,
            "created_at": d.created_at,
        }
        for d in domains
    ]
    return SourceRecords(f"sagemaker_domains:{region}", "sagemaker_domains", region).add(
        "sagemaker_domains", rows
    )
