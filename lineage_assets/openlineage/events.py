"""Events from the store: a JobEvent per SQL statement from git (static lineage, with its
text and place in the repository), a run per Athena query execution, a run per pipeline
execution and per step run (the step's parent is the execution), and JobEvents for pipelines
that never ran. Every id and time comes from the store, so building twice yields the same
events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import column_lineage_dataset
from openlineage.client.uuid import generate_static_uuid

from lineage_assets.contract import reads as contract_reads
from lineage_assets.core.uris import normalize
from lineage_assets.openlineage import facets, reads
from lineage_assets.openlineage.naming import (
    DatasetName,
    Naming,
    athena_query_job,
    glue_table,
    sagemaker_arn,
    sql_job,
    storage,
)
from lineage_assets.sagemaker.runs import ExecutionRow, StepRunRow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Event = RunEvent | JobEvent
InputFields = dict[str, list[column_lineage_dataset.InputField]]

# SageMaker's execution and step statuses and Athena's query states → the run state of the
# event that closes the run.
TERMINAL_STATES = {
    "succeeded": RunState.COMPLETE,
    "failed": RunState.FAIL,
    "stopped": RunState.ABORT,
    "cancelled": RunState.ABORT,
}
RUNNING_STATUSES = frozenset({"executing", "starting", "stopping", "queued", "running"})
ATHENA_ENGINE = "Athena"
ERROR = "errorMessage"
THROUGH_STEP = "inferred: same column name in the step's input and output"
LOCATION_MATCH = "the table's columns are read from its LOCATION"


@dataclass(frozen=True)
class KeyedEvent:
    """An event and the key that names it across exports (for the incremental cursor)."""

    key: str
    event: Event


def iso(value: datetime | None) -> str:
    return (value or EPOCH).astimezone(UTC).isoformat()


def run_id(instant: datetime | None, stable_key: str) -> str:
    """A UUIDv7 from the run's start and a key that names it: the same run, the same id."""
    return str(generate_static_uuid(instant or EPOCH, stable_key.encode()))


@dataclass
class DatasetFacets:
    """What the store knows about datasets, read once per export."""

    naming: Naming
    table_columns: dict[str, list[str]]
    storage_schemas: dict[str, list[tuple[str, str | None]]]
    pii: dict[str, dict[str, set[str]]]
    buckets: dict[str, dict[str, Any]]
    feature_groups: list[reads.FeatureGroupRow]
    location_matches: dict[str, list[tuple[str, str]]]
    table_locations: dict[str, list[tuple[str, str | None]]]
    _facets: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _groups_by_location: dict[str, reads.FeatureGroupRow] | None = None

    @classmethod
    def read(cls, conn: duckdb.DuckDBPyConnection, naming: Naming) -> DatasetFacets:
        return cls(
            naming,
            reads.table_columns(conn),
            reads.storage_schemas(conn),
            reads.pii_by_owner(conn),
            reads.buckets(conn),
            reads.feature_groups(conn),
            reads.location_matches(conn),
            reads.table_locations(conn),
        )

    def table_facets(self, dataset: DatasetName, table: str) -> dict[str, Any]:
        """Schema, data source and PII of a table the SQL names."""
        cached = self._facets.get(("table", table + "|" + dataset.namespace))
        if cached is not None:
            return cached
        columns = self.table_columns.get(table, [])
        found = {
            "dataSource": facets.data_source(dataset),
            "schema": facets.schema((c, None) for c in columns),
            facets.PII_FACET_KEY: facets.pii(self.pii.get(table, {}), None),
        }
        kept = {k: v for k, v in found.items() if v is not None}
        self._facets[("table", table + "|" + dataset.namespace)] = kept
        return kept

    def storage_facets(self, uri: str) -> dict[str, Any]:
        """Schema, data source, PII, bucket posture and owners of a storage location."""
        location = normalize(uri)
        cached = self._facets.get(("data", location))
        if cached is not None:
            return cached
        dataset = storage(location)
        bucket = (
            self.buckets.get(dataset.namespace.removeprefix("s3://"))
            if (dataset.namespace.startswith("s3://"))
            else None
        )
        found = {
            "dataSource": facets.data_source(dataset),
            "schema": facets.schema(self.storage_schemas.get(location, [])),
            "ownership": facets.dataset_ownership(
                facets.owners_from_tags(bucket["tags"]) if bucket else []
            ),
            "symlinks": facets.symlinks(
                self.naming.table(table, dialect)
                for table, dialect in self.table_locations.get(location, [])
            ),
            facets.PII_FACET_KEY: facets.pii(self.pii.get(location, {}), bucket),
        }
        kept = {k: v for k, v in found.items() if v is not None}
        self._facets[("data", location)] = kept
        return kept

    def feature_group_facets(self, group: reads.FeatureGroupRow) -> dict[str, Any]:
        dataset = sagemaker_arn(group.arn or group.name)
        pii = self.pii.get(normalize(group.data_uri), {}) if group.data_uri else {}
        aliases = [storage(group.data_uri)] if group.data_uri else []
        if group.arn and group.glue_database and group.glue_table:
            table = glue_table(group.arn, group.glue_database, group.glue_table)
            aliases += [table] if table else []
        found = {
            "dataSource": facets.data_source(dataset),
            "schema": facets.schema(group.features),
            "symlinks": facets.symlinks(aliases),
            facets.PII_FACET_KEY: facets.pii(pii, None),
        }
        return {k: v for k, v in found.items() if v is not None}

    def feature_group_at(self, uri: str) -> reads.FeatureGroupRow | None:
        """The feature group whose offline data is at `uri`, if any."""
        if self._groups_by_location is None:
            self._groups_by_location = {
                normalize(g.data_uri): g for g in self.feature_groups if g.arn and g.data_uri
            }
        return self._groups_by_location.get(normalize(uri))

    def reference(self, reference: str, dialect: str | None) -> tuple[DatasetName, dict[str, Any]]:
        """A statement's source or target as a dataset with its facets."""
        dataset = self.naming.dataset(reference, dialect)
        if "://" in reference:
            return dataset, self.storage_facets(reference)
        return dataset, self.table_facets(dataset, reference)


