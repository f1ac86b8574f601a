"""A crawled pipeline as store records (one source `sagemaker:<account>/<region>/<name>`), and
the Studio domains of an account and region (one source `sagemaker_domains:<account>/<region>`);
every row that names a region names its account too."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from lineage_assets.redact import redact_secrets
from lineage_assets.sagemaker.bounds import PipelineWarning, clip, load_definition
from lineage_assets.sagemaker.fetch import (
    Execution,
    FeatureGroup,
    PipelineCrawl,
    StepRun,
)
from lineage_assets.sagemaker.inventory import (
    DOMAINS_KIND,
    PIPELINE_KIND,
    Domain,
    Pipeline,
    definition_hash,
    domains_source_key,
)
from lineage_assets.sagemaker.query_inputs import QueryInput, query_inputs
from lineage_assets.sagemaker.resolver import ResolvedPipeline, StepIO, as_list, resolve_definition
from lineage_assets.store import SourceRecords, Upsert

EDGE_VIA = {
    "dependsOn": "depends_on",
    "reference": "reference",
    "if": "if_branch",
    "else": "else_branch",
}
JOB_TIMES = {
    "processing": ("ProcessingStartTime", "ProcessingEndTime"),
    "training": ("TrainingStartTime", "TrainingEndTime"),
    "transform": ("TransformStartTime", "TransformEndTime"),
    "tuning": ("CreationTime", "HyperParameterTuningEndTime"),
    "automl": ("CreationTime", "EndTime"),
}


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
            "name": p["Name"],
            "type": p.get("Type") if isinstance(p.get("Type"), str) else None,
            "default_value": None if p.get("DefaultValue") is None else str(p["DefaultValue"]),
            "enum_values": [str(v) for v in as_list(p.get("EnumValues"))] or None,
        }
        for p in declared
        if isinstance(p, dict) and isinstance(p.get("Name"), str) and p["Name"]
    ]


def pipeline_records(pipeline: Pipeline) -> SourceRecords:
    """The pipeline row, its parameters, and its definition version (kept as history)."""
    now = datetime.now(UTC)
    digest = pipeline.definition_hash
    summary, description = pipeline.summary, pipeline.description
    records = SourceRecords(pipeline.source_key, PIPELINE_KIND, pipeline.name)
    records.content_hash = digest
    records.add(
        "sagemaker_pipelines",
        [
            {
                "account_id": pipeline.account_id,
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


def domain_records(account_id: str, region: str, domains: list[Domain]) -> SourceRecords:
    """The Studio domains of an account and region as one store source."""
    rows = [
        {
            "account_id": d.account_id,
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
    key = domains_source_key(account_id, region)
    return SourceRecords(key, DOMAINS_KIND, f"{account_id}/{region}").add("sagemaker_domains", rows)


def _time(value: Any) -> datetime | None:
    """A timestamp from boto3 (datetime) or from a stored JSON description (ISO text)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _io_row(pipeline: Pipeline, io: StepIO, provenance: str, execution: str | None) -> dict:
    """One sagemaker_step_io row; only S3 URIs (placeholders allowed) make edges."""
    return {
        "account_id": pipeline.account_id,
        "region": pipeline.region,
        "pipeline_name": pipeline.name,
        "execution_arn": execution,
        "step_name": io.step,
        "direction": io.direction,
        "channel": io.channel,
        "uri": io.uri if io.is_s3 else None,
        "data_kind": io.data_kind,
        "provenance": provenance,
        "query_string": io.query_string,
        "expression": io.expression,
    }


def _step_rows(pipeline: Pipeline, digest: str, resolved: ResolvedPipeline) -> list[dict]:
    """sagemaker_steps rows of one definition."""
    rows = []
    for step in resolved.steps:
        cache = step.item.get("CacheConfig")
        rows.append(
            {
                "account_id": pipeline.account_id,
                "region": pipeline.region,
                "pipeline_name": pipeline.name,
                "definition_hash": digest,
                "step_name": step.name,
                "step_type": step.type,
                "parent_step": step.parent,
                "branch": step.branch,
                "display_name": _text(step.item.get("DisplayName")),
                "description": _text(step.item.get("Description")),
                "cache_enabled": bool(cache.get("Enabled")) if isinstance(cache, Mapping) else None,
                "arguments": _json_value(redact_secrets(step.arguments)),
            }
        )
    return rows


