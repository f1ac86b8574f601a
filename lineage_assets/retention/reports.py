"""The two retention reports external collectors write, parsed strictly as bounded JSON data.

A *deletion report* (from a database scan) lists identifiers whose records were deleted:
`items[]`/`data[]` entries with `id|user_id|identifier|record_id` and `status|state` in
{deleted, expired, removed}, and/or the lists `deleted_ids|expired_ids|removed_ids`.
A *usage report* (from an S3 cross-check) says which identifiers an object holds: entries with
`file|source|s3_uri` and `matched_ids|ids|identifiers`, a mapping `{uri: {ids|matched_ids}}`,
or the cross-check summary's `affected[]` (`s3`, `sample`). Either may be a bare list of
entries, and one report may carry both kinds. Object URIs written `s3/bucket/key` mean
`s3://bucket/key`.

A report is taken whole or not at all: any value of the wrong type, any bound passed, raises
`ReportError` naming where in the report (a JSON path), never the value itself, since values
are the identifiers this module exists to keep out of messages and logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.core.uris import normalize

DELETED_STATUSES = frozenset({"deleted", "expired", "removed"})
ID_KEYS = ("id", "user_id", "identifier", "record_id")
STATUS_KEYS = ("status", "state")
DELETED_LIST_KEYS = ("deleted_ids", "expired_ids", "removed_ids")
ENTRY_LIST_KEYS = ("items", "data")
USAGE_URI_KEYS = ("file", "source", "s3_uri")
USAGE_ID_KEYS = ("matched_ids", "ids", "identifiers")
AFFECTED_KEY = "affected"
AFFECTED_URI_KEYS = ("s3", *USAGE_URI_KEYS)
AFFECTED_ID_KEYS = ("sample", *USAGE_ID_KEYS)
# The prefixes of the shapes a report is recorded with (`deleted:entries`, `usage:by-uri` …).
DELETION_SHAPE = "deleted:"
USAGE_SHAPE = "usage:"
# Every byte that is not a bracket.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class ReportError(ValueError):
    """A report that cannot be used as a whole; the message says where, never what."""


@dataclass(frozen=True)
class ReportLimits:
    """How much one report may hold before it is refused. Values (counted by separators) and
    containers are bounded before parsing, so the parsed document's memory is bounded too;
    ids are counted while reading it."""

    max_bytes: int = 64 << 20
    max_ids: int = 1_000_000
    max_values: int = 4_000_000
    max_containers: int = 1_500_000
    max_depth: int = 32
    max_id_chars: int = 512
    max_uri_chars: int = 4_096


@dataclass
class ParsedReport:
    """What one report says: deleted ids with their status, and the ids each object holds.

    Raw identifiers live only here, in memory, until `records` hashes them.
    """

    deleted: dict[str, str] = field(default_factory=dict)
    usage: dict[str, set[str]] = field(default_factory=dict)
    shapes: list[str] = field(default_factory=list)
    ignored_entries: int = 0

    @property
    def is_deletion_report(self) -> bool:
        """Whether the report had deletion content (even an empty list of it)."""
        return any(shape.startswith(DELETION_SHAPE) for shape in self.shapes)

    @property
    def is_usage_report(self) -> bool:
        """Whether the report had usage content (even an empty list of it)."""
        return any(shape.startswith(USAGE_SHAPE) for shape in self.shapes)


def parse_report(data: bytes, limits: ReportLimits = ReportLimits()) -> ParsedReport:
    """Parse a report's bytes; `ReportError` says why it cannot be used."""
    if len(data) > limits.max_bytes:
        raise ReportError(f"larger than the {limits.max_bytes:,}-byte limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(f"not UTF-8 text (byte {error.start})") from None
    _check_skeleton(data, limits)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ReportError("nested deeper than the JSON parser allows") from None
    except ValueError as error:  # JSONDecodeError says line and column, never the text
        raise ReportError(f"not JSON: {error}") from None
    report = _Reader(limits)
    report.document(document)
    return report.parsed


def _refuse_constant(name: str) -> None:
    raise ReportError(f"not JSON: {name} is not a JSON number")


def _check_skeleton(data: bytes, limits: ReportLimits) -> None:
    """Count values and containers and measure nesting on the raw bytes before anything is
    parsed, with C-speed byte operations and no copy per value. Separators and brackets
    inside strings count too: the bounds err on the side of refusing. Unbalanced brackets
    are left for the parser to report with their position."""
    if data.count(b",") + 1 > limits.max_values:
        raise ReportError(f"more than {limits.max_values:,} values")
    if data.count(b"[") + data.count(b"{") > limits.max_containers:
        raise ReportError(f"more than {limits.max_containers:,} objects and lists")
    brackets = data.translate(None, _NOT_BRACKETS)
    for _ in range(limits.max_depth):  # each pass removes the innermost level
        inner = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if inner == brackets:
            return
        brackets = inner
    if brackets.replace(b"[]", b"").replace(b"{}", b"") != brackets:
        raise ReportError(f"nested deeper than {limits.max_depth} levels")


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _first_key(entry: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in entry:
            return key
    return None


def _looks_like_uri(key: str) -> bool:
    return "://" in key or key.startswith("s3/")


class _Reader:
    """Walks a parsed document along the known shapes, counting ids against the limit."""

    def __init__(self, limits: ReportLimits) -> None:
        self.limits = limits
        self.parsed = ParsedReport()
        self._ids = 0

    def document(self, document: Any) -> None:
        if isinstance(document, list):
            self.entries(document, "$")
        elif isinstance(document, dict):
            self.mapping(document)
        else:
            raise ReportError(f"$ is {_type_name(document)}; expected an object or a list")
        if not self.parsed.shapes:
            known = ", ".join((*ENTRY_LIST_KEYS, *DELETED_LIST_KEYS, AFFECTED_KEY))
            raise ReportError(f"not a retention report: none of {known} or object URIs as keys")

    def mapping(self, document: dict[str, Any]) -> None:
        for key in ENTRY_LIST_KEYS:
            if key in document:
                self.entries(self.as_list(document[key], f"$.{key}"), f"$.{key}")
        for key in DELETED_LIST_KEYS:
            if key in document:
                path = f"$.{key}"
                status = key.removesuffix("_ids")
                self.shape(DELETION_SHAPE + key)
                for index, value in enumerate(self.as_list(document[key], path)):
                    self.deleted(self.identifier(value, f"{path}[{index}]"), status)
        if AFFECTED_KEY in document:
            path = f"$.{AFFECTED_KEY}"
            self.shape(USAGE_SHAPE + AFFECTED_KEY)
            for index, entry in enumerate(self.as_list(document[AFFECTED_KEY], path)):
                self.affected(entry, f"{path}[{index}]")
        uri_keys = [key for key in document if isinstance(key, str) and _looks_like_uri(key)]
        if uri_keys:
            self.shape(USAGE_SHAPE + "by-uri")
        for key in uri_keys:
            self.uri_entry(key, document[key])

    def shape(self, name: str) -> None:
        if name not in self.parsed.shapes:
            self.parsed.shapes.append(name)

    def entries(self, entries: list[Any], path: str) -> None:
        """`items[]`, `data[]` or a bare list: deletion entries, usage entries, or both; an
        empty list is an empty report of both kinds (a newer empty cross-check supersedes)."""
        if not entries:  # says nothing is deleted and nothing holds ids: both, empty
            self.shape(DELETION_SHAPE + "entries")
            self.shape(USAGE_SHAPE + "entries")
        for index, entry in enumerate(entries):
            where = f"{path}[{index}]"
            if not isinstance(entry, dict):
                raise ReportError(f"{where} is {_type_name(entry)}; expected an object")
            used = self.deletion_entry(entry, where)
            used = self.usage_entry(entry, where) or used
            if not used:
                self.parsed.ignored_entries += 1

    def deletion_entry(self, entry: dict[str, Any], where: str) -> bool:
        id_key, status_key = _first_key(entry, ID_KEYS), _first_key(entry, STATUS_KEYS)
        if id_key is None or status_key is None:
            return False
        status = entry[status_key]
        if not isinstance(status, str):
            raise ReportError(f"{where}.{status_key} is {_type_name(status)}; expected a string")
        self.shape(DELETION_SHAPE + "entries")
        status = status.strip().lower()
        if status not in DELETED_STATUSES:
            return True  # a record that still exists: not a deletion
        self.deleted(self.identifier(entry[id_key], f"{where}.{id_key}"), status)
        return True

    def usage_entry(self, entry: dict[str, Any], where: str) -> bool:
        ids_key = _first_key(entry, USAGE_ID_KEYS)
        if ids_key is None:
            return False
        uri_key = _first_key(entry, USAGE_URI_KEYS)
        if uri_key is None:
            keys = "|".join(USAGE_URI_KEYS)
            raise ReportError(f"{where} has {ids_key} but no {keys} naming the object")
        self.shape(USAGE_SHAPE + "entries")
        uri = self.object_uri(entry[uri_key], f"{where}.{uri_key}")
        self.used(uri, self.as_list(entry[ids_key], f"{where}.{ids_key}"), f"{where}.{ids_key}")
        return True

    def affected(self, entry: Any, where: str) -> None:
        if not isinstance(entry, dict):
            raise ReportError(f"{where} is {_type_name(entry)}; expected an object")
        uri_key, ids_key = _first_key(entry, AFFECTED_URI_KEYS), _first_key(entry, AFFECTED_ID_KEYS)
        if uri_key is None or ids_key is None:
            raise ReportError(f"{where} needs an object URI (s3) and its ids (sample)")
        uri = self.object_uri(entry[uri_key], f"{where}.{uri_key}")
        self.used(uri, self.as_list(entry[ids_key], f"{where}.{ids_key}"), f"{where}.{ids_key}")

    def uri_entry(self, key: str, value: Any) -> None:
        where = f"$[{len(self.parsed.usage)}]"  # the key is an object URI: not echoed
        uri = self.object_uri(key, f"{where} (key)")
        if isinstance(value, dict):
            ids_key = _first_key(value, ("ids", "matched_ids", "identifiers"))
            if ids_key is None:
                raise ReportError(f"{where} has no ids or matched_ids")
            value, where = value[ids_key], f"{where}.{ids_key}"
        self.used(uri, self.as_list(value, where), where)

    def used(self, uri: str, values: list[Any], where: str) -> None:
        ids = self.parsed.usage.setdefault(uri, set())
        for index, value in enumerate(values):
            ids.add(self.identifier(value, f"{where}[{index}]"))

    def deleted(self, identifier: str, status: str) -> None:
        self.parsed.deleted.setdefault(identifier, status)

    def as_list(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise ReportError(f"{where} is {_type_name(value)}; expected a list")
        return value

    def identifier(self, value: Any, where: str) -> str:
        """An id as text: strings trimmed, integers in decimal (so 42 and "42" are one id)."""
        self._ids += 1
        if self._ids > self.limits.max_ids:
            raise ReportError(f"more than {self.limits.max_ids:,} identifiers")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise ReportError(f"{where} is {_type_name(value)}; expected a string or an integer")
        text = value.strip()
        if not text:
            raise ReportError(f"{where} is an empty identifier")
        if len(text) > self.limits.max_id_chars:
            raise ReportError(f"{where} is longer than {self.limits.max_id_chars} characters")
        return text

    def object_uri(self, value: Any, where: str) -> str:
        """`s3/bucket/key` → `s3://bucket/key`; any `scheme://…` normalised."""
        if not isinstance(value, str):
            raise ReportError(f"{where} is {_type_name(value)}; expected an object URI")
        if len(value) > self.limits.max_uri_chars:
            raise ReportError(f"{where} is longer than {self.limits.max_uri_chars} characters")
        text = value.strip()
        if text.startswith("s3/"):
            text = "s3://" + text.removeprefix("s3/")
        scheme, sep, rest = text.partition("://")
        if not sep or not scheme or not rest.strip("/"):
            raise ReportError(f"{where} is not an object URI (s3://bucket/key or s3/bucket/key)")
        return normalize(text)
