"""Facets of the export: the spec's (schema, dataSource, columnLineage, lifecycleStateChange,
ownership, sql, sourceCodeLocation, jobType, parent, errorMessage) built from store values,
and our own `lineageAssets_pii` dataset facet, whose JSON schema ships in `schemas/`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import attr
from openlineage.client.facet_v2 import (
    DatasetFacet,
    column_lineage_dataset,
    datasource_dataset,
    error_message_run,
    external_query_run,
    job_type_job,
    lifecycle_state_change_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    source_code_location_job,
    sql_job,
    symlinks_dataset,
)

from lineage_assets.openlineage.naming import DatasetName
from lineage_assets.redact import MASK, public_url, redact
from lineage_assets.sql import transforms


def _version() -> str:
    try:
        return metadata.version("lineage-assets")
    except metadata.PackageNotFoundError:
        return "0.0.0"


PRODUCER = f"https://lineage-assets.example/producer/{_version()}"
SCHEMA_FOLDER = Path(__file__).with_name("schemas")
PII_FACET_KEY = "lineageAssets_pii"
PII_FACET_SCHEMA = (
    "https://lineage-assets.example/spec/facets/1-0-0/LineageAssetsPiiDatasetFacet.json"
    "#/$defs/LineageAssetsPiiDatasetFacet"
)
INTEGRATION = "LINEAGE_ASSETS"
MAX_SQL_CHARS = 100_000  # a statement's text in the `sql` facet (the store keeps it bounded too)
# A quoted literal after a credential-like keyword (`CREDENTIALS '…'`, `SECRET_ACCESS_KEY '…'`,
# `PASSWORD '…'`), and `key=value` credentials inside literals (`aws_secret_access_key=…`).
_SECRET_WORD = (
    r"credentials|access_key_id|secret_access_key|session_token|password|passwd|pwd|secret|"
    r"key_id|access_key|secret_key|"
    r"token|api_key|apikey|master_key|encryption_key|private_key|sas_token|account_key"
)
_SECRET_LITERAL = re.compile(
    rf"(?i)\b({_SECRET_WORD})\b(\s*(?:=|=>|:|\bAS\b|\bWITH\b)?\s*)'(?:[^']|'')*'"
)
_SECRET_PAIR = re.compile(
    r"(?i)\b(aws_access_key_id|aws_secret_access_key|aws_session_token|token|password|"
    r"secret|accountkey|sharedaccesssignature|sig)(\s*=\s*)[^;'\s&]+"
)
OWNER_TAG_KEYS = ("owner", "team", "data-owner", "owner-team")


@attr.define
class LineageAssetsPiiDatasetFacet(DatasetFacet):
    """PII classes per column and the bucket's posture; never a sampled value."""

    columns: dict[str, list[str]] = attr.field(factory=dict)
    classes: list[str] = attr.field(factory=list)
    bucket: dict[str, str] | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return PII_FACET_SCHEMA


def pii(
    columns: Mapping[str, Iterable[str]], bucket: Mapping[str, Any] | None
) -> LineageAssetsPiiDatasetFacet | None:
    """The custom facet, or None when there is neither PII nor a checked bucket."""
    by_column = {name: sorted(set(classes)) for name, classes in sorted(columns.items()) if classes}
    posture = _posture(bucket) if bucket else None
    if not by_column and posture is None:
        return None
    every = sorted({c for classes in by_column.values() for c in classes})
    return LineageAssetsPiiDatasetFacet(
        columns=by_column, classes=every, bucket=posture, producer=PRODUCER
    )


def _posture(bucket: Mapping[str, Any]) -> dict[str, str]:
    keys = ("name", "region", "encryption", "versioning", "publicAccess")
    return {key: str(bucket[key]) for key in keys if bucket.get(key) is not None}


def schema(columns: Iterable[tuple[str, str | None]]) -> schema_dataset.SchemaDatasetFacet | None:
    """The columns (name, type) in order, or None when none is known."""
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name=name, type=kind or None)
        for name, kind in columns
    ]
    return schema_dataset.SchemaDatasetFacet(fields=fields, producer=PRODUCER) if fields else None


TABLE_SCHEMES = ("awsathena://", "redshift://", "arn:")


