"""`lineage-assets sql FILE|- | sql-sync`: the table and column lineage of a SQL script
(exit 1 when any statement has an error; the lineage of the others is still printed), and the
sync of the SQL git repository into the store.

A sync loads neither boto3, pyarrow's filesystem nor the OpenLineage client."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lineage_assets import config, isolated
from lineage_assets.cli.output import error, print_json
from lineage_assets.sql import ScriptLineage, extract_lineage
from lineage_assets.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `sql` and `sql-sync` to the `lineage-assets` command line."""
    parser = subparsers.add_parser("sql", help="print the table and column lineage of SQL")
    parser.add_argument("file", help="a SQL file, or - for standard input")
    parser.add_argument("--dialect", default=None, help="sqlglot dialect (athena, spark, …)")
    parser.add_argument("--schema", default=None, help='JSON {"db.table": {"col": "type"}}')
    parser.add_argument("--format", choices=["json", "table"], default="json")
    parser.set_defaults(func=cmd_sql)

    sync = subparsers.add_parser("sql-sync", help="sync the SQL git repository into the store")
    sync.add_argument("--repo", help="remote URL or path (default: $LINEAGE_SQL_REPO)")
    sync.add_argument("--ref", default="main", help="branch, tag or commit (default: main)")
    sync.add_argument("--dialect", help="default SQL dialect (else the repo's .lineage.toml)")
    sync.add_argument("--name", help="stable repository name used in source keys")
    sync.add_argument("--dbt-target", help="dbt target name models are named for (default: prod)")
    sync.add_argument("--dbt-database", help="the dbt target's database (default: none)")
    sync.add_argument("--dbt-schema", help="the dbt target's schema (default: analytics)")
    sync.set_defaults(func=cmd_sql_sync)


def cmd_sql(args: argparse.Namespace) -> int:
    """Analyse the script and print it; exit 1 if a statement failed, 2 if it is unreadable."""
    try:
        sql = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(errors="replace")
        schema = json.loads(Path(args.schema).read_text()) if args.schema else None
    except (OSError, json.JSONDecodeError) as failure:
        return error(str(failure), 2)
    if schema is not None and not isinstance(schema, dict):
        return error(f"{args.schema}: the schema must be a JSON object", 2)
    try:  # in a worker killed after LINEAGE_QUERY_TIMEOUT or past LINEAGE_QUERY_MEMORY
        workers = isolated.shared_pool(config.query_memory_bytes())
        lineage = workers.call(
            extract_lineage, sql, args.dialect, schema, timeout_s=config.query_timeout_s(),
            what="SQL parse",
        )  # fmt: skip
    except isolated.IsolationError as failure:
        return error(f"{args.file}: {failure}", 2)
    if args.format == "json":
        print_json(lineage.to_dict())
    else:
        print(as_table(lineage))
    for message in lineage.errors:
        print(f"error: {args.file}: {message}", file=sys.stderr)
    return 1 if lineage.errors else 0


def cmd_sql_sync(args: argparse.Namespace) -> int:
    """Sync the SQL repository into the store outside Dagster and print what changed."""
    from lineage_assets.git_sql.repository import GitSourceConfig, environment_token
    from lineage_assets.git_sql.sync import sync_repository

    remote = args.repo or config.sql_repo()
    if not args.repo and not config.env("LINEAGE_SQL_REPO", "") and not Path(remote).exists():
        return error(
            f"no SQL repository: set LINEAGE_SQL_REPO or pass --repo "
            f"(the default {remote} does not exist)",
            2,
        )
    token_env = config.env("LINEAGE_GIT_TOKEN_ENV", "LINEAGE_GIT_TOKEN")
    source = GitSourceConfig(
        remote=remote,
        ref=args.ref,
        dialect=args.dialect,
        token=environment_token(token_env),
        name=args.name,
        token_env=token_env,
        dbt_target=args.dbt_target,
        dbt_database=args.dbt_database,
        dbt_schema=args.dbt_schema,
    )
    with open_store() as store:
        run_id = store.begin_run("cli:sql-sync")
        result = sync_repository(source, store, config.lineage_home() / "git", run_id)
        store.finish_run(run_id)
        store.publish()
    print_json(result.summary())
    for line in result.parse_errors + result.warnings:
        print(line, file=sys.stderr)
    return 1 if result.error else 0


def as_table(lineage: ScriptLineage) -> str:
    """The lineage as aligned text: one line per statement, then the script's column edges."""
    lines = ["line   kind                         targets <- sources"]
    for statement in lineage.statements:
        where = f"{statement.start_line}-{statement.end_line}"
        if statement.error:
            lines.append(f"{where:<6} {statement.kind:<28} ERROR {statement.error}")
            continue
        flow = f"{', '.join(statement.targets) or '-'} <- {', '.join(statement.sources) or '-'}"
        lines.append(f"{where:<6} {statement.kind:<28} {flow}")
    lines.append("")
    lines.append(f"targets: {', '.join(lineage.targets) or '-'}")
    lines.append(f"sources: {', '.join(lineage.sources) or '-'}")
    width = max((len(e.target) for e in lineage.column_lineage), default=0)
    lines.extend(
        f"{e.target:<{width}} <- {e.source}  ({e.transform})" for e in lineage.column_lineage
    )
    lines.extend(f"warning: {w}" for w in lineage.warnings)
    return "\n".join(lines)
