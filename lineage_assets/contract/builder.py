"""The lineage contract of one pipeline, built from the store: the original service's JSON
(keys and value shapes unchanged) with what its README promised alongside.

One definition and at most one execution per document: the current definition without run
data, or the definition an execution ran together with that execution's resolved URIs,
runs and metrics, never the two mixed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets.contract import reads
from lineage_assets.contract.reads import PipelineRow, UnknownName, iso
from lineage_assets.core.enums import NodeKind, PiiClass
from lineage_assets.core.ids import data_node, key_of, table_node
from lineage_assets.core.uris import ancestors, normalize
from lineage_assets.retention.views import retention_for
from lineage_assets.sagemaker import runs
from lineage_assets.sagemaker.expressions import is_placeholder
from lineage_assets.sagemaker.resolver import ResolvedPipeline, StepIO, resolve_definition
from lineage_assets.sagemaker.runs import ExecutionRow, StepRunDetail

VIEWS = ("pipeline", "data", "both")
CONTRACT_VERSION = "1"
STATUS_ORDER = ("Failed", "Executing", "Stopping", "Stopped", "Starting", "Succeeded")
NOT_RUN = "NotRun"
UNKNOWN = "Unknown"  # the original's count of nodes without a run status
# The original's PII categories: national identifiers first, then any other personal data.
IDENTIFIER_CLASSES = frozenset({PiiClass.KR_RRN, PiiClass.PASSPORT})
VIA = {
    "dependsOn": "dependsOn",
    "reference": "ref:Get",
    "if": "condition:if",
    "else": "condition:else",
}
IGNORED_LABEL_CHANNELS = ("code",)


@dataclass(frozen=True)
class Request:
    """What a caller asks for: which pipeline (in which region and account, when its name is
    crawled in several), view, and which execution (if any)."""

    pipeline: str
    region: str | None = None
    view: str = "both"
    include_latest_execution: bool = True
    execution: str | None = None
    account: str | None = None


def _elapsed(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if start and end else None


def _run(step: StepRunDetail | None) -> dict[str, Any]:
    """A node's `run` in the original's shape plus failure, cache and attempt details."""
    if step is None:
        return {"status": NOT_RUN}
    return {
        "status": step.status or "Unknown",
        "startTime": iso(step.started_at) or "",
        "endTime": iso(step.ended_at) or "",
        "elapsedSec": _elapsed(step.started_at, step.ended_at),
        "jobArn": step.job_arn,
        "jobName": step.job_name or (step.job_arn.rsplit("/", 1)[-1] if step.job_arn else None),
        "metrics": dict(step.metrics),
        "reportObject": step.report,
        "failureReason": step.failure_reason,
        "cacheHit": bool(step.cache_source),
        "cacheSourceExecutionArn": step.cache_source,
        "attemptCount": step.attempt_count,
    }


def summary(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Overall status (Failed > Executing > Stopping > Stopped > Starting > Succeeded), status
    counts over the step nodes (by status name; a node with no run data counts as `Unknown`,
    as the original counted it, though its own `run.status` says `NotRun`), and whole seconds
    from the first start to the last end (None when either is missing or one has a time zone
    and the other not)."""
    counts = Counter(
        UNKNOWN if status in (None, "", NOT_RUN) else status
        for status in ((node.get("run") or {}).get("status") for node in nodes)
    )
    overall = next((status for status in STATUS_ORDER if status in counts), "Unknown")
    starts = [n["run"]["startTime"] for n in nodes if (n.get("run") or {}).get("startTime")]
    ends = [n["run"]["endTime"] for n in nodes if (n.get("run") or {}).get("endTime")]
    elapsed = None
    if starts and ends:
        first, last = datetime.fromisoformat(min(starts)), datetime.fromisoformat(max(ends))
        try:
            elapsed = int((last - first).total_seconds())
        except TypeError:
            elapsed = None
    return {
        "overallStatus": overall,
        "nodeStatus": dict(sorted(counts.items())),
        "elapsedSec": elapsed,
    }


class DataIdentity:
    """One data node per dataset: spellings of one location, and a feature group's configured
    offline-store prefix and the resolved prefix its data lands in, share a node."""

    def __init__(self, aliases: dict[str, tuple[str, str]]) -> None:
        self._aliases = aliases
        self._first: dict[str, str] = {}
        self.feature_groups: dict[str, str] = {}
        self.spellings: dict[str, set[str]] = {}

    def node_id(self, uri: str) -> str:
        """`data:<uri>` with the first spelling seen of the dataset's location."""
        location = normalize(uri)
        alias = self._aliases.get(location)
        if alias is None:  # the resolved offline prefix itself
            alias = next(
                ((r, g) for r, g in self._aliases.values() if normalize(r) == location), None
            )
        if alias is not None:
            resolved, group = alias
            self.feature_groups[normalize(resolved)] = group
            location = normalize(resolved)
            self._first.setdefault(location, resolved)
        self._first.setdefault(location, uri)
        self.spellings.setdefault(location, set()).update({normalize(uri), location})
        return data_node(self._first[location])

    def location(self, node_id: str) -> str:
        return normalize(key_of(node_id, NodeKind.DATA) or node_id)


