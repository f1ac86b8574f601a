"""Bounds on one statement: its size, its nesting depth, its analysis time and its stored text.

A statement over a bound becomes an error row naming its line; the rest of the script goes on.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_STATEMENT_CHARS = 1 << 20  # larger statements are reported, not parsed
MAX_DEPTH = 100  # parentheses, brackets and CASE levels of one statement
SHALLOW_DEPTH = 20  # statements this shallow are parsed within the default recursion limit
MAX_SECONDS = 20.0  # analysis time of one statement, checked as the resolver goes
MAX_NAME_CHARS = 1_024  # one identifier (BigQuery's limit, the longest of the dialects)
MAX_CTES = 1_000  # sqlglot's scopes copy the CTE map per CTE: time and memory grow as its square
MAX_OPEN_JOINS = 12  # JOINs awaiting their ON/USING: sqlglot's parser backtracks exponentially
MAX_ROUTINE_NESTING = 4  # routine bodies quoted inside routine bodies
MAX_TEXT_CHARS = 1 << 16  # the statement text kept with its lineage
TRUNCATED_MARKER = "\n-- [statement text truncated: {size} characters in all]"


class StatementTimeout(Exception):
    """The analysis of one statement ran past `MAX_SECONDS`."""


class Deadline:
    """A point in time after which the current statement's analysis gives up."""

    def __init__(self, seconds: float = MAX_SECONDS) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        """Raise `StatementTimeout` once the deadline has passed."""
        if time.monotonic() > self.at:
            raise StatementTimeout(f"analysis took longer than {self.seconds:g} s")


def bounded_text(sql: str, start: int, end: int) -> tuple[str, bool]:
    """The text of sql[start:end], cut to `MAX_TEXT_CHARS` with a marker; and whether it was."""
    if end - start <= MAX_TEXT_CHARS:
        return sql[start:end], False
    marker = TRUNCATED_MARKER.format(size=end - start)
    return sql[start : start + MAX_TEXT_CHARS] + marker, True


_RECURSION_LIMIT = 6000  # twice the frames a statement of MAX_DEPTH was measured to need
_raised = 0
_lock = threading.Lock()


@contextmanager
def recursion_headroom() -> Iterator[None]:
    """Let sqlglot's recursive parser reach `MAX_DEPTH`: the interpreter's recursion limit is
    raised while a statement (already checked against `MAX_DEPTH`) is parsed and analysed,
    and restored when the last statement being analysed in any thread is done."""
    global _raised
    with _lock:
        if _raised == 0:
            _saved.append(sys.getrecursionlimit())
            sys.setrecursionlimit(max(_saved[-1], _RECURSION_LIMIT))
        _raised += 1
    try:
        yield
    finally:
        with _lock:
            _raised -= 1
            if _raised == 0:
                sys.setrecursionlimit(_saved.pop())


_saved: list[int] = []