def symlinks(names: Iterable[DatasetName]) -> symlinks_dataset.SymlinksDatasetFacet | None:
    """Other names of the same data: the catalog tables over a location, a feature group's
    offline store location and Glue table."""
    identifiers = [
        symlinks_dataset.Identifier(
            namespace=name.namespace,
            name=name.name,
            type="TABLE" if name.namespace.startswith(TABLE_SCHEMES) else "LOCATION",
        )
        for name in sorted(set(names), key=lambda n: (n.namespace, n.name))
    ]
    if not identifiers:
        return None
    return symlinks_dataset.SymlinksDatasetFacet(identifiers=identifiers, producer=PRODUCER)


def data_source(dataset: DatasetName) -> datasource_dataset.DatasourceDatasetFacet:
    """The dataset's source is its namespace (a bucket, an Athena or Redshift endpoint)."""
    return datasource_dataset.DatasourceDatasetFacet(
        name=dataset.namespace, uri=dataset.namespace, producer=PRODUCER
    )


# Statement kinds (as the SQL engine names them) → the lifecycle change of their target.
LIFECYCLE = {
    "CREATE TABLE": "CREATE",
    "CREATE TABLE AS": "CREATE",
    "CREATE EXTERNAL TABLE": "CREATE",
    "CREATE VIEW": "CREATE",
    "CREATE MATERIALIZED VIEW": "CREATE",
    "INSERT OVERWRITE": "OVERWRITE",
    "UNLOAD": "OVERWRITE",
    "DROP": "DROP",
    "DROP TABLE": "DROP",
    "DROP VIEW": "DROP",
    "ALTER": "ALTER",
    "ALTER TABLE": "ALTER",
    "RENAME": "RENAME",
    "TRUNCATE": "TRUNCATE",
}


def lifecycle(
    kind: str | None,
) -> lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet | None:
    """The lifecycle change a statement kind makes to its target, if it is one the spec names."""
    change = LIFECYCLE.get((kind or "").upper())
    if change is None:
        return None
    return lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange(change),
        producer=PRODUCER,
    )


def owners_from_tags(tags: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, type) owners from owner-like tags (`team`, `owner`): the tag key is the type."""
    found = []
    for key, value in sorted(tags.items()):
        if str(key).lower() in OWNER_TAG_KEYS and isinstance(value, str) and value.strip():
            found.append((f"{key.lower()}:{value.strip()}", key.upper()))
    return found


def dataset_ownership(
    owners: list[tuple[str, str]],
) -> ownership_dataset.OwnershipDatasetFacet | None:
    if not owners:
        return None
    return ownership_dataset.OwnershipDatasetFacet(
        owners=[ownership_dataset.Owner(name=n, type=t) for n, t in owners], producer=PRODUCER
    )


def job_ownership(owners: list[tuple[str, str]]) -> ownership_job.OwnershipJobFacet | None:
    if not owners:
        return None
    return ownership_job.OwnershipJobFacet(
        owners=[ownership_job.Owner(name=n, type=t) for n, t in owners], producer=PRODUCER
    )


# Our transform classes (lineage_assets.sql.transforms) → (type, subtype, masking).
DIRECT_TRANSFORMS: dict[str, tuple[str, str, bool]] = {
    transforms.IDENTITY: ("DIRECT", "IDENTITY", False),
    transforms.RENAME: ("DIRECT", "IDENTITY", False),
    transforms.CAST: ("DIRECT", "TRANSFORMATION", False),
    transforms.EXPRESSION: ("DIRECT", "TRANSFORMATION", False),
    transforms.CASE: ("DIRECT", "TRANSFORMATION", False),
    transforms.WINDOW: ("DIRECT", "AGGREGATION", False),
    transforms.AGGREGATE: ("DIRECT", "AGGREGATION", False),
    transforms.MASKING: ("DIRECT", "TRANSFORMATION", True),
}
# Indirect edges (`is_indirect`) by the clause that made them → the spec's INDIRECT subtypes.
INDIRECT_SUBTYPES = {
    "filter": "FILTER",
    "where": "FILTER",
    "having": "FILTER",
    "join": "JOIN",
    "group": "GROUP_BY",
    "group_by": "GROUP_BY",
    "sort": "SORT",
    "order": "SORT",
    "order_by": "SORT",
    "window": "WINDOW",
    "partition": "WINDOW",
    "case": "CONDITIONAL",
    "conditional": "CONDITIONAL",
}


def transformation(transform: str | None, indirect: bool) -> column_lineage_dataset.Transformation:
    """One column edge's transformation in the spec's terms; our class kept as description."""
    name = (transform or "").lower()
    if indirect:
        return column_lineage_dataset.Transformation(
            type="INDIRECT", subtype=INDIRECT_SUBTYPES.get(name, "FILTER"), description=name or None
        )
    kind, subtype, masking = DIRECT_TRANSFORMS.get(name, ("DIRECT", "TRANSFORMATION", False))
    return column_lineage_dataset.Transformation(
        type=kind, subtype=subtype, description=name or None, masking=masking
    )


def input_field(
    dataset: DatasetName,
    field: str,
    transform: str | None,
    indirect: bool,
    description: str | None = None,
) -> column_lineage_dataset.InputField:
    """One input column of a column edge; `description` replaces the transformation's own
    (why a match was inferred)."""
    change = transformation(transform, indirect)
    if description is not None:
        change.description = description
    return column_lineage_dataset.InputField(
        namespace=dataset.namespace,
        name=dataset.name,
        field=field,
        transformations=[change],
    )


def column_lineage(
    fields: Mapping[str, list[column_lineage_dataset.InputField]],
    whole: list[column_lineage_dataset.InputField],
) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    """Per-column inputs and the inputs that affect the whole dataset (filters, joins)."""
    if not fields and not whole:
        return None
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            name: column_lineage_dataset.Fields(inputFields=inputs)
            for name, inputs in sorted(fields.items())
        },
        dataset=whole,
        producer=PRODUCER,
    )


def mask_sql_secrets(text: str) -> str:
    """SQL with credentials masked: literals after credential keywords, `key=value` secrets
    inside literals, and user info in URLs (the SQL is sent as written otherwise)."""
    masked = _SECRET_LITERAL.sub(lambda m: f"{m.group(1)}{m.group(2)}'{MASK}'", text)
    masked = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", masked)
    return redact(masked)


def sql(text: str, dialect: str | None) -> sql_job.SQLJobFacet:
    """The statement's text (credentials in it masked, bounded) and its dialect."""
    return sql_job.SQLJobFacet(
        query=mask_sql_secrets(text[:MAX_SQL_CHARS]), dialect=dialect or None, producer=PRODUCER
    )