def _execution_variables(crawl: PipelineCrawl, run: Execution) -> dict[str, str]:
    """The `Execution.<Var>` values known for one execution."""
    start = run.summary.get("StartTime")
    variables = {
        "PipelineExecutionId": run.execution_id,
        "PipelineExecutionArn": run.arn,
        "PipelineName": crawl.pipeline.name,
        "PipelineArn": crawl.pipeline.arn,
    }
    if isinstance(start, datetime):
        variables["StartDateTime"] = start.isoformat()
    return variables


def resolve_execution(
    crawl: PipelineCrawl, run: Execution, stores: Mapping[str, str]
) -> ResolvedPipeline:
    """The definition as run, resolved with its parameters, variables and described jobs."""
    descriptions = {
        step.name: crawl.jobs[step.job_arn]
        for step in run.steps
        if step.job_arn is not None and step.job_arn in crawl.jobs
    }
    properties: dict[str, dict[str, Any]] = {}
    for step in run.steps:
        if step.model_arn:
            properties[step.name] = {
                "ModelName": step.model_arn.rsplit("/", 1)[-1],
                "ModelArn": step.model_arn,
            }
        if step.model_package_arn:
            properties[step.name] = {"ModelPackageArn": step.model_package_arn}
    return resolve_definition(
        run.definition,
        run.passed,
        execution=_execution_variables(crawl, run),
        descriptions=descriptions,
        properties=properties,
        feature_store_uris=stores,
    )


def execution_differences(crawl: PipelineCrawl, run: Execution) -> list[dict[str, Any]]:
    """Step I/O whose URI this execution's parameter values changed from the defaults'
    (same execution variables on both sides, so only overrides show)."""
    variables = _execution_variables(crawl, run)
    defaults = resolve_definition(run.definition, execution=variables)
    actual = resolve_definition(run.definition, run.passed, execution=variables)
    default_uris = {(io.step, io.direction, io.channel): io.uri for io in defaults.io}
    return [
        {
            "step": io.step,
            "direction": io.direction,
            "channel": io.channel,
            "default": default_uris.get((io.step, io.direction, io.channel)),
            "actual": io.uri,
        }
        for io in actual.io
        if default_uris.get((io.step, io.direction, io.channel)) != io.uri
    ]


def observed(crawl: PipelineCrawl, stores: Mapping[str, str]) -> list[tuple[StepIO, str]]:
    """Observed I/O of every step that ran, with the execution it belongs to: a cache hit's
    outputs belong to its source run."""
    found: dict[tuple, tuple[StepIO, str]] = {}
    for run in crawl.executions:
        resolved = resolve_execution(crawl, run, stores)
        ran = {step.name: step for step in run.steps}
        for io in resolved.io:
            step = ran.get(io.step)
            if step is None:
                continue  # not executed in this run (branch not taken, or not reached)
            owner = step.cache_source or run.arn
            if step.cache_source and io.direction == "input":
                continue  # a cache hit read nothing in this run
            found.setdefault((owner, io.step, io.direction, io.channel), (io, owner))
    return list(found.values())


def _query_rows(pipeline: Pipeline, queries: list[QueryInput]) -> list[dict]:
    """sagemaker_step_queries rows."""
    return [
        {
            "account_id": pipeline.account_id,
            "region": pipeline.region,
            "pipeline_name": pipeline.name,
            "step_name": query.step,
            "data_kind": query.data_kind,
            "engine": query.engine,
            "table_name": query.table,
        }
        for query in queries
    ]


def _run_row(run: Execution, step: StepRun, types: Mapping[str, str]) -> dict:
    """One sagemaker_step_runs row."""
    entry = step.entry
    outcome = ((entry.get("Metadata") or {}).get("Condition") or {}).get("Outcome")
    return {
        "execution_arn": run.arn,
        "step_name": step.name,
        "step_type": types.get(step.name),
        "status": entry.get("StepStatus"),
        "started_at": entry.get("StartTime"),
        "ended_at": entry.get("EndTime"),
        "attempt_count": entry.get("AttemptCount"),
        "failure_reason": entry.get("FailureReason"),
        "cache_source_execution_arn": step.cache_source,
        "job_arn": step.job_arn,
        "model_package_arn": step.model_package_arn,
        "condition_outcome": None if outcome is None else str(outcome),
        "metadata": redact_secrets(entry.get("Metadata") or {}),
    }


