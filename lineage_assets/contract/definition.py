"""The original service's lineage JSON (graphPipeline + graphData) from a pipeline definition
alone (resolved here, no store needed) or from a crawled definition and its stored warnings.

Same keys as the old API so its consumers keep working, without its defects: every step of every
branch, I/O for every step type, resolved URIs kept exactly as written (case and trailing `/`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from lineage_assets.contract.builder import summary
from lineage_assets.sagemaker.expressions import is_placeholder
from lineage_assets.sagemaker.resolver import ResolvedPipeline, StepIO, resolve_definition
from lineage_assets.sagemaker.views import stored_definition, stored_warnings

VIEWS = ("pipeline", "data", "both")


def _io_entry(io: StepIO) -> dict[str, Any]:
    """One `{name, uri}` entry with kind, the original expression and any query."""
    entry: dict[str, Any] = {"name": io.channel, "uri": io.uri, "kind": io.data_kind}
    if io.expression is not None:
        entry["expression"] = io.expression
    if io.query_string is not None:
        entry["queryString"] = io.query_string
        entry["engine"] = io.engine
    return entry


def _artifact(index: int, uri: str) -> dict[str, Any]:
    """An artifact entry: bucket and key for S3 URIs, null otherwise."""
    bucket = key = None
    if uri.startswith("s3://"):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
    placeholder = is_placeholder(uri)
    return {"id": index, "uri": uri, "bucket": bucket, "key": key, "placeholder": placeholder}


def graph_pipeline(resolved: ResolvedPipeline) -> dict[str, Any]:
    """Step-centric graph: one node per step, dependency edges, unique URIs as artifacts."""
    nodes = []
    for step in resolved.steps:
        own = [io for io in resolved.io if io.step == step.name]
        node: dict[str, Any] = {
            "id": step.name,
            "type": step.type,
            "label": step.item.get("DisplayName") or step.name,
            "inputs": [_io_entry(io) for io in own if io.direction == "input"],
            "outputs": [_io_entry(io) for io in own if io.direction == "output"],
        }
        if step.parent is not None:
            node["parent"], node["branch"] = step.parent, step.branch
        nodes.append(node)
    uris: list[str] = []
    for node in nodes:
        for entry in node["inputs"] + node["outputs"]:
            if isinstance(entry["uri"], str) and entry["uri"] not in uris:
                uris.append(entry["uri"])
    edges = [
        {"from": e.from_step, "to": e.to_step, "via": e.via, "kind": e.kind}
        | ({"properties": list(e.properties)} if e.properties else {})
        for e in resolved.edges
    ]
    artifacts = [_artifact(index, uri) for index, uri in enumerate(uris)]
    return {"nodes": nodes, "edges": edges, "artifacts": artifacts}


def graph_data(resolved: ResolvedPipeline) -> dict[str, Any]:
    """Bipartite graph: `data:<uri>` and `process:<step>` nodes, read/write edges."""
    data_nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    for io in resolved.io:
        if not isinstance(io.uri, str):
            continue
        data_id, process_id = f"data:{io.uri}", f"process:{io.step}"
        data_nodes.setdefault(
            data_id,
            {
                "id": data_id,
                "type": "dataArtifact",
                "label": io.uri,
                "uri": io.uri,
                "placeholder": is_placeholder(io.uri),
            },
        )
        kind = "read" if io.direction == "input" else "write"
        source, target = (data_id, process_id) if kind == "read" else (process_id, data_id)
        edge_id = f"e:{source}->{target}:{kind}"
        edges.setdefault(edge_id, {"id": edge_id, "source": source, "target": target, "kind": kind})
    process_nodes = [
        {
            "id": f"process:{step.name}",
            "type": "processNode",
            "label": step.name,
            "stepId": step.name,
            "stepType": step.type,
        }
        for step in resolved.steps
    ]
    return {"nodes": [*data_nodes.values(), *process_nodes], "edges": list(edges.values())}


def lineage_json(resolved: ResolvedPipeline, view: str = "both") -> dict[str, Any]:
    """The contract for one view: `pipeline` (graphPipeline + legacy `graph`), `data`, `both`."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    result: dict[str, Any] = {}
    if view in ("pipeline", "both"):
        result["graphPipeline"] = graph_pipeline(resolved)
        result["graph"] = result["graphPipeline"]
    if view in ("data", "both"):
        result["graphData"] = graph_data(resolved)
    result["parameters"] = dict(resolved.parameters)
    result["warnings"] = resolved.messages
    return result