class Statement(Protocol):
    """What a statement's datasets need: its dialect, the relations and locations it writes
    (`targets`) and reads (`sources`). A parsed statement from git or an Athena execution."""

    @property
    def dialect(self) -> str | None: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def sources(self) -> tuple[str, ...]: ...


def _statement_lineage(
    datasets: DatasetFacets,
    statement: Statement,
    target: str,
    edges: list[reads.ColumnEdgeRow],
) -> tuple[InputFields, list[column_lineage_dataset.InputField]]:
    """Column lineage of one target of a statement: its column edges, else (an external
    table) the columns it reads from its LOCATION."""
    fields: InputFields = defaultdict(list)
    whole: list[column_lineage_dataset.InputField] = []
    mine = [e for e in edges if e.target_table == target]
    if not mine and "://" in target:  # a CTAS location or UNLOAD target: the table's columns
        tables = [t for t in statement.targets if "://" not in t]
        mine = [e for e in edges if e.target_table in tables]
    for edge in mine:
        if edge.source_table is None:
            continue
        source = datasets.naming.dataset(edge.source_table, statement.dialect)
        item = facets.input_field(source, edge.source_column, edge.transform, edge.is_indirect)
        if edge.is_indirect or edge.target_column == "*":
            whole.append(item)
        else:
            fields[edge.target_column].append(item)
    if not mine and "://" not in target:
        read = {normalize(s) for s in statement.sources if "://" in s}
        for location, column in datasets.location_matches.get(target, []):
            if location in read:
                item = facets.input_field(
                    storage(location), column, "identity", False, LOCATION_MATCH
                )
                fields[column].append(item)
    return fields, whole


def sql_events(conn: duckdb.DuckDBPyConnection, datasets: DatasetFacets) -> Iterator[KeyedEvent]:
    """One JobEvent per parsed statement: its inputs, outputs with column lineage, its SQL."""
    edges = reads.column_edges(conn)
    namespace = datasets.naming.job_namespace
    for statement in reads.statements(conn):
        name = sql_job(
            statement.repository,
            statement.path,
            statement.statement_index,
            statement.statement_count,
        )
        job_facets: dict[str, Any] = {
            "jobType": facets.job_type("QUERY"),
            "sourceCodeLocation": facets.source_location(
                statement.repository_url, statement.path, statement.commit_sha, statement.start_line
            ),
        }
        if statement.sql_text:
            job_facets["sql"] = facets.sql(statement.sql_text, statement.dialect)
        mine = edges.get((statement.source_key, statement.statement_index), [])
        event = JobEvent(
            eventTime=iso(statement.commit_time),
            producer=facets.PRODUCER,
            job=Job(namespace, name, facets=job_facets),
            inputs=_inputs(datasets, statement),
            outputs=_outputs(datasets, statement, statement.kind, mine),
        )
        yield KeyedEvent(f"job:{namespace}/{name}", event)