def _job_rows(crawl: PipelineCrawl) -> tuple[list[dict], list[dict]]:
    """sagemaker_jobs and sagemaker_job_metrics rows; a cached job belongs to its source run."""
    owners: dict[str, tuple[str, str, str]] = {}
    for run in crawl.executions:
        for step in run.steps:
            if step.job_arn and step.job_kind:
                owner = (step.cache_source or run.arn, step.name, step.job_kind)
                if step.job_arn not in owners or not step.cache_source:
                    owners[step.job_arn] = owner
    jobs, metrics = [], []
    for arn, (execution, step_name, kind) in owners.items():
        description = crawl.jobs.get(arn, {})
        job_type = {"ProcessingJob": "processing", "TrainingJob": "training"}.get(
            kind, kind.removesuffix("Job").lower()
        )
        start_key, end_key = JOB_TIMES.get(job_type, ("CreationTime", "LastModifiedTime"))
        status = next((v for k, v in description.items() if k.endswith("JobStatus")), None)
        jobs.append(
            {
                "job_arn": arn,
                "job_type": job_type,
                "job_name": arn.rsplit("/", 1)[-1],
                "execution_arn": execution,
                "step_name": step_name,
                "status": status,
                "started_at": _time(description.get(start_key) or description.get("CreationTime")),
                "ended_at": _time(description.get(end_key)),
                "failure_reason": description.get("FailureReason") or None,
                "description": redact_secrets(description),
            }
        )
        for report in crawl.reports.get(arn, ()):
            metrics += [
                {
                    "job_arn": arn,
                    "metric_name": name,
                    "value": value,
                    "origin": f"report:{report.uri}",
                }
                for name, value in report.metrics.items()
            ]
        for metric in description.get("FinalMetricDataList") or []:
            metrics.append(
                {
                    "job_arn": arn,
                    "metric_name": metric.get("MetricName"),
                    "value": metric.get("Value"),
                    "origin": "FinalMetricDataList",
                }
            )
    return jobs, metrics


# CreateModelPackage takes at most 15 containers in an InferenceSpecification.
MAX_PACKAGE_CONTAINERS = 15


def _json_value(value: Any) -> Any:
    """A value for a JSON column: a bare string (damaged Arguments) as its JSON text, since
    the store takes a string there as JSON text already."""
    return json.dumps(value) if isinstance(value, str) else value


def _text(value: Any) -> str | None:
    """A described string value; anything else as None."""
    return value if isinstance(value, str) else None


def _container_rows(crawl: PipelineCrawl) -> list[dict]:
    """sagemaker_model_package_containers rows: each container of each registered package
    (1-based position; the first one's model data is also the package row's)."""
    rows = []
    arns = dict.fromkeys(step.model_package_arn for run in crawl.executions for step in run.steps)
    for arn in (arn for arn in arns if arn):
        package = crawl.model_packages.get(arn, {})
        containers = (package.get("InferenceSpecification") or {}).get("Containers")
        listed = containers[:MAX_PACKAGE_CONTAINERS] if isinstance(containers, list) else []
        for position, container in enumerate(listed, start=1):
            if isinstance(container, Mapping):
                rows.append(
                    {
                        "account_id": crawl.pipeline.account_id,
                        "model_package_arn": arn,
                        "position": position,
                        "image": _text(container.get("Image")),
                        "model_data_url": _text(container.get("ModelDataUrl")),
                    }
                )
    return rows


