"""Samples one dataset: list, choose up to N objects, read each format's bounded part, union.

Values read from CSV/JSON heads stay in memory (`DatasetSample.values`) for the PII
classifier and are never part of a record the store keeps.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as time_of_day

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pt

from lineage_assets.pii.detectors import identifying_class
from lineage_assets.s3_schema.budget import BudgetExhausted, CrawlBudget, ReadCounter
from lineage_assets.s3_schema.client import S3Client
from lineage_assets.s3_schema.formats import detect_format
from lineage_assets.s3_schema.limits import (
    MAX_SECONDS_PER_OBJECT,
    MAX_VALUE_CHARS,
    SchemaRefused,
    check_schema,
    field_names,
)
from lineage_assets.s3_schema.listing import (
    ObjectInfo,
    S3Location,
    choose_sample,
    list_objects,
    parse_s3_uri,
)
from lineage_assets.s3_schema.objects import RangeReader, SampleError, describe_error
from lineage_assets.s3_schema.parquet_reader import TAIL_PROBE_BYTES, read_parquet_schema
from lineage_assets.s3_schema.text_reader import HEAD_BYTES, read_csv, read_head, read_json
from lineage_assets.s3_schema.union import (
    ColumnSchema,
    flatten,
    partition_columns,
    union_schemas,
)
from lineage_assets.s3_schema.versions import schema_version

VALUES_PER_COLUMN = 200
MAX_HEAD_BYTES = 16 * 1024 * 1024
MAX_OBJECTS = 100


@dataclass(frozen=True)
class SamplingConfig:
    """How much to read: objects per dataset, CSV/JSON head size, Parquet tail probe, how
    many keys to list at most (a listing page is 1,000 keys and one request) and the wall
    time one object may take. Values beyond the hard bounds are clamped to them."""

    max_objects: int = 5
    head_bytes: int = HEAD_BYTES
    parquet_probe_bytes: int = TAIL_PROBE_BYTES
    max_listed_objects: int = 100_000
    seconds_per_object: float = MAX_SECONDS_PER_OBJECT

    def __post_init__(self) -> None:
        clamp = {
            "max_objects": min(max(self.max_objects, 1), MAX_OBJECTS),
            "head_bytes": min(max(self.head_bytes, 1024), MAX_HEAD_BYTES),
            "parquet_probe_bytes": min(max(self.parquet_probe_bytes, 8), MAX_HEAD_BYTES),
            "max_listed_objects": max(self.max_listed_objects, 1),
        }
        for name, value in clamp.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class ObjectResult:
    """What one sampled object gave: its format and bytes read, or why it gave nothing."""

    key: str
    format: str
    bytes_read: int
    error: str | None = None
    unsupported: bool = False


@dataclass(frozen=True)
class DatasetSample:
    """One dataset's sampled schema; `values` (column → sampled strings) lives only in memory."""

    location: S3Location
    format: str
    columns: tuple[ColumnSchema, ...]
    objects: tuple[ObjectResult, ...]
    objects_listed: int
    bytes_read: int
    requests_made: int
    sampled_at: datetime
    skipped: tuple[str, ...] = ()
    values: Mapping[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def uri(self) -> str:
        """The dataset's id."""
        return self.location.uri

    @property
    def version(self) -> str | None:
        """The schema's content hash; None when no object could be read."""
        return schema_version(self.columns) if self.columns else None

    @property
    def partition_columns(self) -> list[str]:
        """Names of the Hive partition columns."""
        return [c.path for c in self.columns if c.is_partition]

    @property
    def sampled_from(self) -> list[str]:
        """Keys of the objects whose schema went into the union."""
        return [o.key for o in self.objects if o.error is None and not o.unsupported]

    @property
    def error(self) -> str | None:
        """Object errors and skipped reads as one line per problem; None when clean."""
        problems = [f"{self.location.uri_of(o.key)}: {o.error}" for o in self.objects if o.error]
        problems += list(self.skipped)
        if not self.objects and not self.skipped:
            problems.append(f"{self.uri}: no data objects under the prefix")
        return "\n".join(problems) or None


def _read_object(
    reader: RangeReader, info: ObjectInfo, config: SamplingConfig
) -> tuple[pa.Schema, pa.Table | None, str]:
    """(schema, sampled rows or None, format) of one object, within the configured bounds."""
    fmt = detect_format(info.key)
    if info.size == 0:
        raise SampleError(f"{reader.uri}: empty object (0 bytes), no schema to read")
    if fmt.format == "parquet":
        schema, table = read_parquet_schema(reader, config.parquet_probe_bytes), None
    else:
        head = read_head(reader, fmt, config.head_bytes)
        is_csv = fmt.format == "csv"
        table = read_csv(head, fmt, reader.uri) if is_csv else read_json(head, reader.uri)
        schema = table.schema
    try:
        check_schema(schema)
    except SchemaRefused as error:
        raise SampleError(f"{reader.uri}: schema refused: {error}") from error
    named_by_value = next(filter(None, map(identifying_class, field_names(schema))), None)
    if named_by_value:
        raise SampleError(
            f"{reader.uri}: a field is named by a value ({named_by_value}); not stored"
        )
    return schema, table, fmt.format


def value_text(value: object) -> str:
    """A sampled value as text, cut after `MAX_VALUE_CHARS` + 1 characters (longer is no
    kind of personal data the detectors know); a midnight timestamp (how readers infer
    `1990-01-31`) as a date."""
    if isinstance(value, datetime):
        is_midnight = value.time() == time_of_day() and value.tzinfo is None
        return value.date().isoformat() if is_midnight else value.isoformat()
    return str(value)[: MAX_VALUE_CHARS + 1]


def column_values(table: pa.Table, limit: int = VALUES_PER_COLUMN) -> dict[str, list[str]]:
    """Up to `limit` non-null values per leaf column as strings, struct fields as `a.b`,
    list elements flattened; kept in memory only, for classification."""
    while any(pt.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    values: dict[str, list[str]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pt.is_list(column.type) or pt.is_large_list(column.type):
            column = pc.list_flatten(column)
        if pt.is_struct(column.type) or pt.is_list(column.type):
            continue
        present = pc.drop_null(column).slice(0, limit)
        values[name] = [value_text(v) for v in present.to_pylist()]
    return values


@dataclass(frozen=True)
class _ObjectRead:
    """One object's outcome: its result row, and its schema and sampled values (in memory
    only) when it was readable."""

    result: ObjectResult
    schema: pa.Schema | None = None
    values: dict[str, list[str]] = field(default_factory=dict, repr=False)


def _sample_object(
    s3: S3Client,
    location: S3Location,
    info: ObjectInfo,
    counter: ReadCounter,
    config: SamplingConfig,
) -> _ObjectRead:
    """Read one object within bounds; a bad object becomes an error result, never an
    exception, whatever it raises (only `BudgetExhausted` propagates, to stop the dataset)."""
    fmt = detect_format(info.key)
    if not fmt.supported:
        return _ObjectRead(ObjectResult(info.key, f"unsupported:{fmt.extension}", 0, None, True))
    before = counter.bytes_read
    deadline = time.monotonic() + config.seconds_per_object
    reader = RangeReader(
        s3, location.bucket, info.key, info.size, counter, etag=info.etag, deadline=deadline
    )
    try:
        schema, table, kind = _read_object(reader, info, config)
        values = column_values(table) if table is not None else {}
    except BudgetExhausted:
        raise
    except SampleError as error:
        message = str(error).removeprefix(f"{reader.uri}: ")
    except RecursionError:
        message = "nested too deeply to read (RecursionError)"
    except MemoryError:
        message = "ran out of memory while reading (MemoryError)"
    except Exception as error:  # any reader failure is this object's error, not the crawl's
        message = f"{type(error).__name__}: {describe_error(error)}"
    else:
        if time.monotonic() > deadline:
            message = f"took longer than {config.seconds_per_object:g} s"
        else:
            read = ObjectResult(info.key, kind, counter.bytes_read - before)
            return _ObjectRead(read, schema, values)
    return _ObjectRead(ObjectResult(info.key, fmt.format, counter.bytes_read - before, message))


def sample_dataset(
    uri: str,
    s3: S3Client,
    reader: S3Client | None = None,
    budget: CrawlBudget | None = None,
    config: SamplingConfig | None = None,
) -> DatasetSample:
    """Sample one dataset: list with `s3`, read objects with `reader` (the S3 client for the
    bucket's region; `s3` when None). Listing failures raise (the caller keeps the last good
    rows); a bad object is recorded in its `ObjectResult` and the others are still read."""
    reader = reader or s3
    config = config or SamplingConfig()
    location = parse_s3_uri(uri)
    counter = ReadCounter(budget or CrawlBudget())
    if counter.budget.remaining() == 0:
        raise BudgetExhausted(f"{uri}: not sampled, the crawl byte budget is spent")
    listing = list_objects(s3, location, counter, config.max_listed_objects)
    sample = choose_sample(listing.objects, config.max_objects)
    reads: list[_ObjectRead] = []
    skipped = [listing.truncation_note(uri)] if listing.truncated else []
    for info in sample:
        try:
            reads.append(_sample_object(reader, location, info, counter, config))
        except BudgetExhausted as error:
            done = {read.result.key for read in reads}
            skipped.append(str(error))
            skipped += [f"{location.uri_of(i.key)}: not read" for i in sample if i.key not in done]
            break
    readable = [read for read in reads if read.schema is not None]
    partitions = [
        info.partitions for info in sample if info.key in {r.result.key for r in readable}
    ]
    return DatasetSample(
        location=location,
        format=_dataset_format(Counter(r.result.format for r in readable), reads),
        columns=tuple(_columns([r.schema for r in readable], partitions)),
        objects=tuple(read.result for read in reads),
        objects_listed=len(listing.objects),
        bytes_read=counter.bytes_read,
        requests_made=counter.requests_made,
        sampled_at=datetime.now(UTC),
        skipped=tuple(skipped),
        values=_sampled_values([r.values for r in readable]),
    )


def _sampled_values(per_object: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    """Up to `VALUES_PER_COLUMN` values per column over the sampled heads (in memory only)."""
    values: dict[str, list[str]] = {}
    for columns in per_object:
        for name, column in columns.items():
            kept = values.setdefault(name, [])
            kept.extend(column[: VALUES_PER_COLUMN - len(kept)])
    return values


def _columns(
    schemas: list[pa.Schema], partitions: list[tuple[tuple[str, str], ...]]
) -> list[ColumnSchema]:
    """File columns of the union, then the partition columns."""
    if not schemas:
        return []
    file_columns = flatten(union_schemas(schemas))
    top_level = {c.path.split(".")[0].removesuffix("[]") for c in file_columns}
    return file_columns + partition_columns(partitions, top_level)


def _dataset_format(formats: Counter[str], reads: list[_ObjectRead]) -> str:
    """The readable format most objects had; the first object's otherwise (`unsupported:…`)."""
    if formats:
        return formats.most_common(1)[0][0]
    return reads[0].result.format if reads else "none"
