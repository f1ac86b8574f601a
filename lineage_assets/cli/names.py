"""How the CLI answers a name the store does not know: one line on stderr with the close
matches the contract found (`UnknownName`, the same the API's 404 carries), and exit 1."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable

from lineage_assets.cli.output import error
from lineage_assets.contract import UnknownName
from lineage_assets.core.text import printable

UNKNOWN_NAME_EXIT = 1
Command = Callable[[argparse.Namespace], int]
# Where to look when nothing is close, by the kind of name (its first word).
LISTINGS = {
    "pipeline": "`lineage-assets sagemaker list` shows the crawled pipelines",
    "domain": "`lineage-assets sagemaker list` shows the pipelines' domains",
    "execution": "`lineage-assets sagemaker lineage NAME --latest-exec` shows the newest",
    "node": "`lineage-assets graph` lists the nodes",
    "crawl": '`lineage-assets query "select run_id from crawl_runs"` lists the runs',
    "dataset": '`lineage-assets query "select dataset_uri from s3_datasets"` lists them',
    "schema": "`lineage-assets s3 schema URI --versions` lists the versions",
}


def report_unknown(unknown: UnknownName) -> int:
    """Print the unknown name with its close matches (or where to look when none is close)
    on one line, control characters escaped; returns the exit code."""
    hint = LISTINGS.get(unknown.kind.split(" ", 1)[0]) if not unknown.matches else None
    return error(f"{printable(str(unknown))}{f' ({hint})' if hint else ''}", UNKNOWN_NAME_EXIT)


def names_checked(command: Command) -> Command:
    """A command whose unknown pipeline, node, run or snapshot is reported by `report_unknown`."""

    @functools.wraps(command)
    def checked(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except UnknownName as unknown:
            return report_unknown(unknown)

    return checked