def _uri_value(io: StepIO) -> Any:
    """The original's `uri`: the resolved string, else the raw expression."""
    return io.uri if isinstance(io.uri, str) else io.expression


def _io_entry(io: StepIO) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": io.channel, "uri": _uri_value(io), "kind": io.data_kind}
    if isinstance(io.uri, str) and is_placeholder(io.uri):
        entry["placeholder"] = True
    if io.expression is not None and isinstance(io.uri, str):
        entry["expression"] = io.expression
    if io.query_string is not None:
        entry["queryString"] = io.query_string
        entry["engine"] = io.engine
    return entry


def _edge_label(resolved: ResolvedPipeline, source: str, target: str) -> str | None:
    """The target's input channels whose expression names the source step (the data on it)."""
    marker = f"Steps.{source}."
    names = sorted(
        {
            io.channel
            for io in resolved.io
            if io.step == target
            and io.direction == "input"
            and io.channel not in IGNORED_LABEL_CHANNELS
            and marker in json.dumps(io.expression, default=str)
        }
    )
    return ", ".join(names[:2]) or None


def _pii_block(columns: dict[str, set[str]]) -> dict[str, Any]:
    """The original's `pii` shape from column classes; counts are columns per class."""
    counts = Counter(cls for classes in columns.values() for cls in classes)
    classes = sorted(counts)
    if not classes:
        category = "none"
    elif IDENTIFIER_CLASSES & set(classes):
        category = "identifiers"
    else:
        category = "personal"
    return {
        "hasPII": bool(classes),
        "category": category,
        "counts": dict(sorted(counts.items())),
        "detailUrl": None,
        "classes": classes,
        "columns": {c: sorted(k) for c, k in sorted(columns.items()) if k},
    }


