"""The other read answers of the contract: pipeline listing, lineage per domain, dataset
schemas, impact walks, PII exposure and snapshot history, in the original service's shapes
where it had one. Read-only, parameterised, bounded."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from lineage_assets.contract import reads
from lineage_assets.contract.builder import Request, build_lineage
from lineage_assets.contract.reads import UnknownName, iso
from lineage_assets.core.uris import normalize
from lineage_assets.graph import views
from lineage_assets.graph.snapshot import GLOBAL_SCOPE, diff

MAX_IMPACT_DEPTH = 30
MAX_IMPACT_NODES = 5000
MAX_GRAPH_EDGES = 20000
SAMPLED_FORMATS = (
    ((".json", ".jsonl", ".ndjson"), "json"),
    ((".csv", ".tsv"), "csv"),
    ((".parquet", ".pq"), "parquet"),
)
MAX_COMPARED_NODES = 20000  # known nodes an unknown one is compared with for close matches


def list_pipelines(
    conn: duckdb.DuckDBPyConnection,
    regions: list[str] | None = None,
    *,
    include_latest_execution: bool = False,
    name: str | None = None,
    domain_name: str | None = None,
    domain_id: str | None = None,
) -> dict[str, Any]:
    """`/sagemaker/pipelines`: pipelines grouped by region, filtered like the original; each
    also names its account (a key the original lacks), which `/lineage?account=` takes. A
    region whose last listing failed has the original's `error` (per account), with the
    pipelines of its last good listing rather than the original's `[]`."""
    found = reads.pipelines(conn)
    wanted = {r for r in regions or [] if r}
    latest = {}
    if include_latest_execution:
        for key, arn, status, start, modified in conn.execute(
            "SELECT source_key, execution_arn, status, started_at, last_modified_at FROM ("
            "SELECT *, row_number() OVER (PARTITION BY source_key "
            "ORDER BY started_at DESC NULLS LAST, execution_arn) AS n "
            "FROM sagemaker_executions) WHERE n = 1"
        ).fetchall():
            latest[key] = {
                "arn": arn,
                "status": status,
                "startTime": iso(start),
                "lastModifiedTime": iso(modified),
            }
    by_region: dict[str, list[dict[str, Any]]] = {region: [] for region in sorted(wanted)}
    # here, not at import: the SageMaker views load the AWS client code, which the CLI and a
    # SQL sync never need (tests/test_cli.py)
    from lineage_assets.sagemaker.views import failed_regions

    errors: dict[str, list[str]] = {}
    for place, error in failed_regions(conn).items():
        account, _, region = place.partition("/")
        if not wanted or region in wanted:
            errors.setdefault(region, []).append(f"{account}: {error}")
            by_region.setdefault(region, [])
    for pipeline in found:
        if wanted and pipeline.region not in wanted:
            continue
        if name and name.lower() not in pipeline.name.lower():
            continue
        tag_domain = pipeline.tags.get("DomainName")
        if domain_name and domain_name.lower() not in {
            (pipeline.domain_name or "").lower(),
            (tag_domain or "").lower(),
        }:
            continue
        if domain_id and pipeline.domain_id != domain_id:
            continue
        entry: dict[str, Any] = {
            "name": pipeline.name,
            "account": pipeline.account_id,  # added: one name may be in several accounts
            "arn": pipeline.arn,
            "lastModifiedTime": iso(pipeline.last_modified),
            "tags": pipeline.tags or None,
            "matchedDomain": {"DomainId": pipeline.domain_id, "DomainName": pipeline.domain_name}
            if pipeline.domain_id
            else None,
        }
        if include_latest_execution:
            entry["latestExecution"] = latest.get(pipeline.source_key, {})
        by_region.setdefault(pipeline.region, []).append(entry)
    return {
        "regions": [
            {
                "region": region,
                **({"error": "; ".join(errors[region])} if region in errors else {}),
                "pipelines": items,
            }
            for region, items in sorted(by_region.items())
        ]
    }


