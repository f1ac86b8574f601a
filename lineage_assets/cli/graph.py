"""`lineage-assets graph | graph-diff | impact | pii-exposure`: the graph from the published
store — a pipeline's or the global snapshot (as of a run), diffs between runs, impact walks,
and which datasets, feature groups and models carry personal data."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets import config
from lineage_assets.cli.names import names_checked
from lineage_assets.cli.output import print_json
from lineage_assets.contract import UnknownName, catalog
from lineage_assets.core.text import printable
from lineage_assets.graph import snapshot, svg
from lineage_assets.graph import views as graph_views
from lineage_assets.sagemaker.inventory import parse_pipeline_source_key
from lineage_assets.store import StoreError, connect_published
from lineage_assets.store import views as store_views

VIEW_KEYS = {"pipeline": ("graphPipeline", "graph"), "data": ("graphData",)}


def _run_time(conn: duckdb.DuckDBPyConnection, run: str) -> datetime:
    """When a crawl run (by its id or its Dagster run id) finished, for `--as-of`."""
    finished = store_views.crawl_run_time(conn, run)
    if finished is None:
        raise UnknownName("crawl run", run, store_views.crawl_run_names(conn))
    return finished


def _names_pipeline(scope: str, pipeline: str, region: str | None) -> bool:
    """Whether a snapshot scope is `sagemaker:<any account>/<region, any unless given>/
    <pipeline>` (accounts and regions hold no `/`)."""
    parts = parse_pipeline_source_key(scope)
    return parts is not None and parts[2] == pipeline and region in (None, parts[1])


def _scope(conn: duckdb.DuckDBPyConnection, pipeline: str | None, region: str | None) -> str:
    """The snapshot scope of a pipeline name (any account, any region unless given), or the
    global one. The name matches whole (`b` never finds `a/b`)."""
    if not pipeline:
        return snapshot.GLOBAL_SCOPE
    scopes = set(graph_views.snapshot_scopes(conn))
    found = sorted(s for s in scopes if _names_pipeline(s, pipeline, region))
    if not found:
        _unknown_pipeline(conn, pipeline, region)
    if len(found) > 1:
        raise StoreError(
            f"pipeline {pipeline!r}: {len(found)} snapshots match ({', '.join(found)}); "
            "give --region"
        )
    return found[0]


def _unknown_pipeline(conn: duckdb.DuckDBPyConnection, pipeline: str, region: str | None) -> None:
    """Why a pipeline has no snapshot: crawled but not yet drawn (StoreError), or unknown
    (UnknownName with the close matches among the pipelines that have one). The SageMaker
    reads load botocore, so they are imported only on this error path."""
    from lineage_assets.sagemaker.views import pipeline_regions

    regions = pipeline_regions(conn, pipeline)
    crawled = bool(regions) if region is None else region in regions
    if crawled:
        raise StoreError(f"pipeline {pipeline!r} has no graph snapshot yet: run lineage_graph")
    parts = [parse_pipeline_source_key(s) for s in graph_views.snapshot_scopes(conn)]
    names = [p[2] for p in parts if p is not None and region in (None, p[1])]
    where = f" in {region}" if region else ""
    raise UnknownName(f"pipeline{where}", pipeline, names)


def _document(conn: duckdb.DuckDBPyConnection, scope: str, as_of: str | None) -> dict[str, Any]:
    """The scope's newest snapshot, or the newest before a crawl run finished."""
    before = _run_time(conn, as_of) if as_of else None
    document = snapshot.latest(conn, scope, before)
    if document is None:
        raise StoreError(f"no graph snapshot of {scope}{f' as of {as_of}' if as_of else ''}")
    return document


def _view(document: dict[str, Any], view: str) -> dict[str, Any]:
    """The contract keys of one view (the global snapshot has no views)."""
    if view == "both" or "graphPipeline" not in document:
        return document
    keep = VIEW_KEYS[view]
    return {k: v for k, v in document.items() if k in keep or not k.startswith("graph")}


@names_checked
def cmd_graph(args: argparse.Namespace) -> int:
    """Print a snapshot as JSON or SVG."""
    with connect_published(config.published_path()) as conn:
        document = _document(conn, _scope(conn, args.pipeline, args.region), args.as_of)
    if args.format == "svg":
        if "graphPipeline" not in document:
            raise StoreError("--format svg draws one pipeline: give --pipeline")
        print(svg.render(document, args.view))
    else:
        print_json(_view(document, args.view), sort_keys=True)
    return 0


@names_checked
def cmd_graph_diff(args: argparse.Namespace) -> int:
    """Print what changed in a snapshot between two runs."""
    with connect_published(config.published_path()) as conn:
        scope = _scope(conn, args.pipeline, args.region)
        old, new = _document(conn, scope, args.run_a), _document(conn, scope, args.run_b)
    print_json(snapshot.diff(old, new))
    return 0


@names_checked
def cmd_impact(args: argparse.Namespace) -> int:
    """Everything downstream (default) or upstream of a node, nearest first."""
    direction = "upstream" if args.upstream else "downstream"
    with connect_published(config.published_path()) as conn:
        found = catalog.impact(conn, args.node, direction, args.depth)
    for row in found["nodes"]:  # node ids hold S3 keys: any character, escapes too
        path = " → ".join(row["path"])
        print(f"{row['depth']}\t{printable(row['node'])}\t{printable(path)}")
    return 0


def cmd_pii_exposure(args: argparse.Namespace) -> int:
    """Datasets, tables, feature groups and model packages that carry personal data."""
    with connect_published(config.published_path()) as conn:
        found = graph_views.exposure_by_kind(conn)
    rows = [
        {
            "node": row.node,
            "node_kind": row.node_kind,
            "exposure": row.exposure,
            "pii_classes": row.pii_classes,
            "approval_status": row.approval_status,
            "via_node": row.via_node,
            "path": row.path,
        }
        for row in found
    ]
    print_json(rows)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the graph commands to the CLI."""
    graph = sub.add_parser("graph", help="a pipeline's (or the global) lineage snapshot")
    graph.add_argument("--pipeline", help="pipeline name (default: the global graph)")
    graph.add_argument("--region", help="the pipeline's region, if its name is not unique")
    graph.add_argument("--view", choices=["pipeline", "data", "both"], default="both")
    graph.add_argument("--as-of", help="a crawl run id or Dagster run id")
    graph.add_argument("--format", choices=["json", "svg"], default="json")
    graph.set_defaults(func=cmd_graph)

    changed = sub.add_parser("graph-diff", help="what changed in a snapshot between two runs")
    changed.add_argument("run_a")
    changed.add_argument("run_b")
    changed.add_argument("--pipeline")
    changed.add_argument("--region")
    changed.set_defaults(func=cmd_graph_diff)

    impact = sub.add_parser("impact", help="everything downstream (or upstream) of a node")
    impact.add_argument("node", help="a node id, e.g. table:analytics.orders or data:s3://b/p/")
    direction = impact.add_mutually_exclusive_group()
    direction.add_argument("--downstream", action="store_true", default=True)
    direction.add_argument("--upstream", action="store_true")
    impact.add_argument(
        "--depth", type=int, default=20, help=f"at most {catalog.MAX_IMPACT_DEPTH} edges away"
    )
    impact.set_defaults(func=cmd_impact)

    exposure = sub.add_parser("pii-exposure", help="what contains or was trained on PII")
    exposure.set_defaults(func=cmd_pii_exposure)
