"""A script cut into statements with sqlglot's tokenizer: tokens, lines and text of each.

The script is tokenized in runs of about `CHUNK_CHARS` characters, each cut right after a `;`
that the tokenizer reads as a semicolon (not one inside a string, a comment or a command), so a
file of many statements never holds all its tokens at once. A T-SQL `GO` line is no cut: GO is
a command that may take the next statement as its text. Statements are the runs of tokens
between semicolons (and `GO` lines). Text the tokenizer cannot read (an
unterminated string or comment) ends the script in one bad piece. Each piece knows its own
character span, so its text never depends on the lines it shares with other statements, and
its nesting depth, so a statement too deep for the parser becomes an error before the parser
recurses.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, Tokenizer, TokenType

# Text tokenized at once: a longer script is cut at the first statement end past this many
# characters (a 100,000-statement line holds 128 MiB of tokens when tokenized whole).
CHUNK_CHARS = 256 * 1024

_NEWLINE = re.compile("\n")
_COMMENT_STARTS = ("-", "/", "#", "{")  # `--`, `/* */`, `//`, `#`, `{# #}` in some dialect
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

    Pieces are produced one at a time and the tokens behind them are let go, so a caller that
    keeps only results holds one statement's tokens (and one run of the script's) at a time.
    """
    failure: list[str] = []
    current: list[Token] = []
    depth = deepest = 0
    last_end = 0
    semicolon, opening, closing = TokenType.SEMICOLON, _OPENING, _CLOSING
    for previous, token, following in _neighbours(_tokens(sql, dialect, failure)):
        kind = token.token_type
        if kind is semicolon or (
            kind in _GO_TOKENS and _is_batch_separator(previous, token, following)
        ):
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
    if failure:
        offset = current[0].start if current else _offset_after(last_end, sql)
        start = lines.line(offset)
        end = max(start, lines.line(len(sql) - 1)) if sql else start
        message = f"line {start}: cannot tokenize the statement: {failure[0][:200]}"
        yield Piece([], start, end, message, offset, len(sql))
    elif current:
        yield _piece(current, lines, deepest)


def _neighbours(tokens: Iterator[Token]) -> Iterator[tuple[Token | None, Token, Token | None]]:
    """Each token with the one before and the one after it (a `GO` check looks both ways)."""
    previous: Token | None = None
    token = next(tokens, None)
    while token is not None:
        following = next(tokens, None)
        yield previous, token, following
        previous, token = token, following


def _tokens(sql: str, dialect: Dialect, failure: list[str]) -> Iterator[Token]:
    """The script's tokens in order, tokenized run by run, with offsets, lines and columns
    counted in the whole script; the tokenizer's complaint, if it stopped early, in `failure`."""
    start, line, column = 0, 1, 0
    previous = (start, line, column)
    while len(sql) - start > CHUNK_CHARS and _reads_runs(dialect):
        found = _run_to_semicolon(sql, start, dialect)
        if found is None:
            break
        tokens, cut = found
        _place(tokens, start, line, column)
        previous = (start, line, column)
        line, column = tokens[-1].line, tokens[-1].col  # the tokenizer's count, `\r` included
        yield from _released(tokens)
        start = cut
    tokens, complaint = _tokenize(sql[start:] if start else sql, dialect)
    if complaint is not None and start:
        # The complaint quotes the text around where the tokenizer stopped: read again from the
        # run before, so that the quote never depends on where the last run began.
        begin, line, column = previous
        tokens, complaint = _tokenize(sql[begin:], dialect)
        tokens = [token for token in tokens if token.start >= start - begin]
        start = begin
    if complaint is not None:
        failure.append(complaint)
    _place(tokens, start, line, column)
    yield from _released(tokens)


def _reads_runs(dialect: Dialect) -> bool:
    """Whether the dialect tokenizes text as it comes (Athena's tokenizer, for one, picks Hive
    or Trino rules from the whole script, so a script in runs could read differently)."""
    return dialect.tokenizer_class.tokenize is Tokenizer.tokenize


def _released(tokens: list[Token]) -> Iterator[Token]:
    """The tokens of a run, each let go by the list once handed on."""
    for index, token in enumerate(tokens):
        tokens[index] = None  # type: ignore[call-overload]
        yield token
    tokens.clear()


def _run_to_semicolon(sql: str, start: int, dialect: Dialect) -> tuple[list[Token], int] | None:
    """The tokens of `sql[start:cut]` for the first `cut` past `CHUNK_CHARS` characters that
    follows a semicolon token; None when no such semicolon follows."""
    position = start + CHUNK_CHARS
    while position < len(sql):
        found = sql.find(";", position)
        if found < 0:
            return None
        cut = found + 1
        if _comment_follows(sql, cut):
            position = cut
            continue
        tokens, complaint = _tokenize(sql[start:cut], dialect)
        if complaint is None and _ends_with_semicolon(tokens, cut - start):
            return tokens, cut
        position = start + 2 * (cut - start)  # inside a string, a comment or a command
    return None


def _ends_with_semicolon(tokens: list[Token], size: int) -> bool:
    """Whether a run's tokens end with a semicolon at its last character."""
    return (
        bool(tokens)
        and tokens[-1].token_type is TokenType.SEMICOLON
        and (tokens[-1].end == size - 1)
    )


def _comment_follows(sql: str, cut: int) -> bool:
    """Whether a comment may start on the line after `cut`: the tokenizer gives it to the token
    before (the `;`), which a run starting at `cut` would not have."""
    return sql[cut : cut + 256].lstrip(" \t")[:1] in _COMMENT_STARTS


def _place(tokens: list[Token], start: int, line: int, column: int) -> None:
    """Count the offsets, lines and columns of tokens read from `start`, where the script is
    at `line` and `column`, in the whole script."""
    if not start:
        return
    for token in tokens:
        if token.line == 1:
            token.col += column
        token.line += line - 1
        token.start += start
        token.end += start


def _tokenize(sql: str, dialect: Dialect) -> tuple[list[Token], str | None]:
    """The tokens of a text, and the tokenizer's complaint when it stopped early."""
    tokenizer = dialect.tokenizer()
    try:
        return list(tokenizer.tokenize(sql)), None
    except TokenError as error:
        return list(tokenizer.tokens), str(error).split("\n", 1)[0]


def _is_batch_separator(previous: Token | None, token: Token, following: Token | None) -> bool:
    """T-SQL's `GO`: a line holding only GO ends a batch, like a semicolon."""
    if token.token_type not in _GO_TOKENS or token.text.upper() != "GO":
        return False
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