def _posture(bucket: str, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The original's `s3` block (capitalised values), plus the KMS key and check time."""
    row = known.get(bucket)
    if row is None:
        return {
            "bucket": bucket,
            "region": "Unknown",
            "encryption": "Unknown",
            "versioning": "Unknown",
            "publicAccess": "Unknown",
            "checked": False,
        }
    encryption = {"none": "None", "unknown": "Unknown"}.get(row["encryption"], row["encryption"])
    public = (row["publicAccess"] or "unknown").capitalize()
    block = {
        "bucket": bucket,
        "region": row["region"] or "Unknown",
        "encryption": encryption or "Unknown",
        "versioning": "Unknown" if row["versioning"] == "unknown" else row["versioning"],
        "publicAccess": public,
        "checked": True,
        "kmsKeyId": row["kmsKeyId"],
        "checkedAt": row["checkedAt"],
    }
    if row["tags"]:
        block["tags"] = row["tags"]
    return block


class _Context:
    """Everything read once per document."""

    def __init__(
        self, conn: duckdb.DuckDBPyConnection, pipeline: PipelineRow, run: ExecutionRow | None
    ) -> None:
        self.conn, self.pipeline, self.run = conn, pipeline, run
        self.runs: dict[str, StepRunDetail] = (
            runs.step_run_details(conn, pipeline.source_key, run.arn) if run else {}
        )
        self.identity = DataIdentity(
            reads.offline_store_aliases(conn, pipeline.account_id, pipeline.region)
        )
        self.pii = reads.pii_by_location(conn)

    def resolve(self, definition: str) -> ResolvedPipeline:
        """The definition resolved as that execution ran it (or with defaults)."""
        stores = reads.feature_store_uris(self.conn, self.pipeline.account_id, self.pipeline.region)
        if self.run is None:
            return resolve_definition(definition, feature_store_uris=stores)
        variables = {
            "PipelineExecutionId": self.run.execution_id or self.run.arn.rsplit("/", 1)[-1],
            "PipelineExecutionArn": self.run.arn,
            "PipelineName": self.pipeline.name,
            "PipelineArn": self.pipeline.arn or "",
        }
        if self.run.started_at is not None:
            variables["StartDateTime"] = self.run.started_at.isoformat()
        descriptions = {
            name: step.description for name, step in self.runs.items() if step.description
        }
        properties: dict[str, dict[str, Any]] = {}
        for name, step in self.runs.items():
            model = (step.metadata.get("Model") or {}).get("Arn")
            if model:
                properties[name] = {"ModelName": model.rsplit("/", 1)[-1], "ModelArn": model}
            if step.model_package_arn:
                properties[name] = {"ModelPackageArn": step.model_package_arn}
        return resolve_definition(
            definition,
            reads.execution_parameters(self.conn, self.pipeline.source_key, self.run.arn),
            execution=variables,
            descriptions=descriptions,
            properties=properties,
            feature_store_uris=stores,
        )

    def pii_of(self, location: str) -> dict[str, set[str]]:
        """Column → classes over every spelling that shares the node."""
        merged: dict[str, set[str]] = {}
        for spelling in self.identity.spellings.get(location, {location}):
            for column, classes in self.pii.get(spelling, {}).items():
                merged.setdefault(column, set()).update(classes)
        return merged


def _sql_block(ctx: _Context, step: str, own: list[StepIO], queries: dict, defined: dict):
    """A step's SQL: the query it runs, the tables it reads and where their SQL lives."""
    query = next((io for io in own if io.query_string), None)
    sources = list(queries.get(step, []))
    destination = query.uri if query is not None and isinstance(query.uri, str) else None
    block = None
    if query is not None or sources:
        block = {
            "query": query.query_string if query else None,
            "engine": query.engine if query else None,
            "sources": [{"table": t, "definedIn": defined.get(t, [])} for t in sources],
        }
    return sources, destination, block


def _pipeline_graph(ctx: _Context, resolved: ResolvedPipeline) -> tuple[dict, list[dict]]:
    """graphPipeline (nodes, edges, artifacts) and the README's `summary.steps`."""
    account, region, name = ctx.pipeline.account_id, ctx.pipeline.region, ctx.pipeline.name
    queries = reads.step_queries(ctx.conn, account, region, name)
    defined = reads.sql_definitions(ctx.conn, {t for ts in queries.values() for t in ts})
    packages = reads.model_packages(
        ctx.conn, [s.model_package_arn for s in ctx.runs.values() if s.model_package_arn]
    )
    nodes, steps = [], []
    for step in resolved.steps:
        own = [io for io in resolved.io if io.step == step.name]
        run_row = ctx.runs.get(step.name)
        node: dict[str, Any] = {
            "id": step.name,
            "type": step.type,
            "label": step.item.get("DisplayName") or step.name,
            "kind": "process",
            "inputs": [_io_entry(io) for io in own if io.direction == "input"],
            "outputs": [_io_entry(io) for io in own if io.direction == "output"],
            "run": _run(run_row),
        }
        if step.parent is not None:
            node["parent"], node["branch"] = step.parent, step.branch
        if run_row is not None and run_row.model_package_arn:
            package = packages.get(run_row.model_package_arn, {})
            node["registry"] = {
                "modelPackageArn": run_row.model_package_arn,
                "approval": package.get("approval"),
                "group": package.get("group"),
                "version": package.get("version"),
            }
        sources, destination, block = _sql_block(ctx, step.name, own, queries, defined)
        node["hasSql"], node["sqlDst"], node["sqlSources"] = bool(block), destination, sources
        node["sqlTargets"] = []  # steps read SQL results; tables are written by SQL files
        if block:
            node["sql"] = block
        nodes.append(node)
        steps.append(
            {
                "id": step.name,
                "type": step.type,
                "inputs": node["inputs"],
                "outputs": node["outputs"],
                "run": node["run"],
                "registry": node.get("registry"),
                "hasSql": node["hasSql"],
                "sqlDst": destination,
                "sqlSources": sources,
            }
        )
    edges = []
    for edge in resolved.edges:
        entry: dict[str, Any] = {
            "from": edge.from_step,
            "to": edge.to_step,
            "via": VIA.get(edge.kind, edge.kind),
            "source": edge.from_step,
            "target": edge.to_step,
            "kind": edge.kind,
        }
        label = _edge_label(resolved, edge.from_step, edge.to_step)
        if label:
            entry["label"] = label
        if edge.properties:
            entry["properties"] = list(edge.properties)
        edges.append(entry)
    return {"nodes": nodes, "edges": edges, "artifacts": _artifacts(ctx, nodes)}, steps


def _artifacts(ctx: _Context, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per unique URI string, first-appearance order, with posture and PII."""
    uris: list[str] = []
    for node in nodes:
        for io in node["inputs"] + node["outputs"]:
            if isinstance(io["uri"], str) and io["uri"] not in uris:
                uris.append(io["uri"])
    names = [u.removeprefix("s3://").partition("/")[0] for u in uris if u.startswith("s3://")]
    posture = reads.buckets(ctx.conn, names)
    retention = retention_for(ctx.conn, uris)
    artifacts = []
    for index, uri in enumerate(uris):
        bucket = key = None
        entry: dict[str, Any] = {"id": index, "uri": uri}
        if uri.startswith("s3://"):
            bucket, _, key = uri.removeprefix("s3://").partition("/")
        entry |= {"bucket": bucket, "key": key, "placeholder": is_placeholder(uri)}
        entry["dataNode"] = ctx.identity.node_id(uri)
        if bucket:
            entry["s3"] = _posture(bucket, posture)
        entry["pii"] = _pii_block(ctx.pii_of(ctx.identity.location(entry["dataNode"])))
        entry["retention"] = retention[uri].as_contract()
        artifacts.append(entry)
    return artifacts


def _data_graph(ctx: _Context, resolved: ResolvedPipeline, pipeline_nodes: list[dict]) -> dict:
    """graphData: one node per dataset, per step, per registered model and per SQL table the
    steps query; read/write edges with their URI and channel, and `within` edges from data
    written inside a prefix another step reads."""
    identity = ctx.identity
    data: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    readers: set[str] = set()
    writers: set[str] = set()
    for io in resolved.io:
        if not isinstance(io.uri, str):
            continue
        node_id = identity.node_id(io.uri)
        data.setdefault(node_id, {"id": node_id, "uri": key_of(node_id, NodeKind.DATA) or ""})
        process = f"process:{io.step}"
        kind = "read" if io.direction == "input" else "write"
        source, target = (node_id, process) if kind == "read" else (process, node_id)
        (readers if kind == "read" else writers).add(node_id)
        edge_id = f"e:{source}->{target}:{kind}"
        edge = edges.setdefault(
            edge_id,
            {"id": edge_id, "source": source, "target": target, "kind": kind, "uri": io.uri},
        )
        edge.setdefault("channels", [])
        if io.channel not in edge["channels"]:
            edge["channels"].append(io.channel)
    by_location = {identity.location(n): n for n in data}
    for written in sorted(writers):
        for parent in ancestors(identity.location(written)):
            outer = by_location.get(parent)
            if outer is not None and outer in readers:
                edge_id = f"e:{written}->{outer}:within"
                edges[edge_id] = {
                    "id": edge_id,
                    "source": written,
                    "target": outer,
                    "kind": "within",
                }
                break
    names = [
        uri.removeprefix("s3://").partition("/")[0]
        for uri in (node["uri"] for node in data.values())
        if uri.startswith("s3://")
    ]
    posture = reads.buckets(ctx.conn, names)
    schemas = reads.schemas_by_location(
        ctx.conn, {s for n in data for s in identity.spellings.get(identity.location(n), ())}
    )
    data_nodes = []
    for node_id, node in data.items():
        uri = node["uri"]
        location = identity.location(node_id)
        bucket, _, key = (
            uri.removeprefix("s3://").partition("/")
            if uri.startswith("s3://")
            else (None, "", None)
        )
        pii = ctx.pii_of(location)
        schema = next(
            (
                schemas[s]
                for s in [location, *sorted(identity.spellings.get(location, ()))]
                if s in schemas
            ),
            None,
        )
        meta: dict[str, Any] = {"bucket": bucket, "key": key}
        if bucket:
            meta["s3"] = _posture(bucket, posture)
        entry: dict[str, Any] = {
            "id": node_id,
            "type": "dataArtifact",
            "label": uri,
            "uri": uri,
            "meta": meta,
            "kind": "data",
            "placeholder": is_placeholder(uri),
            "pii": sorted({c for classes in pii.values() for c in classes}),
        }
        columns = {c["name"]: c["type"] for c in (schema or {}).get("columns", [])}
        entry["schema"] = {
            "version": (schema or {}).get("version"),
            "format": (schema or {}).get("format"),
            "columns": [
                {"name": name, "type": columns.get(name), "pii": sorted(pii.get(name, ()))}
                for name in sorted(set(columns) | set(pii))
            ],
        }
        entry["columns"] = [
            {"name": c["name"], "pii": c["pii"]} for c in entry["schema"]["columns"]
        ]
        group = identity.feature_groups.get(location)
        if group:
            entry["featureGroup"] = group
        aliases = sorted(identity.spellings.get(location, set()) - {normalize(uri)})
        if aliases:
            entry["aliases"] = aliases
        data_nodes.append(entry)
    process_nodes, extra_nodes = [], []
    for node in pipeline_nodes:
        process_id = f"process:{node['id']}"
        process_nodes.append(
            {
                "id": process_id,
                "type": "processNode",
                "label": node["label"],
                "stepId": node["id"],
                "stepType": node["type"],
                "run": node["run"],
                "registry": node.get("registry"),
                "kind": "process",
            }
        )
        registry = node.get("registry")
        if registry:
            model_id = f"model:{registry['modelPackageArn']}"
            extra_nodes.append(
                {
                    "id": model_id,
                    "type": "modelPackage",
                    "label": f"{registry.get('group') or 'model'} v{registry.get('version')}",
                    "kind": "model",
                    "modelPackageArn": registry["modelPackageArn"],
                    "approval": registry.get("approval"),
                }
            )
            edge_id = f"e:{process_id}->{model_id}:registers"
            edges[edge_id] = {
                "id": edge_id,
                "source": process_id,
                "target": model_id,
                "kind": "registers",
            }
        for table in node.get("sqlSources", []):
            table_id = table_node(table)
            if all(n["id"] != table_id for n in extra_nodes):
                sql: list[dict[str, Any]] = next(
                    (s["definedIn"] for s in node["sql"]["sources"] if s["table"] == table), []
                )
                extra_nodes.append(
                    {"id": table_id, "type": "table", "label": table, "kind": "table", "sql": sql}
                )
            edge_id = f"e:{table_id}->{process_id}:query"
            edges[edge_id] = {
                "id": edge_id,
                "source": table_id,
                "target": process_id,
                "kind": "query",
            }
    return {"nodes": [*data_nodes, *process_nodes, *extra_nodes], "edges": list(edges.values())}


def _choose_execution(
    conn: duckdb.DuckDBPyConnection, pipeline: PipelineRow, request: Request
) -> ExecutionRow | None:
    found = runs.executions(conn, pipeline.source_key)
    if request.execution:
        return reads.find_execution(found, request.execution)
    if request.include_latest_execution and found:
        return found[0]
    return None


def build_lineage(conn: duckdb.DuckDBPyConnection, request: Request) -> dict[str, Any]:
    """The contract document for one pipeline (raises UnknownName, ValueError for a bad view)."""
    if request.view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {request.view!r}")
    pipeline = reads.find_pipeline(conn, request.pipeline, request.region, request.account)
    run = _choose_execution(conn, pipeline, request)
    digest = run.definition_hash if run and run.definition_hash else pipeline.definition_hash
    text = reads.definition(conn, pipeline.arn, digest)
    if text is None and run is not None:  # that execution's definition was never stored
        raise UnknownName("definition of execution", run.arn, [])
    if text is None:
        raise UnknownName("definition of pipeline", pipeline.name, [])
    ctx = _Context(conn, pipeline, run)
    resolved = ctx.resolve(text)
    graph, steps = _pipeline_graph(ctx, resolved)
    run_summary = summary(graph["nodes"])
    run_summary |= {"pipeline": pipeline.name, "region": pipeline.region, "steps": steps}
    document: dict[str, Any] = {
        "contractVersion": CONTRACT_VERSION,
        "domain": reads.domain(conn, pipeline.account_id, pipeline.region, pipeline.domain_id),
        "pipeline": {
            "name": pipeline.name,
            "arn": pipeline.arn,
            "lastModifiedTime": iso(pipeline.last_modified),
            "region": pipeline.region,
            "displayName": pipeline.display_name,
            "sourceKey": pipeline.source_key,
            "definitionHash": digest,
            "tags": pipeline.tags,
        },
        "summary": run_summary,
        "view": request.view,
        "execution": _execution(run, pipeline),
        "parameters": {k: v for k, v in sorted(resolved.parameters.items())},
        "warnings": resolved.messages,
    }
    if run is not None and run.definition_hash != pipeline.definition_hash:
        document["warnings"].append(
            "the pipeline's definition changed after this execution: this document shows the "
            "definition the execution ran; ask without an execution for the current one"
        )
    if request.view in ("pipeline", "both"):
        document["graphPipeline"] = graph
        document["graph"] = graph
    if request.view in ("data", "both"):
        document["graphData"] = _data_graph(ctx, resolved, graph["nodes"])
    return document


def _execution(run: ExecutionRow | None, pipeline: PipelineRow) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "arn": run.arn,
        "id": run.execution_id,
        "status": run.status,
        "startTime": iso(run.started_at),
        "failureReason": run.failure_reason,
        "definitionHash": run.definition_hash,
        "definitionIsCurrent": run.definition_hash == pipeline.definition_hash,
    }


__all__ = ["VIEWS", "Request", "UnknownName", "build_lineage", "summary"]
