"""Text read from sources, made safe to print: S3 keys, sampled column names and node ids hold
terminal escapes, newlines and right-to-left overrides."""

from __future__ import annotations


def printable(text: str) -> str:
    """Text fit for messages and logs: control and format characters (terminal escapes,
    right-to-left overrides) written as `\\x1b`-style escapes, everything else unchanged."""
    if text.isprintable():
        return text
    return "".join(
        c
        if c.isprintable() or c == " "
        else c.encode("unicode_escape", "backslashreplace").decode()
        for c in text
    )
