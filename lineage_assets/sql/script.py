"""A whole script: statements analysed in order, intermediates dropped, column lineage chained.

A table written and later read (or dropped) by the same script is an intermediate: it leaves
the script's sources and targets, and edges read from it are replaced by its own origins.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

from lineage_assets.sql import transforms
from lineage_assets.sql.analysis import Analysis, Context
from lineage_assets.sql.blocks import BlockState, Routine, expand
from lineage_assets.sql.catalog import Catalog
from lineage_assets.sql.columns import STAR, Origins, add_origin
from lineage_assets.sql.limits import (
    MAX_CTES,
    MAX_DEPTH,
    MAX_NAME_CHARS,
    MAX_OPEN_JOINS,
    MAX_ROUTINE_NESTING,
    MAX_STATEMENT_CHARS,
    SHALLOW_DEPTH,
    Deadline,
    StatementTimeout,
    bounded_text,
    recursion_headroom,
)
from lineage_assets.sql.names import column_ref
from lineage_assets.sql.records import ColumnEdge, ScriptLineage, StatementLineage
from lineage_assets.sql.split import LineIndex, Piece, shape_hazard, split_statements
from lineage_assets.sql.statements import analyse
from lineage_assets.sql.storage import bulk_insert

Written = dict[str, dict[str, Origins]]  # table -> column -> origins in script sources


def extract_lineage(
    sql: str,
    dialect: str | None = None,
    schema: dict | None = None,
    *,
    default_db: str | None = None,
) -> ScriptLineage:
    """Table and column lineage of every statement of `sql` and of the script as a whole.

    `default_db` qualifies unqualified table names, as a session's current database does (an
    Athena execution's context, a view's database); a USE statement still changes it.
    Never raises on bad SQL: a statement that cannot be parsed or analysed carries an `error`
    naming its line, and the other statements are still analysed.
    """
    try:
        sql_dialect = Dialect.get_or_raise(dialect)
    except ValueError as error:
        return _failed_script(sql, f"line 1: unknown dialect {dialect!r}: {error}")
    context = Context(sql_dialect, Catalog(sql_dialect, schema), default_db=default_db)
    runner = ScriptRunner(context, sql_dialect.parser(error_level=ErrorLevel.IMMEDIATE))
    runner.run(sql, BlockState(type(sql_dialect).__name__.lower(), sql_dialect.tokenize))
    return runner.chain.result(runner.statements)


class ScriptRunner:
    """Analyses a script's statements in order, and the bodies of the routines it creates
    as scripts of their own (lines counted in the enclosing text)."""

    def __init__(self, context: Context, parser: Parser) -> None:
        self.context = context
        self.parser = parser
        self.chain = ScriptChain()
        self.statements: list[StatementLineage] = []

    def run(self, sql: str, state: BlockState, line_offset: int = 0, nesting: int = 0) -> None:
        """Analyse every statement of `sql`, whose line 1 is line `line_offset + 1`."""
        lines = LineIndex(sql)
        batched = state.dialect == "tsql"
        previous_end = 0
        for piece in split_statements(sql, self.context.dialect, lines):
            if batched and _GO_LINE.search(sql, previous_end, piece.start or previous_end):
                state.new_batch()
            previous_end = piece.end
            for part in expand(piece, sql, lines, state):
                if isinstance(part, Routine):
                    self._routine(part, sql, lines, state, line_offset, nesting)
                    continue
                self.context.in_routine = state.in_routine
                shifted = _shift(part, line_offset)
                analysis, error = _analyse_piece(shifted, sql, self.parser, self.context)
                text, truncated = bounded_text(sql, part.start, part.end)
                self.statements.append(
                    self.chain.add(shifted, analysis, error, text, truncated, state.in_routine)
                )

    def _routine(
        self,
        routine: Routine,
        sql: str,
        lines: LineIndex,
        state: BlockState,
        line_offset: int,
        nesting: int,
    ) -> None:
        """A CREATE PROCEDURE / FUNCTION header, then its quoted body's statements."""
        piece = _shift(routine.piece, line_offset)
        text, truncated = bounded_text(sql, piece.start, piece.end)
        analysis = Analysis(kind=routine.kind)
        too_deep = routine.body is not None and nesting >= MAX_ROUTINE_NESTING
        if too_deep:
            analysis.warnings.append(
                f"routine body inside {MAX_ROUTINE_NESTING} other routines not analysed"
            )
        self.statements.append(self.chain.add(piece, analysis, None, text, truncated))
        if routine.body is None or too_deep:
            return
        body_state = BlockState(state.dialect, state.tokenizer, in_routine=True)
        offset = line_offset + lines.line(routine.body_start) - 1
        self.run(routine.body, body_state, offset, nesting + 1)