def _inputs(datasets: DatasetFacets, statement: Statement) -> list[InputDataset]:
    """The relations and locations a statement reads, with what is known of them."""
    found = []
    for source in statement.sources:
        dataset, dataset_facets = datasets.reference(source, statement.dialect)
        found.append(InputDataset(dataset.namespace, dataset.name, facets=dataset_facets))
    return found


def _outputs(
    datasets: DatasetFacets,
    statement: Statement,
    kind: str | None,
    edges: list[reads.ColumnEdgeRow],
) -> list[OutputDataset]:
    """A statement's targets with their column lineage and the lifecycle change of `kind`."""
    found = []
    for target in statement.targets:
        dataset, dataset_facets = datasets.reference(target, statement.dialect)
        fields, whole = _statement_lineage(datasets, statement, target, edges)
        extra = {
            "columnLineage": facets.column_lineage(fields, whole),
            "lifecycleStateChange": facets.lifecycle(kind),
        }
        merged = {**dataset_facets, **{k: v for k, v in extra.items() if v is not None}}
        found.append(OutputDataset(dataset.namespace, dataset.name, facets=merged))
    return found


def athena_events(conn: duckdb.DuckDBPyConnection, datasets: DatasetFacets) -> Iterator[KeyedEvent]:
    """A run per Athena execution that read or wrote a table or location: START at its
    submission, COMPLETE / FAIL / ABORT at its completion (only START while it is queued or
    running), its tables in its own region's Athena namespace, its SQL (credentials masked),
    the execution id as `externalQuery`, and column lineage."""
    edges = reads.athena_column_edges(conn)
    namespace = datasets.naming.job_namespace
    regional: dict[str, DatasetFacets] = {}
    for execution in reads.athena_executions(conn):
        if execution.region not in regional:
            naming = replace(datasets.naming, athena_region=execution.region)
            regional[execution.region] = replace(datasets, naming=naming)
        here = regional[execution.region]
        job_facets: dict[str, Any] = {"jobType": facets.job_type("QUERY")}
        if execution.query_text:
            job_facets["sql"] = facets.sql(execution.query_text, execution.dialect)
        run_facets: dict[str, Any] = {
            "externalQuery": facets.external_query(
                execution.execution_id, here.naming.athena_namespace
            )
        }
        if execution.engine_version:
            run_facets["processing_engine"] = facets.processing_engine(
                ATHENA_ENGINE, execution.engine_version
            )
        if execution.error:
            run_facets[ERROR] = facets.error_message(execution.error)
        name = athena_query_job(
            execution.account_id, execution.region, execution.workgroup, execution.query_text
        )
        kind = execution.kinds[0] if len(execution.kinds) == 1 else None
        yield from _run_events(
            execution.query_node,
            Run(run_id(execution.submitted_at, execution.query_node), facets=run_facets),
            Job(namespace, name, facets=job_facets),
            execution.state,
            execution.submitted_at,
            execution.completed_at,
            _inputs(here, execution),
            _outputs(here, execution, kind, edges.get(execution.query_node, [])),
        )


@dataclass(frozen=True)
class PipelineScope:
    """One pipeline's rows the step events need."""

    pipeline: contract_reads.PipelineRow
    io: list[reads.StepIoRow]
    packages: list[reads.ModelPackageRow]
    queries: dict[str, list[str]]
    through: dict[str, list[tuple[str, str, str, str]]]
    step_types: dict[str, str | None]

    @classmethod
    def of(cls, pipeline: contract_reads.PipelineRow, rows: reads.PipelineRows) -> PipelineScope:
        scope = f"{pipeline.account_id}/{pipeline.region}/{pipeline.name}"
        return cls(
            pipeline,
            rows.io.get(pipeline.source_key, []),
            rows.packages.get(pipeline.source_key, []),
            rows.queries.get(scope, {}),
            rows.through.get(scope, {}),
            rows.steps.get(pipeline.source_key, {}),
        )


