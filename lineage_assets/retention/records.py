"""Retention reports as store records, identifiers only as salted hashes.

Every identifier is stored as HMAC-SHA256(salt, id as UTF-8) in hex, with one random 32-byte
salt per store (`retention_salt`, made once by `new_salt` from `secrets`). A deleted id and
the same id found in an object hash alike, so they still join; the raw id never reaches a
table, a message or a log. What the hash protects against: reading an id off the store or
its published copy, and matching ids across stores (each has its own salt). What it does
not: whoever holds the store file holds the salt too, and can test guessed ids one by one
(short numeric ids fall quickly). Keep the salt elsewhere if that matters.

One source per configured location (`retention:<location>`): each report it names becomes a
`retention_reports` row, refused ones with their error. Deleted ids come from every usable
report of the location; ids per object come only from the newest usable report that has
usage content, since an older cross-check no longer says what an object holds now.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_assets.retention.locations import ReportFile
from lineage_assets.retention.reports import ParsedReport
from lineage_assets.store import SourceRecords, Upsert

SOURCE_KIND = "retention_reports"
SOURCE_PREFIX = "retention:"
SALT_ID = 1
SALT_BYTES = 32


def source_key(location: str) -> str:
    """`retention:<location>`: one source per configured report location."""
    return SOURCE_PREFIX + location


def new_salt(now: datetime) -> Upsert:
    """The store's salt, inserted only when it has none (an existing salt is never replaced,
    or every stored hash would stop matching)."""
    row = {"salt_id": SALT_ID, "salt": secrets.token_hex(SALT_BYTES), "created_at": now}
    return Upsert("retention_salt", ("salt_id",), [row], keep=("salt", "created_at"))


def id_hash(salt: bytes, identifier: str) -> str:
    """HMAC-SHA256 of the identifier under the store's salt, as hex."""
    return hmac.digest(salt, identifier.encode("utf-8", "surrogatepass"), "sha256").hex()


@dataclass(frozen=True)
class ReportOutcome:
    """One report of a location: what it held (counts only), or why it was refused."""

    file: ReportFile
    error: str | None = None
    shapes: tuple[str, ...] = ()
    deleted_ids: int = 0
    usage_objects: int = 0
    usage_ids: int = 0
    ignored_entries: int = 0
    usage_in_effect: bool = False


class LocationRecords:
    """The rows of one location, built report by report, newest first: each report's ids are
    hashed as it is added, so its raw ids can be dropped before the next one is read."""

    def __init__(self, location: str, salt: bytes, read_at: datetime) -> None:
        self.location, self.salt, self.read_at = location, salt, read_at
        self.records = SourceRecords(source_key(location), SOURCE_KIND, display_name=location)
        for table in ("retention_reports", "retention_deleted_ids", "retention_id_usage"):
            self.records.add(table, [])
        self.outcomes: list[ReportOutcome] = []
        self._usage_taken = False

    def refused(self, file: ReportFile, error: str) -> ReportOutcome:
        """A report that cannot be used: its row says why."""
        return self._row(ReportOutcome(file, error=error))

    def report(self, file: ReportFile, report: ParsedReport) -> ReportOutcome:
        """A parsed report: its deleted ids always, its usage only when no newer report of
        the location had usage content."""
        in_effect = report.is_usage_report and not self._usage_taken
        self._usage_taken = self._usage_taken or in_effect
        salt, uri = self.salt, file.uri
        self.records.add(
            "retention_deleted_ids",
            (
                {"report_uri": uri, "id_hash": id_hash(salt, raw), "status": status}
                for raw, status in report.deleted.items()
            ),
        )
        if in_effect:
            self.records.add(
                "retention_id_usage",
                (
                    {"report_uri": uri, "object_uri": obj, "id_hash": id_hash(salt, raw)}
                    for obj, ids in report.usage.items()
                    for raw in ids
                ),
            )
        outcome = ReportOutcome(
            file,
            shapes=tuple(report.shapes),
            deleted_ids=len(report.deleted),
            usage_objects=len(report.usage),
            usage_ids=sum(map(len, report.usage.values())),
            ignored_entries=report.ignored_entries,
            usage_in_effect=in_effect,
        )
        return self._row(outcome)

    def _row(self, outcome: ReportOutcome) -> ReportOutcome:
        file = outcome.file
        row: dict[str, Any] = {
            "location": self.location,
            "report_uri": file.uri,
            "modified_at": file.modified_at,
            "size_bytes": file.size,
            "error": outcome.error,
            "read_at": self.read_at,
        }
        if outcome.error is None:
            row |= {
                "shapes": list(outcome.shapes),
                "deleted_ids": outcome.deleted_ids,
                "usage_objects": outcome.usage_objects,
                "usage_ids": outcome.usage_ids,
                "ignored_entries": outcome.ignored_entries,
                "usage_in_effect": outcome.usage_in_effect,
            }
        self.records.add("retention_reports", [row])
        self.outcomes.append(outcome)
        return outcome
