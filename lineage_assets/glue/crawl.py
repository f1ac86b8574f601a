"""The catalog crawl of one account's region into a `RecordSink`: list databases, list each
database's tables once (GetTables returns whole definitions), write the tables that changed.

Incremental: a table whose definition hashes as the stored one (GetTables' own VersionId and
UpdateTime included) and whose last crawl succeeded is not rewritten, nor are its partitions
counted again, so an unchanged catalog costs one GetDatabases listing and one GetTables listing
per database. A table or database no longer listed is removed (never after a truncated
listing). One bad database or table is an error row naming it and the rest lands; its last
good rows stay, stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lineage_assets.aws import error_code
from lineage_assets.glue import views
from lineage_assets.glue.bounds import MAX_COLUMNS, clip
from lineage_assets.glue.clients import ClientFactory, GlueClient
from lineage_assets.glue.fetch import count_partitions, list_databases, list_tables
from lineage_assets.glue.ids import (
    DATABASE_KIND,
    REGION_KIND,
    TABLE_KIND,
    BadName,
    checked_name,
    database_key,
    printable,
    region_key,
    table_key,
)
from lineage_assets.glue.records import (
    TableCrawl,
    database_records,
    fingerprint,
    is_view,
    known_columns,
    table_name_of,
    table_records,
)
from lineage_assets.store.records import SourceRecords
from lineage_assets.store.sink import RecordSink, replace_batch

if TYPE_CHECKING:
    import duckdb

WRITE_BATCH = 200


@dataclass
class GlueCrawlReport:
    """What one crawl did: tables written, unchanged and removed, databases seen, errors."""

    databases: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: GlueCrawlReport) -> None:
        """Add another report's entries to this one."""
        self.databases += other.databases
        self.written += other.written
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.errors += other.errors


@dataclass
class _Region:
    """One region's crawl in progress: where it writes, what it knows, what it reports."""

    sink: RecordSink
    glue: GlueClient
    account_id: str
    region: str
    read_conn: duckdb.DuckDBPyConnection
    run_id: str | None
    force: bool
    partitions: bool
    report: GlueCrawlReport = field(default_factory=GlueCrawlReport)
    known: dict[str, dict[str, str]] = field(default_factory=dict)
    unread: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    pending: list[SourceRecords] = field(default_factory=list)
    databases: dict[str, views.StoredSource] = field(default_factory=dict)
    tables: dict[str, dict[str, views.StoredSource]] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def fail(self, key: str, kind: str, error: BaseException, *, where: str | None = None) -> None:
        """Mark a source failed (its last good rows kept), naming what failed."""
        code = error_code(error)
        message = clip(f"{key}: {code}: {error}")
        self.sink.mark_failed(
            key, kind, message, run_id=self.run_id, error_type=code, location=where
        )
        self.report.errors.append(message)

    def log(self, key: str, kind: str, message: str, error_type: str, where: str) -> None:
        """An error row about a part of a source that still landed (or was skipped)."""
        line = clip(f"{key}: {message}")
        self.sink.log_error(
            key, kind, line, run_id=self.run_id, error_type=error_type, location=where
        )
        self.report.errors.append(line)

    def known_columns(self) -> dict[str, dict[str, str]]:
        """Declared columns of every table listed so far in this region (what a view's parse
        resolves names with), read from the listings the first time a view asks."""
        while self.unread:
            database, listed = self.unread.pop()
            self.known.update(known_columns(database, listed))
        return self.known

    def flush(self) -> None:
        """Write pending tables in one transaction; if that fails, one by one."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        replace_batch(self.sink, batch, self.run_id, self._failed_write)

    def _failed_write(self, records: SourceRecords, error: Exception) -> None:
        """One table's write failed: it was not written after all."""
        self.report.written.remove(records.source_key)
        self.fail(records.source_key, TABLE_KIND, error)


def glue_client(factory: ClientFactory | Any, region: str) -> GlueClient:
    """A Glue client from a factory called as `(service, region)` or one with `.client(...)`."""
    make = getattr(factory, "client", factory)
    client: GlueClient = make("glue", region)
    return client


def crawl_region(
    sink: RecordSink,
    client_factory: ClientFactory | Any,
    account_id: str,
    region: str,
    read_conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None = None,
    force: bool = False,
    partitions: bool = True,
) -> GlueCrawlReport:
    """Crawl one account's catalog in one region; `read_conn` reads what the store holds
    (the writer's connection or a copy); `force` rewrites unchanged tables too; `partitions`
    counts (bounded) the partitions of changed partitioned tables."""
    crawl = _Region(
        sink, glue_client(client_factory, region), account_id, region, read_conn, run_id, force,
        partitions,
    )  # fmt: skip
    key = region_key(account_id, region)
    try:
        listing = list_databases(crawl.glue)
    except Exception as error:  # the whole region: recorded, the caller goes on
        crawl.fail(key, REGION_KIND, error)
        return crawl.report
    if listing.truncated:
        crawl.log(key, REGION_KIND, "database listing cut at its bound", "Truncated", key)
    crawl.databases = views.stored_databases(read_conn, account_id, region)
    crawl.tables = views.stored_region_tables(read_conn, account_id, region)
    listed: set[str] = set()
    for database in listing.items:
        try:
            name = checked_name(database.get("Name"), "database")
        except BadName as error:
            where = f"database {printable(database.get('Name'))}"
            crawl.log(key, REGION_KIND, f"{where}: {error}", "BadName", where)
            continue
        listed.add(database_key(account_id, region, name))
        _crawl_database(crawl, name, database)
    crawl.flush()
    if not listing.truncated:
        for gone in sorted(set(crawl.databases) - listed):
            _remove_database(crawl, gone)
    return crawl.report


