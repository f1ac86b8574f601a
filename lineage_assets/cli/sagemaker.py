"""`lineage-assets sagemaker list|lineage`: the old service's pipeline list and lineage JSON.

By default both read the published store (the lineage through the contract builder, the same
document the API serves); `--live` asks SageMaker instead (boto3's credential chain), and
`lineage --definition FILE` resolves a definition file offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import duckdb

from lineage_assets import config
from lineage_assets.cli.names import names_checked
from lineage_assets.cli.output import error, print_json
from lineage_assets.contract import AmbiguousName, Request, UnknownName, build_lineage, catalog
from lineage_assets.sagemaker.bounds import MAX_DEFINITION_CHARS, clip
from lineage_assets.store import StoreError, connect_published

# The views of a lineage document (the contract's VIEWS), named here so that building the
# parser loads none of the SageMaker reads and clients.
VIEWS = ("pipeline", "data", "both")
LIVE_HELP = "ask SageMaker now (AWS credentials) instead of reading the published store"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `sagemaker list` and `sagemaker lineage` to the `lineage-assets` command line."""
    sagemaker = subparsers.add_parser("sagemaker", help="SageMaker pipelines and their lineage")
    commands = sagemaker.add_subparsers(dest="sagemaker_command", required=True)
    listing = commands.add_parser("list", help="pipelines per region with tags and domain")
    listing.add_argument(
        "--region",
        action="append",
        help="region to list (repeatable); default every crawled region (--live: "
        "LINEAGE_AWS_REGIONS)",
    )
    listing.add_argument("--domain", help="only pipelines of this Studio domain (id or name)")
    listing.add_argument("--name", help="only pipelines whose name contains this (any case)")
    listing.add_argument("--live", action="store_true", help=LIVE_HELP)
    listing.set_defaults(func=cmd_list)
    lineage = commands.add_parser("lineage", help="a pipeline's lineage JSON (graphPipeline/Data)")
    lineage.add_argument("name", nargs="?", help="pipeline name (not needed with --definition)")
    lineage.add_argument(
        "--region",
        help="the pipeline's region if its name is in several (--live: default the "
        "first configured)",
    )
    lineage.add_argument(
        "--account", help="the pipeline's AWS account id if its name is in several (stored only)"
    )
    lineage.add_argument("--view", choices=VIEWS, default="both")
    lineage.add_argument(
        "--latest-exec", action="store_true", help="resolve with the latest execution's run"
    )
    lineage.add_argument(
        "--execution", metavar="ARN|ID", help="as of this execution: the definition it ran"
    )
    source = lineage.add_mutually_exclusive_group()
    source.add_argument("--live", action="store_true", help=LIVE_HELP)
    source.add_argument("--definition", type=Path, help="resolve this definition JSON offline")
    lineage.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="parameter value (offline)"
    )
    lineage.set_defaults(func=cmd_lineage)


def _region_listing(region: str, domain: str | None, name: str | None) -> dict[str, Any]:
    """One region's pipelines, filtered by name substring and domain id/name."""
    from lineage_assets import aws  # boto3 loads only for --live
    from lineage_assets.sagemaker.crawl import caller_account
    from lineage_assets.sagemaker.inventory import (
        list_domains,
        list_pipeline_summaries,
        list_tags,
        match_domain,
    )

    sagemaker = aws.client("sagemaker", region)
    try:
        domains = list_domains(sagemaker, caller_account(aws.client, region), region)
        pipelines = []
        for summary in list_pipeline_summaries(sagemaker):
            if name and name.lower() not in summary["PipelineName"].lower():
                continue
            tags = list_tags(sagemaker, summary["PipelineArn"])
            matched = match_domain(tags, domains)
            labels = (
                (matched.domain_id.lower(), (matched.domain_name or "").lower()) if matched else ()
            )
            if domain and domain.lower() not in labels:
                continue
            pipelines.append(
                {
                    "name": summary["PipelineName"],
                    "arn": summary["PipelineArn"],
                    "lastModifiedTime": summary.get("LastModifiedTime"),
                    "lastExecutionTime": summary.get("LastExecutionTime"),
                    "tags": tags or None,
                    "matchedDomain": {
                        "DomainId": matched.domain_id,
                        "DomainName": matched.domain_name,
                    }
                    if matched
                    else None,
                }
            )
    except aws.AWS_ERRORS as failure:
        return {"region": region, "error": f"{aws.error_code(failure)}: {failure}", "pipelines": []}
    return {"region": region, "pipelines": pipelines}


def _live_listing(args: argparse.Namespace) -> dict[str, Any]:
    """Every asked (or configured) region's pipelines, straight from SageMaker."""
    regions = [r for value in args.region or [] for r in value.split(",") if r] or (
        config.aws_regions()
    )
    return {"regions": [_region_listing(r, args.domain, args.name) for r in regions]}


def _domain_labels(entry: dict[str, Any]) -> set[str]:
    """The names a listed pipeline's domain answers to: its id and name, and its tag."""
    matched = entry.get("matchedDomain") or {}
    labels = {matched.get("DomainId"), matched.get("DomainName")}
    labels.add((entry.get("tags") or {}).get("DomainName"))
    return {label for label in labels if label}


def _in_domain(entry: dict[str, Any], domain: str) -> bool:
    """Whether a listed pipeline belongs to the domain (id or name, any case)."""
    return domain.lower() in {label.lower() for label in _domain_labels(entry)}


