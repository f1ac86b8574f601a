"""What one pipeline definition or report file may cost to read: characters, nesting depth,
steps, and the resolver's expression depth, work and time. Sizes and depth are checked on the
text before `json.loads`, which would itself recurse past Python's limit on deep nesting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any

# botocore's SageMaker model: DescribePipeline's PipelineDefinition is 1..1,048,576 characters.
MAX_DEFINITION_CHARS = 1_048_576
# Real definitions nest about 14 deep (abalone), plus 3 per nested Condition branch.
MAX_JSON_DEPTH = 64
# Every step at any Condition depth; real pipelines have tens.
MAX_STEPS = 1_000
# Latest executions read per pipeline (the original service showed one).
DEFAULT_EXECUTIONS = 5
# Items of one paginated list (an execution's steps with retries, its parameters, feature groups).
MAX_LISTED = 10_000
# Nested Std:Join / Get values plus `Steps.X` hops from one step's Arguments to another's.
MAX_EXPRESSION_DEPTH = 64
# Values resolved per definition: a Join of Joins can otherwise double its work per level.
MAX_RESOLVE_OPERATIONS = 50_000  # the abalone definition needs 35
MAX_RESOLVE_SECONDS = 10.0
# One resolved value (a URI, a joined string); a longer one is cut and warned about.
MAX_VALUE_CHARS = 65_536
# All strings one resolution builds (a realistic 0.9 MB definition builds about 0.1 MB).
MAX_RESOLVED_CHARS = 4 * 1024 * 1024
# An evaluation report read from S3 (a PropertyFile such as evaluation.json).
MAX_REPORT_BYTES = 256 * 1024
# Longest error or warning text kept in the store.
MAX_MESSAGE_CHARS = 2_000

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@dataclass(frozen=True)
class PipelineWarning:
    """Something odd about a pipeline, kept with it: a stable `code`, a message, and the
    execution (or None for the current definition) it was found in."""

    code: str
    message: str
    execution_arn: str | None = None

    def __str__(self) -> str:
        return self.message


class BoundExceeded(ValueError):
    """An input larger or deeper than its bound; `code` names the bound."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def json_depth(text: str) -> int:
    """The deepest `[`/`{` nesting of JSON text, without recursion: strings are dropped, then
    the bracket deltas are summed (brackets of an unclosed string still count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def bounded_json(text: str | bytes, what: str, max_chars: int, max_depth: int) -> Any:
    """Parse JSON text within bounds: BoundExceeded (`too_large`, `too_deep`) before parsing,
    ValueError when it is not JSON (bytes must be UTF-8)."""
    if isinstance(text, bytes):
        if len(text) > max_chars:
            raise BoundExceeded("too_large", f"{what} is {len(text)} bytes (at most {max_chars})")
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if len(text) > max_chars:
        raise BoundExceeded("too_large", f"{what} is {len(text)} characters (at most {max_chars})")
    depth = json_depth(text)
    if depth > max_depth:
        raise BoundExceeded("too_deep", f"{what} nests {depth} deep (at most {max_depth})")
    return json.loads(text)


# The last definitions parsed are kept (at most this many, each at most this long) for the
# next reader of the same text.
CACHED_DEFINITIONS = 16
CACHED_DEFINITION_CHARS = 128 * 1024


def load_definition(text: str | bytes) -> Any:
    """A definition's JSON value within the definition bounds (see `bounded_json`).

    One crawl reads the same text about ten times (bounds, hash, parameters, stored copy,
    property files, resolution; for the pipeline and for each execution that ran it), so the
    last few parsed values are kept: the value is shared, callers only read it."""
    if len(text) <= CACHED_DEFINITION_CHARS:
        return _cached_definition(text)
    return bounded_json(text, "definition", MAX_DEFINITION_CHARS, MAX_JSON_DEPTH)


@lru_cache(maxsize=CACHED_DEFINITIONS)
def _cached_definition(text: str | bytes) -> Any:
    return bounded_json(text, "definition", MAX_DEFINITION_CHARS, MAX_JSON_DEPTH)


def clip(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message cut to `limit` characters, saying so."""
    return message if len(message) <= limit else message[:limit] + f"… ({len(message)} chars)"


def definition_text(stored: str) -> str:
    """The definition text back from its stored form: a JSON string holds the original text
    of a definition that was not JSON (so resolving it warns `not_json` again)."""
    if stored.startswith('"'):
        text = json.loads(stored)
        if isinstance(text, str):
            return text
    return stored
