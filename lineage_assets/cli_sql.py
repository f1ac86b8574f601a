"""`lineage-assets sql FILE|-`: print the table and column lineage of a SQL script.

Exit code 1 when any statement has an error (the lineage of the others is still printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lineage_assets import config, isolated
from lineage_assets.sql import ScriptLineage, extract_lineage


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sql` subcommand to the `lineage-assets` command line."""
    parser = subparsers.add_parser("sql", help="print the table and column lineage of SQL")
    parser.add_argument("file", help="a SQL file, or - for standard input")
    parser.add_argument("--dialect", default=None, help="sqlglot dialect (athena, spark, …)")
    parser.add_argument("--schema", default=None, help='JSON {"db.table": {"col": "type"}}')
    parser.add_argument("--format", choices=["json", "table"], default="json")
    parser.set_defaults(func=cmd_sql)


def cmd_sql(args: argparse.Namespace) -> int:
    """Analyse the script and print it; exit 1 if a statement failed, 2 if it is unreadable."""
    try:
        sql = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(errors="replace")
        schema = json.loads(Path(args.schema).read_text()) if args.schema else None
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if schema is not None and not isinstance(schema, dict):
        print(f"error: {args.schema}: the schema must be a JSON object", file=sys.stderr)
        return 2
    try:  # in a worker killed after LINEAGE_QUERY_TIMEOUT or past LINEAGE_QUERY_MEMORY
        workers = isolated.shared_pool(config.query_memory_bytes())
        lineage = workers.call(
            extract_lineage, sql, args.dialect, schema, timeout_s=config.query_timeout_s(),
            what="SQL parse",
        )  # fmt: skip
    except isolated.IsolationError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(lineage.to_dict(), indent=2))
    else:
        print(as_table(lineage))
    for error in lineage.errors:
        print(f"error: {args.file}: {error}", file=sys.stderr)
    return 1 if lineage.errors else 0


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
