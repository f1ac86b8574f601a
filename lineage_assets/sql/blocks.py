"""Procedural SQL cut into the statements it runs: stored-procedure and function bodies
(BigQuery, T-SQL, Snowflake Scripting, PL/pgSQL and Redshift, MySQL), control flow
(IF … THEN, ELSE, WHILE … DO, LOOP, FOR … DO, BEGIN … END, EXCEPTION WHEN … THEN) and T-SQL
batches whose statements are not separated by semicolons.

Each semicolon-separated piece is expanded into parts: the statements to analyse, a routine
header (its body, when quoted as `$$ … $$` or '…', is a script of its own; so are Snowflake
`EXECUTE IMMEDIATE $$ … $$` and Postgres `DO $$ … $$`), or nothing for pure block structure
(`END IF`, `BEGIN`, declarations, assignments).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from lineage_assets.sql.split import LineIndex, Piece, nesting_depth

ROUTINES = ("PROCEDURE", "PROC", "FUNCTION")
_DOLLAR_QUOTE = re.compile(r"\$[A-Za-z_0-9]*\$")
_BODY_STRINGS = (TokenType.STRING, TokenType.RAW_STRING, TokenType.HEREDOC_STRING)
_NOT_SQL_LANGUAGES = ("JAVASCRIPT", "PYTHON", "JAVA", "SCALA", "PLPYTHONU", "PLPYTHON3U", "C")
_BLOCK_ENDS = ("IF", "LOOP", "WHILE", "FOR", "REPEAT", "CASE", "TRY", "CATCH")
_THEN_PREFIXES = ("IF", "ELSEIF", "ELSIF", "WHEN")  # … THEN statement
_DO_PREFIXES = ("WHILE", "FOR")  # … DO / LOOP statement
_BARE_PREFIXES = ("ELSE", "LOOP", "REPEAT")
_TRANSACTION_WORDS = ("TRANSACTION", "TRAN", "WORK", "DISTRIBUTED", "ISOLATION")
_PROCEDURAL = ("RETURN", "LET", "RAISE", "PERFORM", "EXIT", "LEAVE", "ITERATE", "CONTINUE",
               "BREAK", "OPEN", "FETCH", "CLOSE", "GET", "NULL", "PRINT", "RAISERROR", "THROW",
               "GOTO", "WAITFOR", "DEALLOCATE")  # fmt: skip
_REOPENED = frozenset(
    ("BEGIN", "WHILE", "LOOP", "REPEAT", "FOR", "IF", "ELSE", "ELSEIF", "EXCEPTION", "WHEN")
)
_BLOCK_COMMANDS = frozenset(("DO", "EXECUTE"))  # reopened only when they run a quoted block
_CONTROL_WORDS = frozenset(
    (*_REOPENED, "DECLARE", "ELSIF", "WHEN", "EXCEPTION", "END", "UNTIL", "BEGIN", "DO", "EXECUTE")
)
MAX_HEADERS = 16  # routine headers one statement may chain (`CREATE PROCEDURE … AS CREATE …`)
_DECLARING_DIALECTS = ("postgres", "redshift", "snowflake", "oracle")

# T-SQL: keywords that begin a statement, and when they continue the current one instead.
_TSQL_STARTS = frozenset(
    ("INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "WITH", "CREATE", "ALTER", "DROP",
     "TRUNCATE", "DECLARE", "SET", "EXEC", "EXECUTE", "PRINT", "IF", "ELSE", "WHILE", "BEGIN",
     "END", "RETURN", "RAISERROR", "THROW", "USE", "GRANT", "DENY", "REVOKE", "COMMIT",
     "ROLLBACK", "SAVE", "BREAK", "CONTINUE", "GOTO", "WAITFOR", "OPEN", "FETCH", "CLOSE",
     "DEALLOCATE", "BULK")
)  # fmt: skip
_TSQL_BODY = ("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "EXEC", "EXECUTE", "VALUES")


@dataclass
class BlockState:
    """What the pieces before this one opened: a routine body, a DECLARE section."""

    dialect: str
    tokenizer: Callable[[str], list[Token]] | None = None
    in_routine: bool = False
    declaring: bool = False
    open_blocks: int = 0  # BEGIN … END blocks open in an inline routine body (not T-SQL)
    inline_routine: bool = False  # the routine's body is not quoted: it ends at its last END

    def new_batch(self) -> None:
        """T-SQL `GO`: a routine body runs to the end of its batch, so nothing is open."""
        self.in_routine = self.declaring = self.inline_routine = False
        self.open_blocks = 0


@dataclass(frozen=True)
class Routine:
    """A CREATE PROCEDURE / FUNCTION header; `body` is its quoted body, a script of its own,
    starting at character `body_start` of the enclosing text."""

    piece: Piece
    kind: str
    body: str | None = None
    body_start: int = 0


def expand(piece: Piece, sql: str, lines: LineIndex, state: BlockState) -> list[Piece | Routine]:
    """The statements a piece runs, its routine header, or nothing for block structure."""
    if piece.error or not piece.tokens or _is_plain(piece.tokens, state):
        return [piece]  # the common case
    tokens = _reopen_command(piece.tokens, sql, state)
    runs = _tsql_statements(tokens) if state.dialect == "tsql" else [tokens]
    parts: list[Piece | Routine] = []
    for run in runs:
        parts.extend(_run_parts(run, sql, lines, state))
    return parts


def _run_parts(
    tokens: list[Token], sql: str, lines: LineIndex, state: BlockState
) -> list[Piece | Routine]:
    """One statement's tokens without control-flow prefixes: routine headers (with their
    quoted body, or followed by the body's first statement), the statement, or nothing."""
    parts: list[Piece | Routine] = []
    while tokens and len(parts) < MAX_HEADERS:
        tokens = _strip_control(tokens, state)
        block = _anonymous_block(tokens, sql, lines)
        if block is not None:
            parts.append(block)
            return parts
        header = _routine_header(tokens) if tokens else None
        if header is None:
            break
        kind, body_at = header
        routine = _quoted_routine(tokens, sql, lines, kind)
        if routine is not None:
            parts.append(routine)
            return parts
        state.in_routine = True
        state.declaring = False
        state.inline_routine = state.dialect != "tsql"
        state.open_blocks = 0
        parts.append(Routine(_sub_piece(tokens[:body_at] if body_at else tokens, lines), kind))
        tokens = tokens[body_at:] if body_at else []
    if tokens and not _is_block_structure(tokens, state):
        parts.append(_sub_piece(tokens, lines))
    return parts


