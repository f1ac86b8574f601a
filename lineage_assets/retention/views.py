"""Typed reads of the retention tables: the salt, the reports read, the objects that still hold
ids reported deleted, and `retention_for`: the contract's `retention` block per artifact.

Objects and datasets match by normalised URI and by prefix, both ways: an artifact
`s3://b/p` holds what a report found in `s3://b/p/part-0.csv`, and a report about `s3://b/p/`
covers every dataset below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from lineage_assets.core.ids import data_node, parse
from lineage_assets.core.uris import LocationIndex, normalize
from lineage_assets.retention.records import SALT_ID, SOURCE_KIND
from lineage_assets.retention.reports import DELETION_SHAPE

PREVIEW_IDS = 10


@dataclass(frozen=True)
class ReportRow:
    """A report as read (or refused) by its location's last load."""

    source_key: str
    location: str
    report_uri: str
    modified_at: datetime | None
    deleted_ids: int | None
    usage_objects: int | None
    usage_in_effect: bool | None
    error: str | None


@dataclass(frozen=True)
class AffectedObject:
    """An object a usage report found ids in that a deletion report says were deleted."""

    object_uri: str
    id_hashes: tuple[str, ...]
    usage_reports: tuple[str, ...]
    deletion_reports: tuple[str, ...]


@dataclass(frozen=True)
class Retention:
    """What the reports say about one artifact (the contract's `retention`)."""

    expired: bool
    matched_ids: tuple[str, ...]
    matched_count: int
    deletion_reports: tuple[str, ...]
    usage_reports: tuple[str, ...]
    has_deletion_report: bool
    has_usage_report: bool

    def as_contract(self) -> dict[str, Any]:
        """`{"expired", "matchedIds", "sources"}` as the original had it, `sources` also
        naming the reports behind a match, and the full count beside the first ids."""
        return {
            "expired": self.expired,
            "matchedIds": list(self.matched_ids),
            "matchedCount": self.matched_count,
            "sources": {
                "rdsReport": self.has_deletion_report,
                "crossCheckReport": self.has_usage_report,
                "deletionReports": list(self.deletion_reports),
                "usageReports": list(self.usage_reports),
            },
        }


def salt(conn: duckdb.DuckDBPyConnection) -> bytes | None:
    """The store's salt for id hashes, or None before the first load made one."""
    row = conn.execute("SELECT salt FROM retention_salt WHERE salt_id = ?", [SALT_ID]).fetchone()
    return bytes.fromhex(row[0]) if row else None


def source_keys(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every retention source (one per location ever loaded and not removed)."""
    rows = conn.execute(
        "SELECT source_key FROM sources WHERE source_kind = ? ORDER BY source_key", [SOURCE_KIND]
    ).fetchall()
    return [key for (key,) in rows]


def reports(conn: duckdb.DuckDBPyConnection) -> list[ReportRow]:
    """Every report row, by location, newest first."""
    rows = conn.execute(
        "SELECT source_key, location, report_uri, modified_at, deleted_ids, usage_objects, "
        "usage_in_effect, error FROM retention_reports "
        "ORDER BY location, modified_at DESC NULLS LAST, report_uri DESC"
    ).fetchall()
    return [ReportRow(*row) for row in rows]


def loaded_kinds(conn: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Whether any usable deletion report, and any usage report in effect, is loaded."""
    row = conn.execute(
        "SELECT coalesce(bool_or(len(list_filter(shapes, lambda s: starts_with(s, ?))) > 0), "
        "false), coalesce(bool_or(usage_in_effect), false) "
        "FROM retention_reports WHERE error IS NULL",
        [DELETION_SHAPE],
    ).fetchone()
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def root(uri: str) -> str:
    """`s3://bucket` of `s3://bucket/a/b`: two locations can only contain one another under
    the same root."""
    scheme, sep, rest = normalize(uri).partition("://")
    return f"{scheme}{sep}{rest.partition('/')[0]}"


def affected_objects(
    conn: duckdb.DuckDBPyConnection, roots: Iterable[str] | None = None
) -> list[AffectedObject]:
    """Objects holding ids reported deleted (only under `roots` when given), with the sorted
    hashes and both reports' names."""
    wanted = None if roots is None else sorted(set(roots))
    rows = conn.execute(
        "SELECT object_uri, list(DISTINCT id_hash ORDER BY id_hash), "
        "list(DISTINCT usage_report ORDER BY usage_report), "
        "list(DISTINCT deletion_report ORDER BY deletion_report) "
        "FROM retention_affected WHERE ?::VARCHAR[] IS NULL "
        "OR list_contains(?::VARCHAR[], regexp_extract(object_uri, '^[^:/]*://[^/]*')) "
        "GROUP BY object_uri ORDER BY object_uri",
        [wanted, wanted],
    ).fetchall()
    return [AffectedObject(uri, tuple(h), tuple(u), tuple(d)) for uri, h, u, d in rows]


def dataset_uris(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every dataset location the store knows: the data nodes of `lineage_edges`, and those
    of `node_columns` (datasets sampled without an edge)."""
    rows = conn.execute(
        "SELECT DISTINCT node FROM (SELECT source_node AS node FROM lineage_edges "
        "UNION SELECT target_node FROM lineage_edges UNION SELECT node FROM node_columns) "
        "WHERE starts_with(node, ?) ORDER BY node",
        [data_node("")],
    ).fetchall()
    return [parse(node).key for (node,) in rows]


class AffectedIndex:
    """Affected objects by location, to find those at, above or below a URI in O(depth)."""

    def __init__(self, objects: Iterable[AffectedObject]) -> None:
        self.by_node = {data_node(obj.object_uri): obj for obj in objects}
        self._locations = LocationIndex(self.by_node)

    def related(self, uri: str) -> list[AffectedObject]:
        """The affected objects at the URI's location, inside it, or enclosing it."""
        family = self._locations.family(data_node(normalize(uri)))
        return [self.by_node[node] for node in sorted(family) if node in self.by_node]


def summarise(
    objects: list[AffectedObject], kinds: tuple[bool, bool], preview: int = PREVIEW_IDS
) -> Retention:
    """One artifact's retention from the affected objects related to it."""
    hashes = sorted({h for obj in objects for h in obj.id_hashes})
    return Retention(
        expired=bool(hashes),
        matched_ids=tuple(hashes[:preview]),
        matched_count=len(hashes),
        deletion_reports=tuple(sorted({r for obj in objects for r in obj.deletion_reports})),
        usage_reports=tuple(sorted({r for obj in objects for r in obj.usage_reports})),
        has_deletion_report=kinds[0],
        has_usage_report=kinds[1],
    )


def retention_for(
    conn: duckdb.DuckDBPyConnection, uris: Iterable[str], preview: int = PREVIEW_IDS
) -> dict[str, Retention]:
    """Each URI (as given) → its retention: `expired` when an object at, inside or enclosing
    it holds ids a deletion report lists; `matched_ids` the first `preview` sorted hashes."""
    uris = list(uris)
    kinds = loaded_kinds(conn)
    # Without any report loaded nothing can be affected: the common case costs one query.
    found = affected_objects(conn, {root(uri) for uri in uris}) if any(kinds) else []
    index = AffectedIndex(found)
    return {uri: summarise(index.related(uri), kinds, preview) for uri in uris}
