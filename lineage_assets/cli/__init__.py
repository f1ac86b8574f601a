"""`lineage-assets`: one module per command group, registered on one parser here.

`store` (query, init), `sql` (sql, sql-sync), `sagemaker`, `s3`, `graph` (graph, graph-diff,
impact, pii-exposure), `openlineage`, and the API's `serve`. Printing lives in `output`; a
command loads boto3, pyarrow's filesystem or the OpenLineage client only when it needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import duckdb

from lineage_assets import config
from lineage_assets.api import command as api_command
from lineage_assets.cli import graph, openlineage, s3, sagemaker, sql, store
from lineage_assets.cli.output import error, one_line
from lineage_assets.store import StoreError

# Commands of a checkout's development package, not of the installed product.
CHECKOUT_ONLY = {
    "demo": "emulator + SQL git remote + dagster dev",
    "emulator": "the local AWS emulator",
}


def cmd_checkout_only(args: argparse.Namespace) -> int:
    """Point at the development package that runs this command from a checkout."""
    return error(
        f"`lineage-assets {args.command}` runs from a checkout of the repository: "
        f"`make demo`, or `.venv/bin/python -m lineage_dev {args.command}` at its root",
        2,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job a user has."""
    parser = argparse.ArgumentParser(
        prog="lineage-assets",
        description="Lineage for SageMaker pipelines, SQL and S3 datasets, stored in DuckDB.",
        epilog="Environment: "
        + "; ".join(f"{s.name} (default {s.default})" for s in config.SETTINGS),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (store, sql, sagemaker, s3, graph, openlineage, api_command):
        group.register(sub)
    for name, text in CHECKOUT_ONLY.items():
        command = sub.add_parser(name, help=f"{text} (from a checkout: make demo)", add_help=False)
        command.set_defaults(func=cmd_checkout_only, delegates=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m lineage_assets`."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "delegates", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except BrokenPipeError:  # `lineage-assets query … | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (StoreError, duckdb.Error, OSError, config.ConfigError) as failure:
        return error(one_line(failure), 2)
    except Exception as failure:
        if sys.flags.dev_mode:  # `python -X dev -m lineage_assets …` shows the traceback
            raise
        return error(f"{type(failure).__name__}: {one_line(failure)}", 1)


if __name__ == "__main__":
    raise SystemExit(main())