def _is_plain(tokens: list[Token], state: BlockState) -> bool:
    """A statement with no routine header, control flow or declaration around it."""
    first = _word(tokens[0])
    return (
        first not in _CONTROL_WORDS
        and state.dialect != "tsql"
        and not state.declaring
        and (first != "CREATE" or _routine_header(tokens) is None)
        and not (state.in_routine and first in _PROCEDURAL)
        and (len(tokens) < 2 or tokens[1].token_type != TokenType.COLON_EQ)
    )


def _reopen_command(tokens: list[Token], sql: str, state: BlockState) -> list[Token]:
    """BigQuery reads `BEGIN …` / `WHILE …`, Postgres `DO …`, Snowflake `EXECUTE …` as a
    command and the rest of the statement as one string: that rest tokenized again, at its
    place in the script."""
    if (
        len(tokens) != 2
        or state.tokenizer is None
        or tokens[0].token_type not in (TokenType.COMMAND, TokenType.EXECUTE)
        or tokens[1].token_type != TokenType.STRING
    ):
        return tokens
    command, rest = tokens
    word = _word(command)
    if word not in _REOPENED and word not in _BLOCK_COMMANDS:
        return tokens
    begin = command.end + 1
    try:
        inner = state.tokenizer(sql[begin : rest.end + 1])
    except TokenError:
        return tokens
    for token in inner:
        token.line += command.line - 1
        token.start += begin
        token.end += begin
    reopened = [command, *inner]
    if word in _BLOCK_COMMANDS and _anonymous_block(reopened, sql, None) is None:
        return tokens
    return reopened


def _word(token: Token) -> str:
    """A token's text in upper case (keywords are compared by text across dialects)."""
    return token.text.upper()


def _routine_header(tokens: list[Token]) -> tuple[str, int] | None:
    """(`CREATE PROCEDURE` or `CREATE FUNCTION`, index where an inline body starts, 0 if none)
    when the piece creates a routine."""
    if _word(tokens[0]) != "CREATE":
        return None
    kind = None
    for index, token in enumerate(tokens[1:8], start=1):
        if _word(token) in ROUTINES:
            kind = "CREATE FUNCTION" if _word(token) == "FUNCTION" else "CREATE PROCEDURE"
            start = index + 1
            break
    if kind is None:
        return None
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and _word(token) == "BEGIN":
            return kind, index
        elif depth == 0 and _word(token) == "AS" and _word(tokens[index - 1]) != "EXECUTE":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or following.token_type in (*_BODY_STRINGS, TokenType.L_PAREN):
                return kind, 0  # a quoted body, or BigQuery's `AS (expression)`
            return kind, index + 1
    return kind, 0


