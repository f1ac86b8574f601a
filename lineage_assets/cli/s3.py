"""`lineage-assets s3 schema s3://bucket/prefix [--versions] [--version V]`: a dataset's
latest or chosen schema version (with PII classes), or its version history, from the
published store (the old `/datasets/{bucket}/{prefix}/schema` and `/versions`)."""

from __future__ import annotations

import argparse

from lineage_assets import config
from lineage_assets.cli.names import names_checked
from lineage_assets.cli.output import ROW_FORMATS, error, print_rows, record_rows
from lineage_assets.contract import UnknownName
from lineage_assets.store import connect_published


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `s3 schema` to the `lineage-assets` command line."""
    s3 = subparsers.add_parser("s3", help="S3 dataset schemas from the published store")
    s3_commands = s3.add_subparsers(dest="s3_command", required=True)
    schema = s3_commands.add_parser("schema", help="a dataset's schema or its versions")
    schema.add_argument("uri", help="the dataset, s3://bucket/prefix")
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--versions", action="store_true", help="list every version")
    which.add_argument("--version", default=None, help="show this version instead of the latest")
    schema.add_argument("--format", choices=ROW_FORMATS, default="table")
    schema.set_defaults(func=cmd_schema)


def _candidates(uri: str) -> list[str]:
    """The stored spellings to try: as given (normalised), then with/without a trailing `/`."""
    from lineage_assets.s3_schema.listing import parse_s3_uri

    normalised = parse_s3_uri(uri).uri
    other = normalised[:-1] if normalised.endswith("/") else normalised + "/"
    return [normalised, other]


@names_checked
def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema or versions; 1 (with close matches) when the dataset or version is
    unknown. The sampler's package (boto3, pyarrow's filesystem) loads only for this command."""
    from lineage_assets.s3_schema.views import (
        SchemaVersion,
        VersionColumn,
        current_version,
        known_datasets,
        version_columns,
        versions,
    )

    try:
        candidates = _candidates(args.uri)
    except ValueError as failure:
        return error(str(failure), 2)
    with connect_published(config.published_path()) as conn:
        for uri in candidates:
            latest = current_version(conn, uri)
            if latest is not None:
                break
        else:
            raise UnknownName("dataset", candidates[0], known_datasets(conn))
        if args.versions:
            columns, rows = record_rows(SchemaVersion, versions(conn, uri))
        else:
            chosen = version_columns(conn, uri, args.version or latest)
            if not chosen:
                known = [v.version for v in versions(conn, uri)]
                raise UnknownName(f"schema version of {uri}", args.version, known)
            columns, rows = record_rows(VersionColumn, chosen)
    if args.format == "table" and not args.versions:
        print(f"{uri}  version {args.version or latest}")
    print_rows(columns, rows, args.format)
    return 0