def lineage_by_domain(
    conn: duckdb.DuckDBPyConnection,
    region: str,
    domain: str,
    *,
    view: str = "both",
    include_latest: bool = False,
) -> dict[str, Any]:
    """`/lineage/by-domain`: every pipeline of a Studio domain (matched case-insensitively by
    name, or by id), each ok with its document or not ok with its error."""
    members = [
        p
        for p in reads.pipelines(conn)
        if p.region == region
        and domain.lower() in {(p.domain_name or "").lower(), (p.domain_id or "").lower()}
    ]
    if not members:
        known = conn.execute(
            "SELECT DISTINCT domain_name FROM sagemaker_pipelines "
            "WHERE region = ? AND domain_name IS NOT NULL",
            [region],
        ).fetchall()
        raise UnknownName(f"domain with pipelines in {region}", domain, [d for (d,) in known])
    results = []
    for pipeline in members:
        try:
            document = build_lineage(
                conn,
                Request(
                    pipeline.name,
                    pipeline.region,
                    view,
                    include_latest_execution=include_latest,
                    account=pipeline.account_id,
                ),
            )
            results.append({"pipeline": pipeline.name, "ok": True, "data": document})
        except LookupError as error:
            results.append({"pipeline": pipeline.name, "ok": False, "error": str(error)})
    return {"region": region, "domain": domain, "count": len(results), "results": results}


def _dataset_uri(conn: duckdb.DuckDBPyConnection, bucket: str, prefix: str) -> str:
    """The stored dataset at s3://bucket/prefix (any trailing-slash spelling)."""
    wanted = normalize(f"s3://{bucket}/{prefix}")
    rows = conn.execute(
        "SELECT dataset_uri FROM s3_datasets WHERE bucket = ? ORDER BY dataset_uri", [bucket]
    ).fetchall()
    for (uri,) in rows:
        if normalize(uri) == wanted:
            return uri
    known = conn.execute("SELECT dataset_uri FROM s3_datasets ORDER BY 1").fetchall()
    raise UnknownName("dataset", f"s3://{bucket}/{prefix}", [u for (u,) in known])


def _file_format(key: str, dataset_format: str | None) -> str | None:
    """A sampled file's format as the original named it (by extension), else the dataset's."""
    name = key.lower().removesuffix(".gz").removesuffix(".snappy")
    for suffixes, fmt in SAMPLED_FORMATS:
        if name.endswith(suffixes):
            return fmt
    return dataset_format


def dataset_schema(
    conn: duckdb.DuckDBPyConnection, bucket: str, prefix: str, version: str | None = None
) -> dict[str, Any]:
    """`/datasets/{bucket}/{prefix}/schema`: the latest (or a given) schema version."""
    uri = _dataset_uri(conn, bucket, prefix)
    row = conn.execute(
        "SELECT version, CAST(schema AS VARCHAR), last_seen_at, sampled_from "
        "FROM s3_schema_versions WHERE dataset_uri = ? AND (? IS NULL OR version = ?) "
        "ORDER BY last_seen_at DESC NULLS LAST LIMIT 1",
        [uri, version, version],
    ).fetchone()
    if row is None:
        versions = conn.execute(
            "SELECT version FROM s3_schema_versions WHERE dataset_uri = ?", [uri]
        ).fetchall()
        raise UnknownName(f"schema version of {uri}", version or "latest", [v for (v,) in versions])
    found, text, seen, sampled = row
    columns = conn.execute(
        "SELECT column_path, column_type, nullable, is_partition FROM s3_schema_columns "
        "WHERE dataset_uri = ? AND version = ? ORDER BY column_path",
        [uri, found],
    ).fetchall()
    fmt = conn.execute(
        "SELECT format FROM s3_datasets WHERE dataset_uri = ? LIMIT 1", [uri]
    ).fetchone()
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    return {
        "dataset_id": uri,
        "version": found,
        "policy": {"s3_uri": uri, "sampledFrom": list(sampled or []), "lastSeenAt": iso(seen)},
        "schema": {
            "format": fmt[0] if fmt else None,
            "fields": {c: {"types": [t]} for c, t, _, _ in columns},
            "sampled_files": [
                {"key": key, "format": _file_format(key, fmt[0] if fmt else None)}
                for key in sampled or []
            ],
            "columns": [
                {"name": c, "type": t, "nullable": n, "partition": p} for c, t, n, p in columns
            ],
            "document": document,
        },
    }