_GO_LINE = re.compile(r"^[ \t]*GO[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _shift(piece: Piece, line_offset: int) -> Piece:
    """A piece with its lines counted in the enclosing text."""
    if not line_offset:
        return piece
    return replace(
        piece, start_line=piece.start_line + line_offset, end_line=piece.end_line + line_offset
    )


def _failed_script(sql: str, message: str) -> ScriptLineage:
    """A script that could not be analysed at all (e.g. an unknown dialect)."""
    end = sql.count("\n") + 1
    statement = StatementLineage("UNKNOWN", [], [], [], 1, end, message)
    return ScriptLineage([], [], [], [statement], [])


def _analyse_piece(
    piece: Piece, sql: str, parser: Parser, context: Context
) -> tuple[Analysis | None, str | None]:
    """Parse and analyse one statement within its bounds; any failure (RecursionError and
    MemoryError included) becomes an error message naming its line."""
    if piece.error:
        return None, piece.error
    line = piece.start_line
    if piece.size > MAX_STATEMENT_CHARS:
        return None, f"line {line}: statement too large to analyse ({piece.size:,} characters)"
    if piece.depth > MAX_DEPTH:
        return None, f"line {line}: statement nested deeper than {MAX_DEPTH} levels"
    if hazard := shape_hazard(piece.tokens, MAX_CTES, MAX_OPEN_JOINS, MAX_NAME_CHARS):
        return None, f"line {line}: statement not analysed: {hazard}"
    if piece.depth > SHALLOW_DEPTH:
        with recursion_headroom():
            return _parse_and_analyse(piece, sql, parser, context)
    return _parse_and_analyse(piece, sql, parser, context)


def _parse_and_analyse(
    piece: Piece, sql: str, parser: Parser, context: Context
) -> tuple[Analysis | None, str | None]:
    """Parse one statement and analyse its tree; failures become messages naming its line."""
    line = piece.start_line
    if piece.tokens[0].text.upper() == "BULK":  # T-SQL BULK INSERT, which sqlglot cannot parse
        bulk = bulk_insert(sql[piece.tokens[0].end + 1 : piece.end], context)
        if bulk is not None:
            return bulk, None
    try:
        trees = parser.parse(_parseable_tokens(piece.tokens, context), sql)
    except ParseError as error:
        hive = _hive_reading(piece, sql, context)
        if hive is None:
            return None, _parse_message(error, piece)
        trees = hive
    except RecursionError:
        return None, f"line {line}: statement nested too deeply to parse"
    except MemoryError:
        return None, f"line {line}: out of memory parsing the statement"
    except Exception as error:  # sqlglot can fail in other ways on odd input
        return None, f"line {line}: cannot parse: {_first_line(error)}"
    tree = next((t for t in trees if t is not None and not isinstance(t, exp.Semicolon)), None)
    if tree is None:
        return None, None
    context.deadline = Deadline()
    context.text = sql
    try:
        return analyse(tree, context), None
    except StatementTimeout as error:
        return None, f"line {line}: cannot analyse: {error}"
    except RecursionError:
        return None, f"line {line}: statement nested too deeply to analyse"
    except MemoryError:
        return None, f"line {line}: out of memory analysing the statement"
    except Exception as error:  # one statement's failure never stops the script
        return None, f"line {line}: cannot analyse: {_first_line(error)}"


_COMPOUND_OPERATORS = frozenset(
    {
        TokenType.PLUS,
        TokenType.DASH,
        TokenType.STAR,
        TokenType.SLASH,
        TokenType.MOD,
        TokenType.AMP,
        TokenType.PIPE,
        TokenType.CARET,
    }
)


def _parseable_tokens(tokens: list[Token], context: Context) -> list[Token]:
    """Tokens with the dialect forms sqlglot cannot parse rewritten to ones it can."""
    if type(context.dialect).__name__ == "Teradata":
        tokens = _teradata_attributes(tokens)
    return _compound_assignments(tokens)


def _teradata_attributes(tokens: list[Token]) -> list[Token]:
    """Teradata's `col (TITLE 'heading')` is display only; `col (NAMED n)` is `col AS n`."""
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        phrase = tokens[index : index + 4]
        if (
            token.token_type == TokenType.L_PAREN
            and len(phrase) == 4
            and phrase[3].token_type == TokenType.R_PAREN
            and phrase[1].text.upper() in ("TITLE", "NAMED")
        ):
            if phrase[1].text.upper() == "NAMED":
                word = phrase[1]
                result.append(
                    Token(TokenType.ALIAS, "AS", word.line, word.col, word.start, word.end)
                )
                result.append(phrase[2])
            index += 4
            continue
        result.append(token)
        index += 1
    return result


def _compound_assignments(tokens: list[Token]) -> list[Token]:
    """T-SQL `SET col += expr` (any `op=`) as `SET col = col op expr`, which sqlglot parses."""
    if tokens[0].token_type != TokenType.UPDATE:
        return tokens
    result: list[Token] = []
    assigned_from = 0  # where the column being assigned starts in `result`
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if (
            token.token_type in _COMPOUND_OPERATORS
            and following is not None
            and following.token_type == TokenType.EQ
            and following.start == token.end + 1
        ):
            column = result[assigned_from:]
            result.extend((following, *column, token))
            index += 2
            continue
        result.append(token)
        if token.token_type in (TokenType.SET, TokenType.COMMA):
            assigned_from = len(result)
        index += 1
    return result


_HIVE_READABLE = frozenset({"Athena", "Dialect"})


def _hive_reading(piece: Piece, sql: str, context: Context) -> list[exp.Expr | None] | None:
    """Athena runs Hive syntax too, and SQL given without a dialect is often Hive/Spark:
    a statement with backquoted names that the grammar rejects is read as Hive before it is
    reported as an error."""
    if type(context.dialect).__name__ not in _HIVE_READABLE:
        return None
    if "`" not in sql[piece.start : piece.end]:
        return None
    hive = Dialect.get_or_raise("hive")
    text = sql[piece.start : piece.end]
    try:
        return hive.parser(error_level=ErrorLevel.IMMEDIATE).parse(hive.tokenize(text), text)
    except Exception:  # the original error is the one reported
        return None


def _parse_message(error: ParseError, piece: Piece) -> str:
    """`line N: <sqlglot's description>` for the first error of a statement (its line in the
    enclosing text, for a statement of a routine body)."""
    details = error.errors[0] if error.errors else {}
    line = piece.start_line
    if details.get("line") and piece.tokens:
        line = details["line"] - piece.tokens[0].line + piece.start_line
    description = details.get("description") or _first_line(error)
    col = details.get("col")
    where = f"line {line}" + (f", col {col}" if col else "")
    return f"{where}: {description}"


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message, shortened."""
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]


class ScriptChain:
    """Accumulates statements in order and chains column lineage through intermediates."""

    def __init__(self) -> None:
        self.written: Written = {}
        self.intermediates: set[str] = set()
        self.temporary: set[str] = set()
        self.view_sources: dict[str, list[str]] = {}
        self.dropped_only: set[str] = set()
        self.targets: dict[str, None] = {}
        self.sources: dict[str, None] = {}
        self.edges: list[tuple[str, str, Origins]] = []
        self.warnings: list[str] = []

    def add(
        self,
        piece: Piece,
        analysis: Analysis | None,
        error: str | None,
        text: str = "",
        truncated: bool = False,
        in_routine: bool = False,
    ) -> StatementLineage:
        """Record one statement (with its bounded text); its own lineage is returned unchained.

        A table written and then read is an intermediate, left out of the script's lineage;
        inside a routine body only a session (temporary) table is: a procedure's other tables
        are what it reads and writes each time it runs.
        """
        if analysis is None:
            kind = "UNKNOWN" if error else "EMPTY"
            return StatementLineage(
                kind, [], [], [], piece.start_line, piece.end_line, error,
                sql_text=text, text_truncated=truncated,
            )  # fmt: skip
        resolved = [
            (table, column, self._resolve(origins))
            for edge in analysis.edges
            for table, column, origins in self._expand_star(edge.table, edge.column, edge.origins)
        ]
        if analysis.session_view:
            return self._session_view(piece, analysis, resolved, text, truncated)
        for source in analysis.sources:
            if source in self.view_sources:
                self.sources.update(dict.fromkeys(self.view_sources[source]))
                continue
            if source in self.written and (not in_routine or source in self.temporary):
                self.intermediates.add(source)
            self.sources.setdefault(source, None)
        for table in analysis.dropped:
            if table in self.written:
                self.intermediates.add(table)
                del self.written[table]
            elif table not in self.targets:
                self.dropped_only.add(table)
        if not analysis.dropped:
            self._write(analysis, resolved)
        for old, new in analysis.renamed:
            self._rename(old, new)
        warnings = [f"line {piece.start_line}: {w}" for w in analysis.warnings]
        self.warnings.extend(warnings)
        return StatementLineage(
            kind=analysis.kind,
            targets=list(analysis.targets),
            sources=list(analysis.sources),
            column_lineage=_column_edges((e.table, e.column, e.origins) for e in analysis.edges),
            start_line=piece.start_line,
            end_line=piece.end_line,
            indirect_lineage=[
                ColumnEdge(column_ref(target, STAR), column_ref(*source), label)
                for (target, source), label in analysis.indirect.items()
            ],
            warnings=warnings,
            sql_text=text,
            text_truncated=truncated,
        )

    def _session_view(
        self,
        piece: Piece,
        analysis: Analysis,
        resolved: list[tuple[str, str, Origins]],
        text: str,
        truncated: bool,
    ) -> StatementLineage:
        """CACHE TABLE t AS query: no lineage of its own; later reads of `t` go through it."""
        sources = [
            upstream
            for source in analysis.sources
            for upstream in self.view_sources.get(source, [source])
        ]
        for target in analysis.targets:
            self.view_sources[target] = sources
            self.written[target] = {}
        for table, column, origins in resolved:
            self.written.setdefault(table, {})[column] = dict(origins)
        return StatementLineage(
            analysis.kind, [], [], [], piece.start_line, piece.end_line,
            sql_text=text, text_truncated=truncated,
        )  # fmt: skip

    def _write(self, analysis: Analysis, resolved: list[tuple[str, str, Origins]]) -> None:
        """Remember what the statement wrote, for later statements that read it."""
        for target in analysis.targets:
            self.targets.setdefault(target, None)
            self.dropped_only.discard(target)
            self.view_sources.pop(target, None)  # a table written later is no cached view
            if analysis.temporary:
                self.temporary.add(target)
            if analysis.replaces or target not in self.written:
                self.written[target] = {}
        for table, column, origins in resolved:
            columns = self.written.setdefault(table, {})
            merged = columns.setdefault(column, {})
            for source, transform in origins.items():
                add_origin(merged, source, transform)
            self.edges.append((table, column, origins))

    def _rename(self, old: str, new: str) -> None:
        """ALTER … RENAME: what the script wrote under `old` is now under `new`."""
        if old not in self.written:
            return
        self.written[new] = self.written.pop(old)
        self.targets = {new if t == old else t: None for t in self.targets}
        self.edges = [(new if t == old else t, c, o) for t, c, o in self.edges]

    def _expand_star(
        self, table: str, column: str, origins: Origins
    ) -> list[tuple[str, str, Origins]]:
        """`t.* <- s.*` where the script wrote `s` column by column: one edge per column."""
        if column != STAR:
            return [(table, column, origins)]
        edges: list[tuple[str, str, Origins]] = []
        rest: Origins = {}
        for (source, source_column), transform in origins.items():
            known = self.written.get(source) if source and source_column == STAR else None
            if known and STAR not in known:
                edges.extend((table, c, {(source, c): transform}) for c in known)
            else:
                rest[(source, source_column)] = transform
        if rest:
            edges.append((table, column, rest))
        return edges

    def _resolve(self, origins: Origins) -> Origins:
        """Origins with columns of intermediate tables replaced by where those came from."""
        resolved: Origins = {}
        for (table, column), transform in origins.items():
            upstream = self._upstream(table, column)
            if upstream is None:
                add_origin(resolved, (table, column), transform)
                continue
            for source, inner in upstream.items():
                add_origin(resolved, source, transforms.chain(transform, inner))
        return resolved

    def _upstream(self, table: str | None, column: str) -> Origins | None:
        """What a column of a table written earlier in the script came from; None if unknown."""
        columns = self.written.get(table) if table else None
        if not columns:
            return None
        if column in columns:
            return columns[column]
        if column == STAR:
            merged: Origins = {}
            for origins in columns.values():
                for source, transform in origins.items():
                    add_origin(merged, source, transform)
            return merged
        star = columns.get(STAR)
        if star:
            return {
                ((src_table, column) if src_column == STAR else (src_table, src_column)): t
                for (src_table, src_column), t in star.items()
            }
        return None

    def result(self, statements: list[StatementLineage]) -> ScriptLineage:
        """The script's lineage: intermediates left out, edges chained end to end."""
        hidden = self.intermediates | self.dropped_only
        targets = [t for t in self.targets if t not in hidden]
        sources = [s for s in self.sources if s not in hidden]
        kept = [(t, c, o) for t, c, o in self.edges if t not in hidden]
        return ScriptLineage(
            targets=targets,
            sources=sources,
            column_lineage=_column_edges(kept),
            statements=statements,
            warnings=self.warnings,
        )


def _column_edges(edges) -> list[ColumnEdge]:
    """Flatten (table, column, origins) into edges, one per (target, source) pair."""
    merged: dict[tuple[str, str], str] = {}
    for table, column, origins in edges:
        target = column_ref(table, column)
        for source, transform in origins.items():
            key = (target, column_ref(*source))
            known = merged.get(key)
            merged[key] = transform if known is None else transforms.parallel(known, transform)
    return [ColumnEdge(target, source, transform) for (target, source), transform in merged.items()]