def _anonymous_block(tokens: list[Token], sql: str, lines: LineIndex | None) -> Routine | None:
    """Snowflake `EXECUTE IMMEDIATE $$ … $$` and Postgres `DO $$ … $$`: a quoted block run
    where it stands, analysed as a script of its own."""
    if len(tokens) < 2:
        return None
    words = [_word(t) for t in tokens[:3]]
    if words[0] == "DO" and tokens[1].token_type in _BODY_STRINGS:
        kind, body = "DO", tokens[1]
    elif words[:2] == ["EXECUTE", "IMMEDIATE"] and len(tokens) > 2:
        kind, body = "EXECUTE IMMEDIATE", tokens[2]
        if body.token_type not in _BODY_STRINGS:
            return None
    else:
        return None
    quote = _DOLLAR_QUOTE.match(sql, body.start)
    if quote is None and not sql.startswith("'", body.start):
        return None  # a command's unparsed rest, not a quoted block
    opening = len(quote.group()) if quote else 1
    piece = _sub_piece(tokens, lines) if lines is not None else Piece(tokens, 0, 0)
    return Routine(piece, kind, body.text, body.start + opening)


def _quoted_routine(tokens: list[Token], sql: str, lines: LineIndex, kind: str) -> Routine | None:
    """A routine whose body is a quoted string in a SQL language: the body as a script."""
    words = [_word(t) for t in tokens]
    if "LANGUAGE" in words:
        position = words.index("LANGUAGE") + 1
        if position < len(words) and words[position].strip("'\"") in _NOT_SQL_LANGUAGES:
            return Routine(_sub_piece(tokens, lines), kind)
    for index, token in enumerate(tokens[1:], start=1):
        if token.token_type in _BODY_STRINGS and words[index - 1] == "AS":
            if not any(c.isspace() for c in token.text.strip()):
                return Routine(_sub_piece(tokens, lines), kind)  # Hive/Spark `AS 'a.b.Class'`
            quote = _DOLLAR_QUOTE.match(sql, token.start)
            opening = len(quote.group()) if quote else 1
            return Routine(_sub_piece(tokens, lines), kind, token.text, token.start + opening)
    return None


def _strip_control(tokens: list[Token], state: BlockState) -> list[Token]:
    """The statement behind control-flow prefixes: `IF c THEN`, `WHILE c DO`, `ELSE`, `BEGIN`…"""
    at, size = 0, len(tokens)
    while at < size:
        first = _word(tokens[at])
        following = _word(tokens[at + 1]) if at + 1 < size else ""
        if first == "BEGIN":
            alone = at + 1 == size and not state.in_routine and state.dialect != "tsql"
            if following in _TRANSACTION_WORDS or alone:
                break  # BEGIN [TRANSACTION]: a statement
            state.declaring = False
            if state.inline_routine:
                state.open_blocks += 1
            at += 2 if following in ("TRY", "CATCH") else 1
        elif first == "DECLARE" and state.in_routine and state.dialect in _DECLARING_DIALECTS:
            state.declaring = True
            at += 1
        elif first in _THEN_PREFIXES or (first == "EXCEPTION" and following == "WHEN"):
            end = None if state.dialect == "tsql" else _after_keyword(tokens, at, ("THEN",))
            if end is None:
                break
            state.declaring = False
            at = end
        elif first in _DO_PREFIXES and state.dialect != "tsql":
            end = _after_keyword(tokens, at, ("DO", "LOOP"))
            if end is None:
                break
            at = end
        elif first in _BARE_PREFIXES and (state.in_routine or state.dialect == "tsql"):
            at += 1
        else:
            break
    return tokens[at:] if at else tokens


def _after_keyword(tokens: list[Token], start: int, keywords: tuple[str, ...]) -> int | None:
    """The index after the first of `keywords` past `start`, outside parentheses and CASE."""
    depth = 0
    for index in range(start + 1, len(tokens)):
        kind = tokens[index].token_type
        if kind in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
        elif kind in (TokenType.R_PAREN, TokenType.END):
            depth -= 1
        elif depth == 0 and _word(tokens[index]) in keywords:
            return index + 1
    return None