def source_location(
    repository_url: str, path: str, commit: str | None, line: int | None
) -> source_code_location_job.SourceCodeLocationJobFacet:
    """Where the statement is: repository (no credentials), path, commit, and the line in the
    URL (a forge's blob link for http(s) remotes, `#L{line}` on the remote otherwise)."""
    repo = public_url(repository_url)
    anchor = f"#L{line}" if line else ""
    if repo.startswith(("https://", "http://")) and commit:
        url = f"{repo.removesuffix('.git')}/blob/{commit}/{path}{anchor}"
    else:
        url = f"{repo}{anchor}"
    return source_code_location_job.SourceCodeLocationJobFacet(
        type="git", url=url, repoUrl=repo, path=path, version=commit, producer=PRODUCER
    )


def job_type(job_type_name: str, processing: str = "BATCH") -> job_type_job.JobTypeJobFacet:
    return job_type_job.JobTypeJobFacet(
        processingType=processing, integration=INTEGRATION, jobType=job_type_name, producer=PRODUCER
    )


def parent(run_id: str, namespace: str, name: str) -> parent_run.ParentRunFacet:
    """The run this one belongs to (a step's pipeline execution), which is also its root."""
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id),
        job=parent_run.Job(namespace=namespace, name=name),
        root=parent_run.Root(
            run=parent_run.RootRun(runId=run_id),
            job=parent_run.RootJob(namespace=namespace, name=name),
        ),
        producer=PRODUCER,
    )


def error_message(message: str) -> error_message_run.ErrorMessageRunFacet:
    """A failure reason as AWS reported it, credentials masked."""
    return error_message_run.ErrorMessageRunFacet(
        message=redact(message[:MAX_SQL_CHARS]), programmingLanguage="unknown", producer=PRODUCER
    )


def external_query(query_id: str, source: str) -> external_query_run.ExternalQueryRunFacet:
    """The engine's own id of the run (an Athena execution id) and the engine that ran it."""
    return external_query_run.ExternalQueryRunFacet(
        externalQueryId=query_id, source=source, producer=PRODUCER
    )


def processing_engine(name: str, version: str) -> processing_engine_run.ProcessingEngineRunFacet:
    """The engine and its version as it reported them (e.g. Athena engine version 3)."""
    return processing_engine_run.ProcessingEngineRunFacet(
        version=version, name=name, producer=PRODUCER
    )
