"""`lineage-assets query | init`: read-only SQL over the published store, and creating or
migrating the store."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from lineage_assets import config
from lineage_assets.cli.output import ROW_FORMATS, error, print_rows
from lineage_assets.isolated import address_space_cap
from lineage_assets.store import connect_published, open_store
from lineage_assets.store.configured import describe
from lineage_assets.store.console import run_read_query
from lineage_assets.store.lake import AsOf

QUERY_ADDRESS_SPACE = 2  # times LINEAGE_QUERY_MEMORY: DuckDB's buffers, then rows held for printing
# What a thread started under the cap reserves without using it: glibc's malloc arena (64 MiB)
# and its stack (8 MiB). DuckDB's workers and the deadline watcher each need one, or the process
# aborts ("cannot allocate memory for thread-local data") instead of answering out of memory.
THREAD_RESERVATION = 72 * 2**20
QUERY_USAGE = (
    'usage: lineage-assets query "SELECT ..." (read-only SQL over the published store; '
    'try "SHOW TABLES")'
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `query` and `init` to the command line."""
    query = sub.add_parser("query", help="run SQL over the published store (read-only)")
    query.add_argument("sql", help='the SQL to run, e.g. "select * from lineage_edges limit 5"')
    query.add_argument("--format", choices=ROW_FORMATS, default="table")
    query.add_argument(
        "--as-of",
        type=as_of_value,
        default=None,
        metavar="SNAPSHOT|TIME",
        help="read the lake as it was at a snapshot id or an ISO time (DuckLake backend only)",
    )
    query.set_defaults(func=cmd_query)

    init = sub.add_parser("init", help="create or migrate the store and publish its copy")
    init.set_defaults(func=cmd_init)


def cmd_query(args: argparse.Namespace) -> int:
    """Run vetted read-only SQL against the published copy (never the live file, never a lock)."""
    if not args.sql.strip():
        print(QUERY_USAGE, file=sys.stderr)
        return 2
    memory = config.query_memory_bytes()
    with connect_published(config.published_path(), as_of=args.as_of) as conn:
        threads = int(conn.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[index]
        headroom = QUERY_ADDRESS_SPACE * memory + THREAD_RESERVATION * (threads + 1)
        try:
            # DuckDB's memory_limit leaves out results buffered for fetching: the process's
            # address space is capped too, so a query past both ends in an out-of-memory line.
            with address_space_cap(headroom):
                result = run_read_query(conn, args.sql)
        except MemoryError:
            return error("the query needed more memory than LINEAGE_QUERY_MEMORY allows", 2)
    print_rows(result.columns, result.rows, args.format)
    if result.truncated:
        print(
            f"note: only the first {len(result.rows):,} rows are shown; add a LIMIT or aggregate",
            file=sys.stderr,
        )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Create or migrate the store and publish its read-only copy."""
    with open_store() as store:
        published = store.publish()
    copy = f"published {published}" if published else "readers attach it read-only"
    print(f"store {describe()} is migrated; {copy}")
    return 0


def as_of_value(text: str) -> AsOf:
    """A snapshot id (digits) or an ISO 8601 time, for `--as-of`."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a snapshot id nor an ISO time (2026-01-31T12:00:00+00:00)"
        ) from None
