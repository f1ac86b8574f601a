"""A script cut into statements with sqlglot's tokenizer: tokens and 1-based lines of each.

The script is tokenized once; statements are the runs of tokens between semicolons. Text the
tokenizer cannot read (an unterminated string or comment) ends the script in one bad piece.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

_NEWLINE = re.compile("\n")
_GO_TOKENS = (TokenType.VAR, TokenType.COMMAND)


@dataclass(frozen=True)
class Piece:
    """One statement's tokens and lines; `error` when its text could not be tokenized."""

    tokens: list[Token]
    start_line: int
    end_line: int
    error: str | None = None


class LineIndex:
    """Character offsets to 1-based line numbers of one script."""

    def __init__(self, text: str) -> None:
        self.newlines = [match.start() for match in _NEWLINE.finditer(text)]

    def line(self, offset: int) -> int:
        """The line holding character `offset`."""
        return bisect_right(self.newlines, offset - 1) + 1


def split_statements(sql: str, dialect: Dialect, lines: LineIndex) -> list[Piece]:
    """The statements of a script in order, each with its tokens and start/end line."""
    tokenizer = dialect.tokenizer()
    failure: str | None = None
    try:
        tokens = tokenizer.tokenize(sql)
    except TokenError as error:
        tokens = list(tokenizer.tokens)
        failure = str(error).split("\n", 1)[0]
    pieces: list[Piece] = []
    current: list[Token] = []
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON or _is_batch_separator(tokens, index):
            if current:
                pieces.append(_piece(current, lines))
            current = []
        else:
            current.append(token)
    if failure is not None:
        start = lines.line(current[0].start) if current else _line_after(pieces, sql, lines)
        end = max(start, lines.line(len(sql) - 1)) if sql else start
        message = f"line {start}: cannot tokenize the statement: {failure[:200]}"
        pieces.append(Piece([], start, end, message))
    elif current:
        pieces.append(_piece(current, lines))
    return pieces


def _is_batch_separator(tokens: list[Token], index: int) -> bool:
    """T-SQL's `GO`: a line holding only GO ends a batch, like a semicolon."""
    token = tokens[index]
    if token.token_type not in _GO_TOKENS or token.text.upper() != "GO":
        return False
    before = tokens[index - 1].line if index else 0
    after = tokens[index + 1].line if index + 1 < len(tokens) else token.line + 1
    return before < token.line < after


def _piece(tokens: list[Token], lines: LineIndex) -> Piece:
    """A statement of well-formed tokens."""
    return Piece(tokens, lines.line(tokens[0].start), lines.line(tokens[-1].end))


def _line_after(pieces: list[Piece], sql: str, lines: LineIndex) -> int:
    """The first line after the last complete statement (where an unreadable one starts)."""
    if not pieces:
        return 1
    return min(pieces[-1].end_line + 1, lines.line(max(len(sql) - 1, 0)))
