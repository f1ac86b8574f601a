"""`lineage-assets`: query the published store, run the emulator and the demo.

Later domains add their own subcommands (sql, sagemaker, s3, graph) next to these.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from lineage_assets import cli_graph, cli_openlineage, cli_s3, cli_sagemaker, cli_sql, config
from lineage_assets.api import command as api_command
from lineage_assets.isolated import address_space_cap
from lineage_assets.s3_schema.listing import printable
from lineage_assets.store import LineageStore, StoreError, connect_published
from lineage_assets.store.console import run_read_query


def _cell(value: Any) -> str:
    """A value as table text: NULL, or its string with control and format characters (terminal
    escapes, newlines, right-to-left overrides: S3 keys and sampled column names hold them)
    escaped."""
    return "NULL" if value is None else printable(str(value))


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    """Rows as an aligned text table, a JSON array, or CSV; nothing reaches a terminal raw
    (JSON escapes by itself; CSV keeps values exact when written to a file or pipe)."""
    if fmt == "json":
        print(
            json.dumps(
                [dict(zip(columns, row, strict=True)) for row in rows], default=str, indent=2
            )
        )
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        if sys.stdout.isatty():
            writer.writerow([printable(c) for c in columns])
            writer.writerows([[_cell(v) if v is not None else "" for v in r] for r in rows])
            return
        writer.writerow(columns)
        writer.writerows(rows)
        return
    names = [printable(c) for c in columns]
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(names)]
    print("  ".join(c.ljust(w) for c, w in zip(names, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


QUERY_ADDRESS_SPACE = 2  # times LINEAGE_QUERY_MEMORY: DuckDB's buffers, then rows held for printing
QUERY_USAGE = (
    'usage: lineage-assets query "SELECT ..." (read-only SQL over the published store; '
    'try "SHOW TABLES")'
)


def cmd_query(args: argparse.Namespace) -> int:
    """Run vetted read-only SQL against the published copy (never the live file, never a lock)."""
    if not args.sql.strip():
        print(QUERY_USAGE, file=sys.stderr)
        return 2
    memory = config.query_memory_bytes()
    conn = connect_published(config.published_path())
    try:
        # DuckDB's memory_limit leaves out results buffered for fetching: the process's address
        # space is capped too, so a query past both ends in an out-of-memory line.
        with address_space_cap(QUERY_ADDRESS_SPACE * memory):
            result = run_read_query(conn, args.sql)
    except MemoryError:
        print(
            "error: the query needed more memory than LINEAGE_QUERY_MEMORY allows", file=sys.stderr
        )
        return 2
    finally:
        conn.close()
    _print_rows(result.columns, result.rows, args.format)
    if result.truncated:
        print(
            f"note: only the first {len(result.rows):,} rows are shown; add a LIMIT or aggregate",
            file=sys.stderr,
        )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Create or migrate the store and publish its read-only copy."""
    with LineageStore.open(config.duckdb_path(), config.published_path()) as store:
        published = store.publish()
    print(f"store {config.duckdb_path()} is migrated; published {published}")
    return 0


def cmd_sql_sync(args: argparse.Namespace) -> int:
    """Sync the SQL repository into the store outside Dagster and print what changed."""
    from lineage_assets.git_sql.repository import GitSourceConfig, environment_token
    from lineage_assets.git_sql.sync import sync_repository

    remote = args.repo or config.sql_repo()
    if not args.repo and not config.env("LINEAGE_SQL_REPO", "") and not Path(remote).exists():
        print(
            f"error: no SQL repository: set LINEAGE_SQL_REPO or pass --repo "
            f"(the default {remote} does not exist)",
            file=sys.stderr,
        )
        return 2
    source = GitSourceConfig(
        remote=remote,
        ref=args.ref,
        dialect=args.dialect,
        token=environment_token(config.env("LINEAGE_GIT_TOKEN_ENV", "LINEAGE_GIT_TOKEN")),
        name=args.name,
        token_env=config.env("LINEAGE_GIT_TOKEN_ENV", "LINEAGE_GIT_TOKEN"),
        dbt_target=args.dbt_target,
        dbt_database=args.dbt_database,
        dbt_schema=args.dbt_schema,
    )
    with LineageStore.open(config.duckdb_path(), config.published_path()) as store:
        run_id = store.begin_run("cli:sql-sync")
        result = sync_repository(source, store, config.lineage_home() / "git", run_id)
        store.finish_run(run_id)
        store.publish()
    print(json.dumps(result.summary(), indent=2))
    for line in result.parse_errors + result.warnings:
        print(line, file=sys.stderr)
    return 1 if result.error else 0


