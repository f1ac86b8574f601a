"""`lineage-assets openlineage`: send the store's lineage as OpenLineage events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lineage_assets import config
from lineage_assets.cli.output import error, print_json


def cmd_openlineage(args: argparse.Namespace) -> int:
    """Export what changed since the last export (everything with --full); 1 on failures."""
    from lineage_assets.openlineage import emit  # the client loads only for this command
    from lineage_assets.openlineage.export import run_export

    to = Path(args.to).expanduser().resolve() if args.to else None
    if emit.disabled():
        return error("OPENLINEAGE_DISABLED=true: the client would send nothing", 2)
    if to is None and args.url is None and emit.configured_transport() is None:
        return error(
            "no OpenLineage transport: pass --to DIR or --url URL, or set "
            "OPENLINEAGE_CONFIG, OPENLINEAGE__TRANSPORT__TYPE or OPENLINEAGE_URL",
            2,
        )
    report = run_export(config.lineage_home(), to=to, url=args.url, full=args.full)
    print_json(report.summary())
    for line in report.failed:
        print(line, file=sys.stderr)
    return 1 if report.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `openlineage` to the command line."""
    command = sub.add_parser(
        "openlineage",
        help="send lineage as OpenLineage events (new and changed ones since the last export)",
    )
    where = command.add_mutually_exclusive_group()
    where.add_argument("--to", help="folder to write events.jsonl into (file transport)")
    where.add_argument("--url", help="OpenLineage HTTP endpoint base, e.g. http://marquez:5000")
    command.add_argument(
        "--full", action="store_true", help="send every event, not only changed ones"
    )
    command.set_defaults(func=cmd_openlineage)
