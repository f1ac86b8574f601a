"""Statements that move data between tables and storage paths: COPY, Redshift/Athena UNLOAD,
and statements sqlglot keeps as text (MySQL REPLACE INTO is read as the INSERT it is)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokens import TokenType

from lineage_assets.sql.analysis import Analysis, Context, Edge
from lineage_assets.sql.columns import STAR
from lineage_assets.sql.dml import insert
from lineage_assets.sql.names import location_name, path_name
from lineage_assets.sql.query_lineage import query_lineage, write_query
from lineage_assets.sql.transforms import IDENTITY


@dataclass(frozen=True)
class CopyRead:
    """One thing a COPY reads: a table or path read whole (`linked`: the target gets a
    whole-row edge from it), or a query whose lineage is written into the target."""

    name: str | None = None
    query: exp.Expr | None = None
    linked: bool = False


@dataclass(frozen=True)
class CopyPlan:
    """What a COPY writes (a table or a storage path, None when unnamed) and what it reads."""

    target: str | None
    reads: tuple[CopyRead, ...] = ()


def copy_statement(statement: exp.Copy, context: Context) -> Analysis:
    """COPY t FROM 'path' (load), COPY t TO 'path' / COPY INTO @stage FROM (query) (unload)."""
    return apply_copy(plan_copy(statement, context), context)


def plan_copy(statement: exp.Copy, context: Context) -> CopyPlan:
    """The target and reads of a COPY, from its syntax alone (no catalog is consulted)."""
    this = statement.this
    if isinstance(this, exp.Schema):
        this = this.this
    files = statement.args.get("files") or []
    loading = bool(statement.args.get("kind"))
    if isinstance(this, (exp.Subquery, exp.Query)) and not loading:
        return CopyPlan(_first_location(files), (CopyRead(query=this),))
    this_name = context.name(this) if isinstance(this, exp.Table) and not _is_stage(this) else None
    if loading and this_name:
        return CopyPlan(this_name, _loaded_reads(files, context))
    if loading:
        target = path_name(this.this) if isinstance(this, exp.Table) else path_name(this)
        return CopyPlan(target, _written_reads(files, context))
    unloaded = (CopyRead(this_name, linked=True),) if this_name else ()
    return CopyPlan(_first_location(files), unloaded + _written_reads(files, context))


def apply_copy(plan: CopyPlan, context: Context) -> Analysis:
    """The analysis of a planned COPY: each read a source, whole-row edges and query lineage."""
    analysis = Analysis(kind="COPY", targets=[plan.target] if plan.target else [])
    for read in plan.reads:
        if read.query is not None:
            lineage = query_lineage(read.query, context)
            write_query(analysis, plan.target, lineage, None, context, learn=False)
            continue
        analysis.sources.append(read.name or "")
        if read.linked and plan.target and read.name is not None:
            analysis.edges.append(Edge(plan.target, STAR, {(read.name, STAR): IDENTITY}))
    return analysis


def _first_location(files: list[exp.Expr]) -> str | None:
    """The first file of a COPY that names a location (an unload's destination)."""
    return next((p for p in (location_name(f) for f in files) if p), None)


def _loaded_reads(files: list[exp.Expr], context: Context) -> tuple[CopyRead, ...]:
    """What a table is loaded from, in file order."""
    return tuple(read for read in (_loaded(file, context) for file in files) if read is not None)


def _loaded(file: exp.Expr, context: Context) -> CopyRead | None:
    """A file a table is loaded from: a path (whole-row edge) or a named table (source only)."""
    path = location_name(file)
    if path:
        return CopyRead(path, linked=True)
    if isinstance(file, exp.Table) and context.name(file):
        return CopyRead(context.name(file))
    return None


def _written_reads(files: list[exp.Expr], context: Context) -> tuple[CopyRead, ...]:
    """The queries and named tables a COPY writes into its target."""
    reads = []
    for file in files:
        query = file.this if isinstance(file, exp.Subquery) else file
        if isinstance(query, exp.Query):
            reads.append(CopyRead(query=query))
        elif isinstance(file, exp.Table) and context.name(file):
            reads.append(CopyRead(context.name(file), linked=True))
    return tuple(reads)


def _is_stage(table: exp.Table) -> bool:
    """Whether a COPY target is a Snowflake stage (`@stage/path`), i.e. a storage location."""
    return table.this.name.startswith("@")


def _command_text(statement: exp.Command) -> str:
    """The text after a command's keyword (sqlglot keeps a string or a literal)."""
    rest = statement.expression
    if isinstance(rest, exp.Expr):
        return rest.name
    return str(rest or "")


def command(statement: exp.Command, context: Context) -> Analysis:
    """Statements sqlglot keeps as text: UNLOAD, REPLACE INTO, COPY written with line
    continuations and partition exchange are analysed; the rest are `UNSUPPORTED`, with a
    warning naming the statement, never dropped."""
    name = str(statement.this).upper()
    text = _command_text(statement)
    if name == "UNLOAD":
        return _unload(statement, context)
    if name == "REPLACE" and text.upper().startswith("INTO"):
        parsed = context.dialect.parse(f"INSERT {text}")[0]  # MySQL REPLACE INTO = INSERT
        if isinstance(parsed, exp.Insert):
            analysis = insert(parsed, context)
            analysis.kind = "REPLACE"
            return analysis
    if name == "COPY" and _CONTINUATION.search(text):
        parsed = context.dialect.parse(f"COPY {_CONTINUATION.sub(' ', text)}")[0]
        if isinstance(parsed, exp.Copy):
            return copy_statement(parsed, context)
    if name == "ALTER":
        exchange = _exchange_partition(text, context)
        if exchange is not None:
            return exchange
    if name in _CONTROL:
        return Analysis(kind=name)
    analysis = Analysis(kind="UNSUPPORTED")
    first = text.split(maxsplit=1)[0].upper() if text.strip() else ""
    what = f"{name} {first}".strip() if name in ("CREATE", "ALTER", "DROP") else name
    analysis.warnings.append(f"{what[:60]} statement kept as text by the parser; no lineage")
    return analysis


_CONTINUATION = re.compile(r"\\[ \t]*\r?\n")  # psql-style `\` at the end of a line
_CONTROL = frozenset(("BEGIN", "END", "COMMIT", "ROLLBACK", "START", "SAVEPOINT", "RELEASE"))
_EXCHANGE = re.compile(
    r"^TABLE\s+(?P<target>\S+)\s+EXCHANGE\s+PARTITION\b.*?\bWITH\s+TABLE\s+(?P<source>[^\s;]+)",
    re.IGNORECASE | re.DOTALL,
)


_BULK_INSERT = re.compile(
    r"^INSERT\s+(?P<target>\S+)\s+FROM\s+'(?P<path>(?:[^']|'')*)'", re.IGNORECASE
)


def bulk_insert(text: str, context: Context) -> Analysis | None:
    """T-SQL `BULK INSERT t FROM 'file'`: the table loads the file, as COPY does."""
    found = _BULK_INSERT.match(text.strip())
    if found is None:
        return None
    target = context.name(exp.to_table(found["target"], dialect=context.dialect))
    path = found["path"].replace("''", "'").strip()
    analysis = Analysis(kind="BULK INSERT", replaces=False)
    if target and path:
        analysis.targets.append(target)
        analysis.sources.append(path)
        analysis.edges.append(Edge(target, STAR, {(path, STAR): IDENTITY}))
    return analysis


def _exchange_partition(text: str, context: Context) -> Analysis | None:
    """Hive/Oracle `ALTER TABLE t EXCHANGE PARTITION (…) WITH TABLE s`: s's data moves into t."""
    found = _EXCHANGE.match(text.strip())
    if found is None:
        return None
    target = context.name(exp.to_table(found["target"], dialect=context.dialect))
    source = context.name(exp.to_table(found["source"], dialect=context.dialect))
    analysis = Analysis(kind="ALTER TABLE EXCHANGE PARTITION", replaces=False)
    if target and source:
        analysis.targets.append(target)
        analysis.sources.append(source)
        analysis.edges.append(Edge(target, STAR, {(source, STAR): IDENTITY}))
    return analysis


def _unload(statement: exp.Command, context: Context) -> Analysis:
    """Redshift UNLOAD ('query') TO 's3://…': the query's lineage written to the path."""
    analysis = Analysis(kind="UNLOAD")
    text = _command_text(statement)
    tokens = context.dialect.tokenize(text)
    if len(tokens) < 3 or tokens[0].token_type != TokenType.L_PAREN:
        raise ValueError("UNLOAD without a (query)")
    depth, close = 0, len(tokens) - 1
    for index, token in enumerate(tokens):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if depth == 0:
            close = index
            break
    if close == 2 and tokens[1].token_type == TokenType.STRING:
        query_text = tokens[1].text  # Redshift: UNLOAD ('select …')
    else:
        query_text = text[tokens[1].start : tokens[close].start]  # Athena: UNLOAD (SELECT …)
    target = None
    rest = tokens[close + 1 :]
    for index, token in enumerate(rest[:-1]):
        if token.text.upper() == "TO" and rest[index + 1].token_type == TokenType.STRING:
            target = rest[index + 1].text
            break
    if target:
        analysis.targets.append(target)
    query = context.dialect.parse(query_text)[0]
    if not isinstance(query, exp.Query):
        raise ValueError("UNLOAD query is not a SELECT")
    write_query(analysis, target, query_lineage(query, context), None, context, learn=False)
    return analysis