def pipeline_lineage(
    definition: Mapping[str, Any] | str,
    parameters: Mapping[str, str] | None = None,
    *,
    view: str = "both",
    feature_store_uris: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Resolve a definition (execution parameter values over defaults) into the lineage JSON."""
    resolved = resolve_definition(definition, parameters, feature_store_uris=feature_store_uris)
    return lineage_json(resolved, view)


def _elapsed(start: Any, end: Any) -> int | None:
    """Whole seconds between two datetimes, or None."""
    try:
        return int((end - start).total_seconds())
    except TypeError:
        return None


def _run_info(step: Any, crawl: Any) -> dict[str, Any]:
    """A node's `run`: status, times, job, final and report (`eval.*`) metrics, cache source,
    failure reason."""
    entry = step.entry
    start, end = entry.get("StartTime"), entry.get("EndTime")
    job = crawl.jobs.get(step.job_arn or "", {})
    metrics = {m["MetricName"]: m.get("Value") for m in job.get("FinalMetricDataList") or []}
    reports = crawl.reports.get(step.job_arn or "", ())
    for report in reports:
        metrics.update({f"eval.{name}": value for name, value in report.metrics.items()})
    return {
        "status": entry.get("StepStatus"),
        "startTime": start.isoformat() if hasattr(start, "isoformat") else "",
        "endTime": end.isoformat() if hasattr(end, "isoformat") else "",
        "elapsedSec": _elapsed(start, end),
        "jobArn": step.job_arn,
        "jobName": step.job_arn.rsplit("/", 1)[-1] if step.job_arn else None,
        "metrics": metrics,
        "cacheSourceExecutionArn": step.cache_source,
        "failureReason": entry.get("FailureReason"),
        "reportObject": reports[0].uri if reports else None,
    }


def execution_lineage(crawl: Any, run: Any, view: str = "both") -> dict[str, Any]:
    """The lineage JSON of one crawled execution: its resolved URIs plus each step's `run`,
    the RegisterModel `registry` link and the run `summary`."""
    from lineage_assets.sagemaker.records import (
        execution_differences,
        feature_store_uris,
        resolve_execution,
    )

    resolved = resolve_execution(crawl, run, feature_store_uris(crawl))
    result = lineage_json(resolved, view)
    steps = {step.name: step for step in run.steps}
    graph = result.get("graphPipeline") or graph_pipeline(resolved)
    for node in graph["nodes"]:
        step = steps.get(node["id"])
        if step is not None:
            node["run"] = _run_info(step, crawl)
            if step.model_package_arn:
                node["registry"] = {"modelPackageArn": step.model_package_arn}
    for node in (result.get("graphData") or {}).get("nodes", []):
        step = steps.get(node.get("stepId", ""))
        if step is not None:
            node["run"] = _run_info(step, crawl)
    result["summary"] = summary(graph["nodes"])
    result["execution"] = {
        "arn": run.arn,
        "status": run.status,
        "overriddenParameters": dict(run.passed),
        "differsFromDefaults": execution_differences(crawl, run),
    }
    return result


def stored_lineage(
    conn: duckdb.DuckDBPyConnection, source_key: str, view: str = "both"
) -> dict[str, Any] | None:
    """The lineage JSON of the stored current definition (defaults for parameters), with the
    warnings the crawl stored (they include the definition's own, and unreadable executions,
    jobs and reports; a store written before warnings were stored shows the resolver's)."""
    definition = stored_definition(conn, source_key)
    if definition is None:
        return None
    document = pipeline_lineage(definition, view=view)
    stored = [w["message"] for w in stored_warnings(conn, source_key)]
    document["warnings"] = list(dict.fromkeys(stored)) or document["warnings"]
    return document