def schema_versions(
    conn: duckdb.DuckDBPyConnection, bucket: str, prefix: str
) -> list[dict[str, Any]]:
    """`…/schema/versions`: every schema version of a dataset, newest first; `[]` for one
    never sampled (the original's answer, which clients walking up a prefix rely on)."""
    try:
        uri = _dataset_uri(conn, bucket, prefix)
    except UnknownName:
        return []
    rows = conn.execute(
        "SELECT version, first_seen_at, last_seen_at, sampled_from FROM s3_schema_versions "
        "WHERE dataset_uri = ? ORDER BY last_seen_at DESC NULLS LAST, version",
        [uri],
    ).fetchall()
    return [
        {
            "version": version,
            "sampled_at": iso(last),
            "policy": {"firstSeenAt": iso(first), "sampledFrom": list(sampled or [])},
        }
        for version, first, last, sampled in rows
    ]


def known_node(conn: duckdb.DuckDBPyConnection, node: str) -> None:
    """Raise UnknownName (with close matches) unless the node is in the graph."""
    if views.has_node(conn, node):
        return
    prefix = node.split(":", 1)[0] + ":" if ":" in node else ""
    raise UnknownName("node", node, views.nodes_starting_with(conn, prefix, MAX_COMPARED_NODES))


def impact(
    conn: duckdb.DuckDBPyConnection, node: str, direction: str = "downstream", depth: int = 10
) -> dict:
    """`/impact`: every node reachable downstream (or upstream), nearest first."""
    if direction not in ("downstream", "upstream"):
        raise ValueError("direction must be downstream or upstream")
    depth = max(1, min(depth, MAX_IMPACT_DEPTH))
    known_node(conn, node)
    rows = views.walk(conn, node, direction, depth, MAX_IMPACT_NODES)
    return {
        "node": node,
        "direction": direction,
        "depth": depth,
        "nodes": [{"node": n, "depth": d, "path": list(p), "edgeKind": k} for n, d, p, k in rows],
    }


def pii_exposure(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """`/pii-exposure`: what contains or was trained on personal data, and why."""
    rows = views.exposure_paths(conn)
    return {
        "items": [
            {
                "node": n,
                "kind": k,
                "exposure": e,
                "piiClasses": list(c),
                "via": v,
                "path": list(p or []),
                "approval": a,
            }
            for n, k, e, c, v, p, a in rows
        ]
    }


def global_graph(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """`/graph`: the newest stored global snapshot (every node above column level)."""
    text = views.latest_snapshot(conn, GLOBAL_SCOPE)
    document = json.loads(text) if text is not None else {"nodes": [], "edges": []}
    edges = document.get("edges", [])
    document["truncated"] = len(edges) > MAX_GRAPH_EDGES
    document["edges"] = edges[:MAX_GRAPH_EDGES]
    return document


def snapshots(
    conn: duckdb.DuckDBPyConnection, scope: str | None = None, limit: int = 100
) -> dict[str, Any]:
    """`/snapshots`: stored snapshots, newest first, without their bodies."""
    rows = views.snapshot_rows(conn, scope, max(1, min(limit, 1000)))
    return {
        "items": [
            {
                "snapshotId": i,
                "scope": s,
                "createdAt": iso(c),
                "contentHash": h,
                "nodeCount": n,
                "edgeCount": e,
                "runId": r,
            }
            for i, s, c, h, n, e, r in rows
        ]
    }


def _snapshot(
    conn: duckdb.DuckDBPyConnection, scope: str, snapshot_id: str | None, offset: int
) -> tuple:
    if snapshot_id:
        row = views.snapshot_by_id(conn, scope, snapshot_id)
        if row is None:
            raise UnknownName(f"snapshot of {scope}", snapshot_id, views.snapshot_ids(conn, scope))
        return row[0], json.loads(row[1])
    row = views.snapshot_back(conn, scope, offset)
    return (row[0], json.loads(row[1])) if row else (None, None)


def snapshot_diff(
    conn: duckdb.DuckDBPyConnection, scope: str, old: str | None = None, new: str | None = None
) -> dict[str, Any]:
    """`/snapshots/diff`: what changed between two snapshots of a scope (default: the last two)."""

    scopes = views.snapshot_scopes(conn)
    if scope not in scopes:
        raise UnknownName("snapshot scope", scope, scopes)
    new_id, new_doc = _snapshot(conn, scope, new, 0)
    old_id, old_doc = _snapshot(conn, scope, old, 1)
    return {"scope": scope, "from": old_id, "to": new_id, "diff": diff(old_doc, new_doc or {})}
