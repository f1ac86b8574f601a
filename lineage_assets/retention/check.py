"""The right-to-erasure check: every dataset that still holds ids a deletion report lists.

A dataset the store knows (a data node of the lineage) violates when an object at, inside or
enclosing its location holds such ids. An affected object below no known dataset is a
violation of its own, so nothing a report found goes unreported.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lineage_assets.retention import views
from lineage_assets.retention.views import PREVIEW_IDS, AffectedIndex, AffectedObject


@dataclass(frozen=True)
class Violation:
    """A dataset (or an object no dataset covers) holding ids reported deleted."""

    dataset: str
    known_dataset: bool
    id_count: int
    sample_ids: tuple[str, ...]
    objects: tuple[str, ...]
    deletion_reports: tuple[str, ...]
    usage_reports: tuple[str, ...]

    def describe(self) -> str:
        """One line naming the dataset and the reports."""
        what = self.dataset if self.known_dataset else f"{self.dataset} (in no known dataset)"
        return (
            f"{what} still holds {self.id_count} id(s) reported deleted by "
            f"{', '.join(self.deletion_reports)} (found by {', '.join(self.usage_reports)})"
        )


def _violation(dataset: str, known: bool, objects: list[AffectedObject], preview: int) -> Violation:
    retention = views.summarise(objects, (True, True), preview)
    return Violation(
        dataset=dataset,
        known_dataset=known,
        id_count=retention.matched_count,
        sample_ids=retention.matched_ids,
        objects=tuple(obj.object_uri for obj in objects[:preview]),
        deletion_reports=retention.deletion_reports,
        usage_reports=retention.usage_reports,
    )


def violations(conn: duckdb.DuckDBPyConnection, preview: int = PREVIEW_IDS) -> list[Violation]:
    """Known datasets holding deleted ids (by location), then uncovered affected objects."""
    affected = views.affected_objects(conn)
    if not affected:
        return []
    index = AffectedIndex(affected)
    found: list[Violation] = []
    covered: set[str] = set()
    for dataset in views.dataset_uris(conn):
        objects = index.related(dataset)
        if objects:
            covered.update(obj.object_uri for obj in objects)
            found.append(_violation(dataset, True, objects, preview))
    found += [
        _violation(obj.object_uri, False, [obj], preview)
        for obj in affected
        if obj.object_uri not in covered
    ]
    return found