def _package_rows(crawl: PipelineCrawl) -> list[dict]:
    """sagemaker_model_packages rows with the registering step (for the `registers` edge)."""
    rows = {}
    for run in crawl.executions:
        for step in run.steps:
            arn = step.model_package_arn
            if not arn or arn in rows:
                continue
            package = crawl.model_packages.get(arn, {})
            containers = (package.get("InferenceSpecification") or {}).get("Containers") or [{}]
            rows[arn] = {
                "model_package_arn": arn,
                "account_id": crawl.pipeline.account_id,
                "region": crawl.pipeline.region,
                "pipeline_name": crawl.pipeline.name,
                "group_name": package.get("ModelPackageGroupName"),
                "version": package.get("ModelPackageVersion"),
                "approval_status": package.get("ModelApprovalStatus"),
                "model_data_url": containers[0].get("ModelDataUrl"),
                "created_at": package.get("CreationTime"),
                "execution_arn": step.cache_source or run.arn,
                "step_name": step.name,
            }
    return list(rows.values())


def linked_feature_groups(
    groups: Iterable[FeatureGroup], io_rows: list[dict]
) -> list[FeatureGroup]:
    """The feature groups whose offline store a step reads or writes (prefix match on URIs)."""
    uris = [row["uri"] for row in io_rows if row["uri"]]
    linked = []
    for group in groups:
        prefixes = [p.rstrip("/") for p in (group.offline_uri, group.resolved_uri) if p]
        if any(uri.rstrip("/").startswith(prefix) for uri in uris for prefix in prefixes):
            linked.append(group)
    return linked


def _feature_rows(groups: list[FeatureGroup]) -> tuple[list[dict], list[dict]]:
    """feature_groups and features rows."""
    group_rows, feature_rows = [], []
    for group in groups:
        d = group.description
        offline = d.get("OfflineStoreConfig") or {}
        catalog = offline.get("DataCatalogConfig") or {}
        group_rows.append(
            {
                "account_id": group.account_id,
                "region": group.region,
                "feature_group_name": group.name,
                "feature_group_arn": d.get("FeatureGroupArn"),
                "record_identifier": d.get("RecordIdentifierFeatureName"),
                "event_time_feature": d.get("EventTimeFeatureName"),
                "offline_store_uri": group.offline_uri,
                "resolved_offline_uri": group.resolved_uri,
                "kms_key_id": (offline.get("S3StorageConfig") or {}).get("KmsKeyId"),
                "glue_database": catalog.get("Database"),
                "glue_table": catalog.get("TableName"),
                "online_store_enabled": (d.get("OnlineStoreConfig") or {}).get("EnableOnlineStore"),
                "status": d.get("FeatureGroupStatus"),
                "created_at": d.get("CreationTime"),
            }
        )
        feature_rows += [
            {
                "feature_group_name": group.name,
                "feature_name": f.get("FeatureName"),
                "feature_type": f.get("FeatureType"),
            }
            for f in d.get("FeatureDefinitions") or []
        ]
    return group_rows, feature_rows


def feature_store_uris(crawl: PipelineCrawl) -> dict[str, str]:
    """Feature group name → the offline-store URI its data really lands in."""
    uris = {g.name: g.resolved_uri or g.offline_uri for g in crawl.feature_groups}
    return {name: uri for name, uri in uris.items() if uri}


def warning_rows(
    crawl: PipelineCrawl,
    current: ResolvedPipeline,
    definitions: Mapping[str, tuple[str, ResolvedPipeline]],
    records: Iterable[PipelineWarning] = (),
) -> list[dict]:
    """sagemaker_pipeline_warnings rows: the current definition's (no execution), each
    execution's definition's that the current one does not have, the crawl's own and those
    found while building the records."""
    rows: dict[tuple, dict] = {}

    def add(warning: PipelineWarning, execution: str | None) -> None:
        """One row per (execution, code, message)."""
        message = clip(warning.message)
        rows.setdefault(
            (execution, warning.code, message),
            {
                "account_id": crawl.pipeline.account_id,
                "region": crawl.pipeline.region,
                "pipeline_name": crawl.pipeline.name,
                "execution_arn": execution,
                "code": warning.code,
                "message": message,
            },
        )

    for warning in current.warnings:
        add(warning, None)
    for run in crawl.executions:
        for warning in definitions[definition_hash(run.definition)][1].warnings:
            if warning not in current.warnings:
                add(warning, run.arn)
    for warning in (*crawl.warnings, *records):
        add(warning, warning.execution_arn)
    return list(rows.values())


