"""A script cut into statements with sqlglot's tokenizer: tokens, lines and text of each.

The script is tokenized once; statements are the runs of tokens between semicolons (and T-SQL
`GO` lines). Text the tokenizer cannot read (an unterminated string or comment) ends the script
in one bad piece. Each piece knows its own character span, so its text never depends on the
lines it shares with other statements, and its nesting depth, so a statement too deep for the
parser becomes an error before the parser recurses.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

_NEWLINE = re.compile("\n")
_TEXT = re.compile(r"[^\s;]")
_GO_TOKENS = frozenset((TokenType.VAR, TokenType.COMMAND))
_OPENING = frozenset((TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.CASE))
_CLOSING = frozenset((TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.END))


@dataclass(frozen=True)
class Piece:
    """One statement's tokens, lines and character span [start, end); `error` when its text
    could not be tokenized. `depth` is its deepest nesting of parentheses, brackets and CASE."""

    tokens: list[Token]
    start_line: int
    end_line: int
    error: str | None = None
    start: int = 0
    end: int = 0
    depth: int = 0

    @property
    def size(self) -> int:
        """The statement's length in characters."""
        return self.end - self.start


class LineIndex:
    """Character offsets to 1-based line numbers of one script."""

    def __init__(self, text: str) -> None:
        self.newlines = [match.start() for match in _NEWLINE.finditer(text)]

    def line(self, offset: int) -> int:
        """The line holding character `offset`."""
        return bisect_right(self.newlines, offset - 1) + 1


def split_statements(sql: str, dialect: Dialect, lines: LineIndex) -> Iterator[Piece]:
    """The statements of a script in order, each with its tokens, lines, span and depth.

    Pieces are produced one at a time and the script's token list lets go of the tokens
    behind them, so a caller that keeps only results holds one statement's tokens at a time.
    """
    tokens, failure = _tokenize(sql, dialect)
    current: list[Token] = []
    depth = deepest = 0
    last_end = 0
    semicolon, opening, closing = TokenType.SEMICOLON, _OPENING, _CLOSING
    for index, token in enumerate(tokens):
        if index > 1:
            tokens[index - 2] = None  # a GO check looks one token back
        if token is None:
            continue
        kind = token.token_type
        if kind is semicolon or (kind in _GO_TOKENS and _is_batch_separator(tokens, index)):
            if current:
                piece = _piece(current, lines, deepest)
                last_end = piece.end
                yield piece
            current = []
            depth = deepest = 0
            continue
        current.append(token)
        if kind in opening:
            depth += 1
            if depth > deepest:
                deepest = depth
        elif kind in closing and depth:
            depth -= 1
    tokens.clear()
    if failure is not None:
        offset = current[0].start if current else _offset_after(last_end, sql)
        start = lines.line(offset)
        end = max(start, lines.line(len(sql) - 1)) if sql else start
        message = f"line {start}: cannot tokenize the statement: {failure[:200]}"
        yield Piece([], start, end, message, offset, len(sql))
    elif current:
        yield _piece(current, lines, deepest)


def _tokenize(sql: str, dialect: Dialect) -> tuple[list[Token | None], str | None]:
    """The script's tokens, and the tokenizer's complaint when it stopped early."""
    tokenizer = dialect.tokenizer()
    try:
        return list(tokenizer.tokenize(sql)), None
    except TokenError as error:
        return list(tokenizer.tokens), str(error).split("\n", 1)[0]


def _is_batch_separator(tokens: list[Token | None], index: int) -> bool:
    """T-SQL's `GO`: a line holding only GO ends a batch, like a semicolon."""
    token = tokens[index]
    if token is None or token.token_type not in _GO_TOKENS or token.text.upper() != "GO":
        return False
    previous = tokens[index - 1] if index else None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    before = previous.line if previous is not None else 0
    after = following.line if following is not None else token.line + 1
    return before < token.line < after


def nesting_depth(tokens: list[Token]) -> int:
    """The deepest nesting of parentheses, brackets and CASE in a run of tokens."""
    depth = deepest = 0
    for token in tokens:
        kind = token.token_type
        if kind in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif kind in _CLOSING and depth:
            depth -= 1
    return deepest


def shape_hazard(
    tokens: list[Token], max_ctes: int, max_open_joins: int, max_name_chars: int
) -> str | None:
    """Why a statement of this shape would cost super-linear time or memory: too many CTEs
    (`name AS (`: sqlglot copies its scopes), too many JOINs in a row still waiting for their
    ON/USING (its parser backtracks), or a name longer than any dialect allows (repeated in
    every column edge)."""
    ctes = open_joins = 0
    previous: TokenType | None = None
    for token in tokens:
        kind = token.token_type
        if kind in (TokenType.VAR, TokenType.IDENTIFIER) and len(token.text) > max_name_chars:
            return f"a name longer than {max_name_chars:,} characters"
        if kind == TokenType.L_PAREN and previous == TokenType.ALIAS:
            ctes += 1
            if ctes > max_ctes:
                return f"more than {max_ctes:,} CTEs"
        elif kind == TokenType.JOIN and previous not in (TokenType.CROSS, TokenType.NATURAL):
            open_joins += 1
            if open_joins > max_open_joins:
                return f"more than {max_open_joins} JOINs in a row without ON or USING"
        elif kind in (TokenType.ON, TokenType.USING) and open_joins:
            open_joins -= 1
        previous = kind
    return None


def _piece(tokens: list[Token], lines: LineIndex, depth: int) -> Piece:
    """A statement of well-formed tokens."""
    start, end = tokens[0].start, tokens[-1].end + 1
    return Piece(tokens, lines.line(start), lines.line(end - 1), None, start, end, depth)


def _offset_after(last_end: int, sql: str) -> int:
    """Where an unreadable statement starts: the first text after the last complete one."""
    found = _TEXT.search(sql, last_end)
    return found.start() if found else max(len(sql) - 1, 0)