def _step_datasets(
    datasets: DatasetFacets, scope: PipelineScope, step: str, execution_arn: str | None
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """A step's inputs and outputs in one execution (observed, else declared), the tables its
    query reads, the model packages it registered, and the feature group it writes."""
    rows = [r for r in scope.io if r.step == step and r.execution_arn == execution_arn]
    if execution_arn is not None and not rows:
        rows = [r for r in scope.io if r.step == step and r.execution_arn is None]
    rows = [r for r in rows if "{" not in r.uri]  # unresolved placeholders name no dataset
    inputs: dict[DatasetName, InputDataset] = {}
    outputs: dict[DatasetName, OutputDataset] = {}
    for table in scope.queries.get(step, []):
        dataset, dataset_facets = datasets.reference(table, "athena")
        inputs[dataset] = InputDataset(dataset.namespace, dataset.name, facets=dataset_facets)
    for row in rows:
        dataset = storage(row.uri)
        dataset_facets = datasets.storage_facets(row.uri)
        if row.direction == "input":
            inputs[dataset] = InputDataset(dataset.namespace, dataset.name, facets=dataset_facets)
            continue
        fields: InputFields = defaultdict(list)
        for source, column, target, target_column in scope.through.get(step, []):
            if target == normalize(row.uri):
                item = facets.input_field(storage(source), column, "identity", False, THROUGH_STEP)
                fields[target_column].append(item)
        lineage = facets.column_lineage(fields, [])
        merged = {**dataset_facets, **({"columnLineage": lineage} if lineage else {})}
        outputs[dataset] = OutputDataset(dataset.namespace, dataset.name, facets=merged)
        group = datasets.feature_group_at(row.uri) if row.data_kind == "feature_group" else None
        if group is not None:
            named = sagemaker_arn(group.arn or group.name)
            group_facets = {**datasets.feature_group_facets(group)}
            if lineage:
                group_facets["columnLineage"] = lineage
            outputs[named] = OutputDataset(named.namespace, named.name, facets=group_facets)
    for package in scope.packages:
        if package.step == step and package.execution_arn == execution_arn:
            named = sagemaker_arn(package.arn)
            outputs[named] = OutputDataset(
                named.namespace, named.name, facets={"dataSource": facets.data_source(named)}
            )
    return list(inputs.values()), list(outputs.values())


def _pipeline_job_facets(pipeline: contract_reads.PipelineRow) -> dict[str, Any]:
    found = {
        "jobType": facets.job_type("PIPELINE"),
        "ownership": facets.job_ownership(facets.owners_from_tags(pipeline.tags)),
    }
    return {k: v for k, v in found.items() if v is not None}


def _step_job_facets(step_type: str | None) -> dict[str, Any]:
    return {"jobType": facets.job_type(f"STEP_{(step_type or 'UNKNOWN').upper()}")}


def _run_events(
    key: str,
    run: Run,
    job: Job,
    status: str | None,
    started: datetime | None,
    ended: datetime | None,
    inputs: list[InputDataset],
    outputs: list[OutputDataset],
) -> Iterator[KeyedEvent]:
    """START at the run's start (its facets but the error), then the state its status names at
    its end (none while it runs: a later export sends it)."""
    yield KeyedEvent(
        f"run:{key}:START",
        RunEvent(
            eventType=RunState.START,
            eventTime=iso(started),
            producer=facets.PRODUCER,
            run=Run(run.runId, facets={k: v for k, v in (run.facets or {}).items() if k != ERROR}),
            job=job,
            inputs=inputs,
            outputs=outputs,
        ),
    )
    lowered = (status or "").lower()
    if lowered in RUNNING_STATUSES:
        return
    state = TERMINAL_STATES.get(lowered, RunState.OTHER)
    yield KeyedEvent(
        f"run:{key}:{state.value}",
        RunEvent(
            eventType=state,
            eventTime=iso(ended or started),
            producer=facets.PRODUCER,
            run=run,
            job=job,
            inputs=inputs,
            outputs=outputs,
        ),
    )


def _execution_events(
    datasets: DatasetFacets,
    scope: PipelineScope,
    execution: ExecutionRow,
    step_runs: list[StepRunRow],
) -> Iterator[KeyedEvent]:
    pipeline = scope.pipeline
    namespace = datasets.naming.job_namespace
    pipeline_name = datasets.naming.pipeline_job(
        pipeline.account_id, pipeline.region, pipeline.name
    )
    execution_run_id = run_id(execution.started_at, execution.arn)
    ends = [r.ended_at for r in step_runs if r.ended_at is not None]
    run_facets: dict[str, Any] = {}
    if execution.failure_reason:
        run_facets[ERROR] = facets.error_message(execution.failure_reason)
    yield from _run_events(
        execution.arn,
        Run(execution_run_id, facets=run_facets),
        Job(namespace, pipeline_name, facets=_pipeline_job_facets(pipeline)),
        execution.status,
        execution.started_at,
        max(ends) if ends else None,
        [],
        [],
    )
    parent = facets.parent(execution_run_id, namespace, pipeline_name)
    for step_run in step_runs:
        step = step_run.step
        step_facets: dict[str, Any] = {"parent": parent}
        if step_run.failure_reason:
            step_facets[ERROR] = facets.error_message(step_run.failure_reason)
        inputs, outputs = _step_datasets(datasets, scope, step, execution.arn)
        started = step_run.started_at or execution.started_at
        yield from _run_events(
            f"{execution.arn}/{step}",
            Run(run_id(started, f"{execution.arn}/{step}"), facets=step_facets),
            Job(
                namespace,
                datasets.naming.step_job(pipeline.account_id, pipeline.region, pipeline.name, step),
                facets=_step_job_facets(scope.step_types.get(step)),
            ),
            step_run.status,
            started,
            step_run.ended_at,
            inputs,
            outputs,
        )


def _definition_events(datasets: DatasetFacets, scope: PipelineScope) -> Iterator[KeyedEvent]:
    """A pipeline that never ran: its job and its steps' jobs with declared inputs/outputs."""
    pipeline = scope.pipeline
    namespace = datasets.naming.job_namespace
    name = datasets.naming.pipeline_job(pipeline.account_id, pipeline.region, pipeline.name)
    when = iso(pipeline.last_modified)
    yield KeyedEvent(
        f"job:{namespace}/{name}",
        JobEvent(
            eventTime=when,
            producer=facets.PRODUCER,
            job=Job(namespace, name, facets=_pipeline_job_facets(pipeline)),
            inputs=[],
            outputs=[],
        ),
    )
    for step, step_type in scope.step_types.items():
        step_name = datasets.naming.step_job(
            pipeline.account_id, pipeline.region, pipeline.name, step
        )
        inputs, outputs = _step_datasets(datasets, scope, step, None)
        yield KeyedEvent(
            f"job:{namespace}/{step_name}",
            JobEvent(
                eventTime=when,
                producer=facets.PRODUCER,
                job=Job(namespace, step_name, facets=_step_job_facets(step_type)),
                inputs=inputs,
                outputs=outputs,
            ),
        )


def pipeline_events(
    conn: duckdb.DuckDBPyConnection, datasets: DatasetFacets
) -> Iterator[KeyedEvent]:
    """Runs of every crawled execution and its steps; job definitions of never-run pipelines."""
    rows = reads.pipeline_rows(conn)
    for pipeline in contract_reads.pipelines(conn):
        scope = PipelineScope.of(pipeline, rows)
        executions = rows.executions.get(pipeline.source_key, [])
        if not executions:
            yield from _definition_events(datasets, scope)
        for execution in executions:
            step_runs = rows.step_runs.get((pipeline.source_key, execution.arn), [])
            yield from _execution_events(datasets, scope, execution, step_runs)


def build_events(conn: duckdb.DuckDBPyConnection, naming: Naming) -> Iterator[KeyedEvent]:
    """Every event of the store: SQL statements first, then Athena executions, then pipelines."""
    datasets = DatasetFacets.read(conn, naming)
    yield from sql_events(conn, datasets)
    yield from athena_events(conn, datasets)
    yield from pipeline_events(conn, datasets)
