"""What a source hands the store: its key, kind and rows per table, as typed records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Row = Mapping[str, Any]


def as_row(record: Any) -> dict[str, Any]:
    """A record as a column → value dict; records may be dataclasses or mappings."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    if isinstance(record, Mapping):
        return dict(record)
    raise TypeError(f"a record must be a dataclass or a mapping, not {type(record).__name__}")


@dataclass
class SourceRecords:
    """Everything one source (a SQL file, a pipeline, a dataset…) contributes to the store.

    `rows` go to tables with a `source_key` column and replace that source's previous rows;
    `history` goes to keyed tables without one (versions, drift) and is upserted.
    """

    source_key: str
    source_kind: str
    display_name: str | None = None
    rows: dict[str, list[Any]] = field(default_factory=dict)
    history: list[Upsert] = field(default_factory=list)
    content_hash: str | None = None

    def add(self, table: str, records: Iterable[Any]) -> SourceRecords:
        """Append records to `table`; returns self so calls chain."""
        self.rows.setdefault(table, []).extend(records)
        return self


@dataclass(frozen=True)
class Upsert:
    """Rows for a keyed history table: insert new keys, update existing ones.

    Columns named in `keep` (e.g. `first_seen_at`) keep their stored value on update.
    """

    table: str
    key_columns: tuple[str, ...]
    rows: list[Any]
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceMeta:
    """One replaced source without its rows: what its `sources` row records."""

    source_key: str
    source_kind: str
    display_name: str | None
    content_hash: str | None
    tables: tuple[str, ...]
    row_count: int

    @classmethod
    def of(cls, records: SourceRecords) -> SourceMeta:
        """The `sources` row of a source's records."""
        return cls(
            records.source_key,
            records.source_kind,
            records.display_name,
            records.content_hash,
            tuple(records.rows),
            sum(map(len, records.rows.values())),
        )