def _is_block_structure(tokens: list[Token], state: BlockState) -> bool:
    """`END [IF|LOOP|…] [label]`, T-SQL `IF cond`, declarations and assignments: no lineage."""
    first = _word(tokens[0])
    if first == "END" and (
        len(tokens) == 1
        or _word(tokens[1]) in _BLOCK_ENDS
        or (len(tokens) == 2 and tokens[1].token_type == TokenType.VAR)
    ):
        if (
            state.inline_routine
            and state.open_blocks
            and (len(tokens) == 1 or _word(tokens[1]) not in _BLOCK_ENDS)
        ):
            state.open_blocks -= 1
            if not state.open_blocks:  # the routine's own END: the script goes on
                state.in_routine = state.inline_routine = state.declaring = False
        return True  # fmt: skip
    if first == "UNTIL" or (first in ("IF", "WHILE", "ELSE") and state.dialect == "tsql"):
        return True
    if state.declaring:
        return True
    if state.in_routine and first in _PROCEDURAL:
        return True
    return len(tokens) > 1 and tokens[1].token_type == TokenType.COLON_EQ  # v := …


def _tsql_statements(tokens: list[Token]) -> list[list[Token]]:
    """A T-SQL batch cut where a statement keyword begins a new statement outside
    parentheses and CASE (T-SQL needs no semicolons between statements)."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for index, token in enumerate(tokens):
        kind = token.token_type
        if depth == 0 and current and _starts_tsql_statement(tokens, index, current):
            runs.append(current)
            current = []
        current.append(token)
        if kind in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
        elif kind in (TokenType.R_PAREN, TokenType.END) and depth:
            depth -= 1
    if current:
        runs.append(current)
    return runs


def _starts_tsql_statement(tokens: list[Token], index: int, current: list[Token]) -> bool:
    """Whether `tokens[index]` begins a new T-SQL statement after `current`."""
    token = tokens[index]
    word = _word(token)
    if word not in _TSQL_STARTS or token.token_type in _NOT_KEYWORDS:
        return False
    previous = _word(current[-1])
    if previous in _CONTINUING or current[-1].token_type in _NOT_KEYWORDS[2:]:
        return False
    if previous == "ON" and word in ("UPDATE", "DELETE"):
        return False  # ON DELETE CASCADE
    head = _word(current[0])
    if head in ("BEGIN", "END", "ELSE"):
        return True
    if head in ("IF", "WHILE"):
        return len(current) > 1
    if word == "WITH":
        return _is_cte_start(tokens, index)
    if head == "WITH":
        main = _first(current, _TSQL_BODY[:5])
        if main is None:
            return word not in _TSQL_BODY[:5]
        current, head = current[main:], _word(current[main])
    if head == "INSERT" and word in _TSQL_BODY:
        return _first(current, _TSQL_BODY) is not None
    if head in ("UPDATE", "MERGE") and word == "SET":
        return _first(current, ("SET",)) is not None
    if head in ("GRANT", "DENY", "REVOKE"):  # privileges are statement words too
        return token.line > current[-1].line
    if head == "ALTER" and word in ("SET", "DROP", "ALTER", "WITH"):
        return False
    return not (head == "CREATE" and word in ("SELECT", "WITH") and _first(current, ("AS",)))


_NOT_KEYWORDS = (TokenType.IDENTIFIER, TokenType.STRING, TokenType.DOT, TokenType.PARAMETER)
_CONTINUING = ("UNION", "ALL", "EXCEPT", "INTERSECT", "THEN", "FOR", "AS", "INTO", "BULK",
               "TABLE", "ROWS", "TO", "BY")  # fmt: skip


def _first(tokens: list[Token], words: tuple[str, ...]) -> int | None:
    """The index of the first token after the first that is one of `words`, outside
    parentheses; None when there is none."""
    depth = 0
    for index, token in enumerate(tokens[1:], start=1):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and _word(token) in words:
            return index
    return None


def _is_cte_start(tokens: list[Token], index: int) -> bool:
    """`WITH name AS (` or `WITH name (cols) AS (`: a CTE, not a table hint or option."""
    following = tokens[index + 1 : index + 3]
    if len(following) < 2 or following[0].token_type == TokenType.L_PAREN:
        return False
    return _word(following[1]) == "AS" or following[1].token_type == TokenType.L_PAREN


def _sub_piece(tokens: list[Token], lines: LineIndex) -> Piece:
    """A piece made of some of another piece's tokens."""
    start, end = tokens[0].start, tokens[-1].end + 1
    return Piece(
        tokens, lines.line(start), lines.line(end - 1), None, start, end, nesting_depth(tokens)
    )
