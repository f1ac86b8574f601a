"""Loading the configured report locations into the store: one source per location, one
refused report never stopping the rest of its location, a location that cannot be listed
keeping its last good rows (stale), and locations no longer configured removed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from lineage_assets import aws
from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.retention import records, views
from lineage_assets.retention.locations import (
    ListLimits,
    LocationError,
    ReportFile,
    list_reports,
    read_report,
)
from lineage_assets.retention.records import ReportOutcome
from lineage_assets.retention.reports import (
    ParsedReport,
    ReportError,
    ReportLimits,
    parse_report,
)
from lineage_assets.store import LineageStore
from lineage_assets.store.writer import utcnow

SETTING = "LINEAGE_RETENTION_REPORTS"


@dataclass(frozen=True)
class Limits:
    """Bounds of one load: per location (listing) and per report (bytes, ids, depth)."""

    listing: ListLimits = field(default_factory=ListLimits)
    report: ReportLimits = field(default_factory=ReportLimits)


@dataclass
class LocationResult:
    """What one location gave: its reports (refused ones with their error), or its error."""

    location: str
    outcomes: list[ReportOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def refused(self) -> list[ReportOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error is not None]


@dataclass
class LoadResult:
    """Every location's result and the sources removed because they are no longer set."""

    locations: list[LocationResult] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """One line per location that failed and per refused report."""
        lines = [f"{r.location}: {r.error}" for r in self.locations if r.error]
        lines += [f"{o.file.uri}: {o.error}" for r in self.locations for o in r.refused]
        return lines

    def summary(self) -> dict[str, Any]:
        """Counts for logs and Dagster metadata."""
        used = [o for r in self.locations for o in r.outcomes if o.error is None]
        return {
            "locations": len(self.locations),
            "locations_failed": sum(1 for r in self.locations if r.error),
            "reports_read": len(used),
            "reports_refused": sum(len(r.refused) for r in self.locations),
            "deleted_ids": sum(o.deleted_ids for o in used),
            "objects_with_ids": sum(o.usage_objects for o in used if o.usage_in_effect),
            "sources_removed": len(self.removed),
        }


def store_salt(store: LineageStore) -> bytes:
    """The store's salt, made on first use."""
    salt = views.salt(store.conn)
    if salt is None:
        store.upsert(records.new_salt(utcnow()))
        salt = views.salt(store.conn)
    assert salt is not None  # just written in this process, which holds the write lock
    return salt


def read_parsed(
    file: ReportFile, limits: ReportLimits, s3: Callable[[], BaseClient]
) -> ParsedReport | str:
    """One report read and parsed, or the one-line reason it was refused."""
    try:
        return parse_report(read_report(file, limits.max_bytes, s3), limits)
    except ReportError as error:
        return str(error)
    except AWS_ERRORS as error:
        return f"cannot read it: {error_code(error)}"
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    except MemoryError:
        return "too large to parse in memory"


def load_location(
    store: LineageStore,
    location: str,
    salt: bytes,
    limits: Limits,
    s3: Callable[[], BaseClient],
    run_id: str | None = None,
) -> LocationResult:
    """Read one location's reports and replace its source; errors are recorded, not raised."""
    key = records.source_key(location)
    result = LocationResult(location)
    files: list[ReportFile] = []
    try:
        files = list_reports(location, limits.listing, s3)
    except AWS_ERRORS as error:
        result.error = f"cannot list it: {error_code(error)}"
    except LocationError as error:
        result.error = str(error)
    else:
        if not files:
            result.error = "no report matches it"
    if result.error is not None:  # the last good rows stay, marked stale
        store.mark_failed(key, records.SOURCE_KIND, result.error, run_id=run_id, location=location)
        return result
    rows = records.LocationRecords(location, salt, utcnow())
    for file in files:  # newest first; each report's raw ids are gone before the next
        parsed = read_parsed(file, limits.report, s3)
        if isinstance(parsed, str):
            rows.refused(file, parsed)
        else:
            rows.report(file, parsed)
        del parsed
    result.outcomes = rows.outcomes
    store.replace_source(rows.records, run_id)
    for outcome in result.refused:
        store.log_error(
            key,
            records.SOURCE_KIND,
            f"report refused: {outcome.error}",
            run_id=run_id,
            error_type="ReportError",
            location=outcome.file.uri,
        )
    return result


def load_reports(
    store: LineageStore,
    locations: Sequence[str],
    *,
    limits: Limits = Limits(),
    s3: Callable[[], BaseClient] | None = None,
    run_id: str | None = None,
) -> LoadResult:
    """Load every location (in the given order) and drop the sources of locations no longer
    configured. `s3` makes the S3 client (once, when a location needs it)."""
    client = functools.cache(s3 or (lambda: aws.client("s3")))
    salt = store_salt(store)
    result = LoadResult()
    for location in locations:
        result.locations.append(load_location(store, location, salt, limits, client, run_id))
    wanted = {records.source_key(location) for location in locations}
    for key in views.source_keys(store.conn):
        if key not in wanted:
            store.remove_source(key)
            result.removed.append(key)
    return result