def _remove_database(crawl: _Region, key: str) -> None:
    """A database no longer listed: its tables and its own row."""
    database = key.rsplit("/", 1)[-1]
    for table in sorted(crawl.tables.get(database, {})):
        crawl.sink.remove_source(table)
        crawl.report.removed.append(table)
    crawl.sink.remove_source(key)
    crawl.report.removed.append(key)


def _catalog_id(crawl: _Region, database: Mapping[str, Any]) -> str | None:
    """The owning account of a database shared from another catalog, else None (our own)."""
    catalog = database.get("CatalogId")
    return catalog if isinstance(catalog, str) and catalog and catalog != crawl.account_id else None


def _crawl_database(crawl: _Region, name: str, database: Mapping[str, Any]) -> None:
    """List one database's tables, write the changed ones, remove the ones gone."""
    key = database_key(crawl.account_id, crawl.region, name)
    crawl.report.databases.append(key)
    catalog_id = _catalog_id(crawl, database)
    try:
        listing = list_tables(crawl.glue, name, catalog_id)
    except Exception as error:  # this database only; its tables keep their rows
        crawl.fail(key, DATABASE_KIND, error, where=f"database {name}")
        return
    stored = crawl.tables.get(name, {})
    crawl.unread.append((name, listing.items))
    listed: set[str] = set()
    for table in listing.items:
        try:
            table_name = table_name_of(table)
        except BadName as error:
            where = f"table {name}.{printable(table.get('Name'))}"
            crawl.log(key, DATABASE_KIND, f"{where}: {error}", "BadName", where)
            continue
        table_source = table_key(crawl.account_id, crawl.region, name, table_name)
        listed.add(table_source)
        _crawl_table(crawl, name, table_name, table, stored.get(table_source), catalog_id)
    if listing.truncated:
        where = f"database {name}"
        crawl.log(key, DATABASE_KIND, "table listing cut at its bound", "Truncated", where)
    else:
        for gone in sorted(set(stored) - listed):
            crawl.sink.remove_source(gone)
            crawl.report.removed.append(gone)
    records = database_records(
        crawl.account_id, crawl.region, database, len(listing.items), listing.truncated, crawl.now
    )
    records.content_hash = fingerprint(
        {**database, "__tables": len(listing.items), "__truncated": listing.truncated}
    )
    before = crawl.databases.get(key)
    if (
        crawl.force
        or before is None
        or before.status != "ok"
        or before.content_hash != records.content_hash
    ):
        crawl.pending.append(records)
    if len(crawl.pending) >= WRITE_BATCH:
        crawl.flush()


def _crawl_table(
    crawl: _Region,
    database: str,
    name: str,
    table: Mapping[str, Any],
    stored: views.StoredSource | None,
    catalog_id: str | None,
) -> None:
    """One listed table: skipped when unchanged, else counted, recorded and queued."""
    key = table_key(crawl.account_id, crawl.region, database, name)
    where = f"table {database}.{name}"
    unchanged = stored is not None and stored.status == "ok" and not crawl.force
    if unchanged and stored is not None and stored.content_hash == fingerprint(table):
        crawl.report.unchanged.append(key)
        return
    try:
        partitions = None
        if crawl.partitions and table.get("PartitionKeys"):
            try:
                partitions = count_partitions(crawl.glue, database, name, catalog_id)
            except Exception as error:  # the table lands without a partition count
                crawl.log(key, TABLE_KIND, f"{where}: partitions not counted: "
                          f"{error_code(error)}: {error}", error_code(error), where)  # fmt: skip
        if table.get("PartitionKeys") and len(table["PartitionKeys"]) > MAX_COLUMNS:
            crawl.log(key, TABLE_KIND, f"{where}: partition keys cut at {MAX_COLUMNS}",
                      "Truncated", where)  # fmt: skip
        records, view_error = table_records(
            TableCrawl(crawl.account_id, crawl.region, database, table, catalog_id, partitions),
            crawl.known_columns() if is_view(table) else {},
            crawl.now,
        )
    except Exception as error:  # this table only (a bad column name, a hostile definition)
        crawl.fail(key, TABLE_KIND, error, where=where)
        return
    if view_error:
        crawl.log(key, TABLE_KIND, f"view {database}.{name}: {view_error}", "ViewParseError",
                  f"view {database}.{name}")  # fmt: skip
    crawl.report.written.append(key)
    crawl.pending.append(records)
    if len(crawl.pending) >= WRITE_BATCH:
        crawl.flush()


def crawl_targets(
    sink: RecordSink,
    targets: Iterable[tuple[str, str, ClientFactory | Any]],
    read_conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None = None,
    force: bool = False,
) -> GlueCrawlReport:
    """Crawl each (account id, region, client factory) in turn; one failing is recorded (by
    `crawl_region`) and the others go on."""
    report = GlueCrawlReport()
    for account_id, region, factory in targets:
        report.merge(
            crawl_region(sink, factory, account_id, region, read_conn, run_id=run_id, force=force)
        )
    return report
