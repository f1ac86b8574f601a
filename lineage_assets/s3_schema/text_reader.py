"""CSV and JSON from a bounded head of the object (decompressed on the way, also bounded):
pyarrow infers the types; we only decide where the head ends and what the dialect is.

Bounds: `head_bytes` fetched and at most `head_bytes` decompressed; a line longer than the
head is refused; the header may name at most `MAX_COLUMNS` columns; brackets may nest at most
`MAX_NESTING` deep (checked before any parser runs); at most `MAX_SAMPLE_ROWS` rows are kept.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from lineage_assets.pii.detectors import identifying_class
from lineage_assets.s3_schema.compression import CorruptStream, inflate
from lineage_assets.s3_schema.formats import ObjectFormat
from lineage_assets.s3_schema.limits import MAX_COLUMNS, MAX_NESTING, MAX_SAMPLE_ROWS
from lineage_assets.s3_schema.objects import RangeReader, SampleError, describe_error

HEAD_BYTES = 256 * 1024
MAX_JSON_DEPTH = MAX_NESTING
_SNIFF_CHARS = 4 * 1024  # the sniffer's quote regexes are quadratic: 16 KiB of `,"` took 3.6 s
_DELIMITERS = ",\t;|"


@dataclass(frozen=True)
class TextHead:
    """The decoded start of an object; `complete` when it is the whole object."""

    text: str
    complete: bool


def read_head(reader: RangeReader, fmt: ObjectFormat, head_bytes: int = HEAD_BYTES) -> TextHead:
    """The first `head_bytes` (decompressed, if compressed) as text, cut after the last whole
    line."""
    raw = reader.read(0, head_bytes)
    complete = len(raw) >= reader.size
    what = f"a {fmt.format} object"
    if fmt.compression:
        fetched = len(raw)
        try:
            inflated = inflate(fmt.compression, raw, complete, head_bytes)
        except CorruptStream as error:
            raise SampleError(f"{reader.uri}: {error}") from error
        raw, complete = inflated.data, inflated.complete
        what += f" ({fmt.compression}: {len(raw)} bytes from the first {fetched} compressed)"
    if b"\x00" in raw:
        raise SampleError(f"{reader.uri}: binary content (NUL bytes) in {what}")
    if not complete:
        end = raw.rfind(b"\n")
        if end < 0:
            raise SampleError(f"{reader.uri}: no line end in the first {len(raw)} bytes of {what}")
        raw = raw[: end + 1]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SampleError(f"{reader.uri}: invalid UTF-8 at byte {error.start} of {what}") from error
    return TextHead(text.removeprefix("\ufeff"), complete)


def _looks_like_data(cells: list[str]) -> bool:
    """Whether a would-be header row holds an identifying value (an email, a card number):
    then it is data, and must not become (and be stored as) column names."""
    return any(identifying_class(cell) for cell in cells)


class _DelimiterSniffer(csv.Sniffer):
    """The standard sniffer's header test with the delimiter already decided: `has_header`
    otherwise sniffs again without the allowed delimiters and may split `col1` on `1`."""

    def __init__(self, delimiter: str) -> None:
        super().__init__()
        self.dialect = type("_Dialect", (csv.excel,), {"delimiter": delimiter})

    def sniff(self, sample: str, delimiters: str | None = None) -> type[csv.Dialect]:
        """The decided dialect, whatever the sample."""
        return self.dialect


def csv_dialect(text: str, extension: str) -> tuple[str, bool]:
    """(delimiter, has header) by the standard library's sniffer; `,` and a header if unsure."""
    sample = text[:_SNIFF_CHARS]
    sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = "\t" if extension == "tsv" else ","
    try:
        header = _DelimiterSniffer(delimiter).has_header(sample)
    except csv.Error:
        header = True
    return delimiter, header


def read_csv(head: TextHead, fmt: ObjectFormat, uri: str) -> pa.Table:
    """The head as a table: pyarrow.csv with the sniffed delimiter and header; a header row
    whose cells look like personal data is read as data (and never stored as names)."""
    delimiter, header = csv_dialect(head.text, fmt.extension)
    first_line = head.text.split("\n", 1)[0]
    if first_line.count(delimiter) >= MAX_COLUMNS:
        raise SampleError(
            f"{uri}: {first_line.count(delimiter) + 1} columns in the first line "
            f"(limit {MAX_COLUMNS})"
        )
    if header and _looks_like_data(next(csv.reader([first_line], delimiter=delimiter), [])):
        header = False
    data = head.text.encode()
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(
                autogenerate_column_names=not header, block_size=max(len(data), 1 << 16)
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
        )
    except pa.ArrowException as error:
        raise SampleError(f"{uri}: CSV not readable: {describe_error(error)}") from error
    return table.slice(0, MAX_SAMPLE_ROWS)


@dataclass(frozen=True)
class JsonShape:
    """What a scan outside string literals finds: the deepest bracket nesting and the most
    keys (`:`) in one record (a line's object, or an element of a top-level array)."""

    depth: int
    keys_per_record: int


def json_shape(text: str) -> JsonShape:
    """The text's nesting and widest record, found before any parser runs (pyarrow takes
    seconds over a line of 100,000 keys, Python's parser recurses)."""
    depth = deepest = keys = widest = 0
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char == ":":
            keys += 1
            widest = max(widest, keys)
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
            if depth <= 1:
                keys = 0
    return JsonShape(deepest, widest)


def read_json(head: TextHead, uri: str) -> pa.Table:
    """JSON lines (pyarrow.json; nested objects become structs, arrays lists), or one whole
    JSON document of objects when the object is small enough to be read completely."""
    shape = json_shape(head.text)
    if shape.depth > MAX_JSON_DEPTH:
        raise SampleError(f"{uri}: JSON nested {shape.depth} levels deep (limit {MAX_JSON_DEPTH})")
    if shape.keys_per_record > MAX_COLUMNS:
        raise SampleError(
            f"{uri}: a JSON record with {shape.keys_per_record} keys (limit {MAX_COLUMNS})"
        )
    data = head.text.encode()
    try:
        table = pa_json.read_json(
            pa.BufferReader(data), read_options=pa_json.ReadOptions(block_size=len(data) + 1)
        )
    except pa.ArrowException as error:
        if not head.complete:
            raise SampleError(f"{uri}: JSON lines not readable: {describe_error(error)}") from error
        table = _whole_document(head.text, uri, error)
    return table.slice(0, MAX_SAMPLE_ROWS)


def _whole_document(text: str, uri: str, lines_error: Exception) -> pa.Table:
    """A pretty-printed JSON object, or array of objects, as a table."""
    try:
        document = json.loads(text)
        records = document if isinstance(document, list) else [document]
        if not records or not all(isinstance(item, dict) for item in records):
            raise ValueError("not an object or a list of objects")
        return pa.Table.from_pylist(records[:MAX_SAMPLE_ROWS])
    except (ValueError, pa.ArrowException) as error:
        reason = f"{describe_error(lines_error)}; {describe_error(error)}"
        raise SampleError(f"{uri}: JSON not readable: {reason}") from error
