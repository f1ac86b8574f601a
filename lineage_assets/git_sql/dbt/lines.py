"""Source line numbers through a Jinja render: every line of template text carries an invisible
marker, so a rendered line names the file line it came from (multi-line `config()` blocks,
untaken branches and comments no longer shift what follows)."""

from __future__ import annotations

import re

from lineage_assets.git_sql.dbt.records import LINE_CLOSE, LINE_OPEN

TAG_START = re.compile(r"\{[{%#]")
RAW_START = re.compile(r"\{%-?\s*raw\s*-?%\}")
RAW_END = re.compile(r"\{%-?\s*endraw\s*-?%\}")
MARKER = re.compile(f"{LINE_OPEN}(\\d+){LINE_CLOSE}")
CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _tag_end(text: str, start: int) -> int:
    """The index just past the tag opened at `start`: as Jinja's lexer, strings are skipped and
    a closer inside open brackets (`{{ config(meta={'a': {'b': 1}}) }}`) does not count."""
    opener = text[start : start + 2]
    closer = CLOSERS[opener]
    if opener == "{#":
        end = text.find(closer, start + 2)
        return len(text) if end < 0 else end + 2
    index, quote, depth = start + 2, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif depth == 0 and text.startswith(closer, index):
            return index + 2
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        index += 1
    return len(text)


def _template_text_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every span of template text outside tags (raw blocks count as text)."""
    spans, position = [], 0
    while position < len(text):
        found = TAG_START.search(text, position)
        if found is None:
            spans.append((position, len(text)))
            break
        spans.append((position, found.start()))
        raw = RAW_START.match(text, found.start())
        if raw:
            closing = RAW_END.search(text, raw.end())
            end_of_raw = closing.start() if closing else len(text)
            spans.append((raw.end(), end_of_raw))
            position = closing.end() if closing else len(text)
            continue
        position = _tag_end(text, found.start())
    return spans


def mark_lines(text: str) -> str:
    """The template with a line marker at the start of each line that begins in template text."""
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    spans = _template_text_spans(text)
    inserts: list[tuple[int, int]] = []
    span_index = 0
    for line, start in enumerate(line_starts, start=1):
        while span_index < len(spans) and spans[span_index][1] < start:
            span_index += 1
        if span_index < len(spans):
            begin, end = spans[span_index]
            if begin <= start < end or (start == end == len(text) and begin <= start):
                inserts.append((start, line))
    pieces, previous = [], 0
    for offset, line in inserts:
        pieces.append(text[previous:offset])
        pieces.append(f"{LINE_OPEN}{line}{LINE_CLOSE}")
        previous = offset
    pieces.append(text[previous:])
    return "".join(pieces)


def unmark(rendered: str) -> tuple[str, list[int]]:
    """(clean text, source line of each rendered line): a line without a marker follows the
    line before it."""
    clean_lines, source_lines = [], []
    previous = 0
    for line in rendered.split("\n"):
        found = MARKER.search(line)
        number = int(found.group(1)) if found else previous + 1
        source_lines.append(number)
        clean_lines.append(MARKER.sub("", line) if found else line)
        previous = number
    return "\n".join(clean_lines), source_lines