def crawl_records(crawl: PipelineCrawl) -> SourceRecords:
    """Every row of one crawled pipeline, as one source replacing the inventory's rows."""
    pipeline = crawl.pipeline
    records = pipeline_records(pipeline)
    stores = feature_store_uris(crawl)
    current = resolve_definition(pipeline.definition, feature_store_uris=stores)
    definitions = {definition_hash(pipeline.definition): (pipeline.definition, current)}
    for run in crawl.executions:
        digest = definition_hash(run.definition)
        if digest not in definitions:
            definitions[digest] = (run.definition, resolve_definition(run.definition))
            version = pipeline_records(dataclasses.replace(pipeline, definition=run.definition))
            records.add(
                "sagemaker_pipeline_parameters", version.rows["sagemaker_pipeline_parameters"]
            )
            records.history.extend(version.history)
    edges: dict[tuple[str, str, str], dict[str, str]] = {}
    for digest, (_, resolved) in definitions.items():
        records.add("sagemaker_steps", _step_rows(pipeline, digest, resolved))
        for edge in resolved.edges:
            key = (edge.from_step, edge.to_step, EDGE_VIA[edge.kind])
            edges.setdefault(
                key,
                {
                    "account_id": pipeline.account_id,
                    "region": pipeline.region,
                    "pipeline_name": pipeline.name,
                    "from_step": key[0],
                    "to_step": key[1],
                    "via": key[2],
                },
            )
    records.add("sagemaker_step_edges", edges.values())
    seen = observed(crawl, stores)
    io_rows = [_io_row(pipeline, io, "declared", None) for io in current.io]
    io_rows += [_io_row(pipeline, io, "observed", owner) for io, owner in seen]
    records.add("sagemaker_step_io", io_rows)
    queries, unparsed = query_inputs([*current.io, *(io for io, _ in seen)])
    records.add("sagemaker_step_queries", _query_rows(pipeline, queries))
    records.add("sagemaker_pipeline_warnings", warning_rows(crawl, current, definitions, unparsed))
    for run in crawl.executions:
        types = {s.name: s.type for s in definitions[definition_hash(run.definition)][1].steps}
        records.add("sagemaker_executions", [_execution_row(pipeline.arn, run)])
        values = definitions[definition_hash(run.definition)][1].parameters
        records.add(
            "sagemaker_execution_parameters",
            [
                {
                    "execution_arn": run.arn,
                    "name": name,
                    "value": run.passed.get(name, None if value is None else str(value)),
                    "is_override": name in run.passed,
                }
                for name, value in {**values, **run.passed}.items()
            ],
        )
        records.add("sagemaker_step_runs", [_run_row(run, step, types) for step in run.steps])
    jobs, metrics = _job_rows(crawl)
    records.add("sagemaker_jobs", jobs).add("sagemaker_job_metrics", metrics)
    records.add("sagemaker_model_packages", _package_rows(crawl))
    records.add("sagemaker_model_package_containers", _container_rows(crawl))
    groups, features = _feature_rows(linked_feature_groups(crawl.feature_groups, io_rows))
    records.add("feature_groups", groups).add("features", features)
    return records


def _execution_row(pipeline_arn: str, run: Execution) -> dict:
    """One sagemaker_executions row."""
    summary, description = run.summary, run.description
    created_by = description.get("CreatedBy") or {}
    reason = description.get("FailureReason") or summary.get("PipelineExecutionFailureReason")
    return {
        "pipeline_arn": pipeline_arn,
        "execution_arn": run.arn,
        "execution_id": run.execution_id,
        "display_name": summary.get("PipelineExecutionDisplayName"),
        "status": run.status,
        "failure_reason": reason if reason and reason != "None" else None,
        "started_at": summary.get("StartTime") or description.get("CreationTime"),
        "last_modified_at": description.get("LastModifiedTime"),
        "definition_hash": definition_hash(run.definition),
        "created_by": created_by.get("UserProfileName")
        or created_by.get("IamIdentity", {}).get("Arn")
        if isinstance(created_by, Mapping)
        else None,
    }