def _stored_listing(args: argparse.Namespace) -> dict[str, Any]:
    """The crawled pipelines by region from the published store (what the API lists); an
    unknown `--domain` is an UnknownName with its close matches."""
    regions = [r for value in args.region or [] for r in value.split(",") if r]
    with connect_published(config.published_path()) as conn:
        listing = catalog.list_pipelines(conn, regions, name=args.name)
        everything = catalog.list_pipelines(conn)["regions"] if args.domain else []
    if not args.domain:
        return listing
    entries = [entry for region in everything for entry in region["pipelines"]]
    if not any(_in_domain(entry, args.domain) for entry in entries):
        known = sorted({label for entry in entries for label in _domain_labels(entry)})
        raise UnknownName("domain", args.domain, known)
    for region in listing["regions"]:
        region["pipelines"] = [e for e in region["pipelines"] if _in_domain(e, args.domain)]
    return listing


@names_checked
def cmd_list(args: argparse.Namespace) -> int:
    """Print the pipelines of every region (a failing live region is reported in place)."""
    print_json(_live_listing(args) if args.live else _stored_listing(args))
    return 0


def _parameters(pairs: list[str]) -> dict[str, str]:
    """`K=V` pairs as a dict; ValueError naming the bad pair."""
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {pair!r} is not K=V")
        values[key] = value
    return values


def _offline(args: argparse.Namespace) -> int:
    """Resolve a definition file with the given parameter values."""
    from lineage_assets.contract.definition import pipeline_lineage

    try:
        parameters = _parameters(args.param)
        with args.definition.open("rb") as handle:  # UTF-8 takes at most 4 bytes a character
            data = handle.read(4 * MAX_DEFINITION_CHARS + 1)
        if len(data) > 4 * MAX_DEFINITION_CHARS:
            return error(f"{args.definition} is larger than any pipeline definition", 2)
        text = data.decode("utf-8")
    except ValueError as failure:  # UnicodeDecodeError included
        return error(clip(str(failure)), 2)
    except OSError as failure:
        return error(f"cannot read definition {args.definition}: {failure.strerror or failure}", 2)
    result = pipeline_lineage(text, parameters, view=args.view)
    for warning in result["warnings"]:
        print(f"warning: {args.definition}: {warning}", file=sys.stderr)
    print_json(result)
    return 0


def _only_region(conn: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The one region holding a pipeline of that name (None when none does, so the lookup
    names close matches); StoreError when several do."""
    from lineage_assets.sagemaker.views import pipeline_regions

    regions = pipeline_regions(conn, name)
    if len(regions) > 1:
        raise StoreError(f"pipeline {name!r} is in {', '.join(regions)}: give --region")
    return regions[0] if regions else None


def _stored(args: argparse.Namespace) -> dict[str, Any]:
    """The pipeline's contract document from the published store."""
    with connect_published(config.published_path()) as conn:
        region = args.region or _only_region(conn, args.name)
        request = Request(
            args.name, region, args.view, args.latest_exec, args.execution, args.account
        )
        try:
            return build_lineage(conn, request)
        except AmbiguousName as several:  # one region, several accounts
            listed = ", ".join(several.regions)
            raise StoreError(f"pipeline {args.name!r} is in {listed}: give --account") from None


@names_checked
def cmd_lineage(args: argparse.Namespace) -> int:
    """Print one pipeline's lineage JSON: stored, live with --live, or offline with
    --definition."""
    if args.definition is not None:
        return _offline(args)
    if not args.name:
        return error("give a pipeline NAME or --definition FILE", 2)
    if args.param:
        return error("--param only applies with --definition (runs use their own)", 2)
    if not args.live:
        print_json(_stored(args))
        return 0
    if args.execution:
        return error("--execution reads the store; --live resolves the latest execution", 2)
    return _live(args)


def _live(args: argparse.Namespace) -> int:
    """One pipeline's lineage crawled from SageMaker now."""
    from lineage_assets import aws  # boto3 loads only for --live
    from lineage_assets.contract.definition import execution_lineage, pipeline_lineage
    from lineage_assets.sagemaker.crawl import caller_account
    from lineage_assets.sagemaker.fetch import crawl_pipeline
    from lineage_assets.sagemaker.inventory import list_pipeline_summaries
    from lineage_assets.sagemaker.records import feature_store_uris

    region = args.region or config.aws_regions()[0]
    sagemaker = aws.client("sagemaker", region)
    try:
        summaries = list(list_pipeline_summaries(sagemaker))
        summary = next((s for s in summaries if s["PipelineName"] == args.name), None)
        if summary is None:
            raise UnknownName(
                f"pipeline in {region}", args.name, [s["PipelineName"] for s in summaries]
            )
        crawl = crawl_pipeline(
            sagemaker,
            caller_account(aws.client, region),
            region,
            summary,
            [],
            executions=1 if args.latest_exec else 0,
            s3=aws.client("s3", region) if args.latest_exec else None,
        )
    except UnknownName:
        raise
    except Exception as failure:  # AWS said no, or the definition is beyond the bounds
        code = getattr(failure, "code", None) or aws.error_code(failure)
        return error(clip(f"{args.name} in {region}: {code}: {failure}"))
    assert crawl is not None  # no previous state given, so never "unchanged"
    if crawl.executions:
        result = execution_lineage(crawl, crawl.executions[0], args.view)
    else:
        result = pipeline_lineage(
            crawl.pipeline.definition, view=args.view, feature_store_uris=feature_store_uris(crawl)
        )
    crawled = [warning.message for warning in crawl.warnings]
    result["warnings"] = list(dict.fromkeys(result["warnings"] + crawled))
    result["pipeline"] = {
        "name": crawl.pipeline.name,
        "arn": crawl.pipeline.arn,
        "region": region,
        "lastModifiedTime": summary.get("LastModifiedTime"),
    }
    print_json(result)
    return 0