def cmd_emulator(args: argparse.Namespace) -> int:
    """Run the local AWS emulator (moto server seeded with a realistic account)."""
    from lineage_assets.emulator.server import main as emulator_main

    return emulator_main(args.extra)


def cmd_demo(args: argparse.Namespace) -> int:
    """Emulator + demo git remote + `dagster dev`, stopped together on Ctrl-C."""
    from lineage_assets.demo import main as demo_main

    return demo_main(args.extra)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job a user has."""
    parser = argparse.ArgumentParser(
        prog="lineage-assets",
        description="Lineage for SageMaker pipelines, SQL and S3 datasets, stored in DuckDB.",
        epilog="Environment: "
        + "; ".join(f"{s.name} (default {s.default})" for s in config.SETTINGS),
    )
    sub = parser.add_subparsers(dest="command", required=True)

    query = sub.add_parser("query", help="run SQL over the published store (read-only)")
    query.add_argument("sql", help='the SQL to run, e.g. "select * from lineage_edges limit 5"')
    query.add_argument("--format", choices=["table", "json", "csv"], default="table")
    query.set_defaults(func=cmd_query)

    init = sub.add_parser("init", help="create or migrate the store and publish its copy")
    init.set_defaults(func=cmd_init)

    sync = sub.add_parser("sql-sync", help="sync the SQL git repository into the store")
    sync.add_argument("--repo", help="remote URL or path (default: $LINEAGE_SQL_REPO)")
    sync.add_argument("--ref", default="main", help="branch, tag or commit (default: main)")
    sync.add_argument("--dialect", help="default SQL dialect (else the repo's .lineage.toml)")
    sync.add_argument("--name", help="stable repository name used in source keys")
    sync.add_argument("--dbt-target", help="dbt target name models are named for (default: prod)")
    sync.add_argument("--dbt-database", help="the dbt target's database (default: none)")
    sync.add_argument("--dbt-schema", help="the dbt target's schema (default: analytics)")
    sync.set_defaults(func=cmd_sql_sync)

    cli_sagemaker.register(sub)
    cli_s3.register(sub)
    cli_graph.register(sub)
    cli_sql.register(sub)
    cli_openlineage.register(sub)
    api_command.register(sub)

    for name, func, text in (
        ("emulator", cmd_emulator, "run the local AWS emulator (see --help after it)"),
        ("demo", cmd_demo, "emulator + SQL git remote + dagster dev"),
    ):
        # Their own parsers take the remaining arguments (`lineage-assets demo --help`).
        command = sub.add_parser(name, help=text, add_help=False)
        command.set_defaults(func=func, delegates=True)
    return parser


def one_line(error: BaseException) -> str:
    """An error's message on one line (DuckDB adds the query's text and a caret below it)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m lineage_assets`."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "delegates", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.func(args)
    except BrokenPipeError:  # `lineage-assets query … | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (StoreError, duckdb.Error, OSError, config.ConfigError) as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    except Exception as error:
        if sys.flags.dev_mode:  # `python -X dev -m lineage_assets …` shows the traceback
            raise
        print(f"error: {type(error).__name__}: {one_line(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
