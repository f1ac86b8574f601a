"""Statements that move data between tables and storage paths: COPY, Redshift/Athena UNLOAD,
and statements sqlglot keeps as text (MySQL REPLACE INTO is read as the INSERT it is)."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.tokens import TokenType

from lineage_assets.sql.analysis import Analysis, Context, Edge
from lineage_assets.sql.columns import STAR
from lineage_assets.sql.dml import insert
from lineage_assets.sql.names import location_name, path_name
from lineage_assets.sql.query_lineage import query_lineage, write_query
from lineage_assets.sql.transforms import IDENTITY


def copy_statement(statement: exp.Copy, context: Context) -> Analysis:
    """COPY t FROM 'path' (load), COPY t TO 'path' / COPY INTO @stage FROM (query) (unload)."""
    this = statement.this
    if isinstance(this, exp.Schema):
        this = this.this
    files = statement.args.get("files") or []
    loading = bool(statement.args.get("kind"))
    if isinstance(this, (exp.Subquery, exp.Query)) and not loading:
        target = next((p for p in (location_name(f) for f in files) if p), None)
        analysis = Analysis(kind="COPY", targets=[target] if target else [])
        write_query(analysis, target, query_lineage(this, context), None, context, learn=False)
        return analysis
    this_name = context.name(this) if isinstance(this, exp.Table) and not _is_stage(this) else None
    this_path = path_name(this.this) if isinstance(this, exp.Table) else path_name(this)
    analysis = Analysis(kind="COPY")
    if loading and this_name:
        analysis.targets.append(this_name)
        for file in files:
            path = location_name(file)
            if path:
                analysis.sources.append(path)
                analysis.edges.append(Edge(this_name, STAR, {(path, STAR): IDENTITY}))
            elif isinstance(file, exp.Table) and context.name(file):
                analysis.sources.append(context.name(file) or "")
        return analysis
    target = this_path if loading else None
    if not loading:
        target = next((p for p in (location_name(f) for f in files) if p), None)
        if this_name:
            analysis.sources.append(this_name)
            if target:
                analysis.edges.append(Edge(target, STAR, {(this_name, STAR): IDENTITY}))
    if target:
        analysis.targets.append(target)
    for file in files:
        query = file.this if isinstance(file, exp.Subquery) else file
        if isinstance(query, exp.Query):
            write_query(analysis, target, query_lineage(query, context), None, context, learn=False)
        elif isinstance(file, exp.Table) and context.name(file):
            analysis.sources.append(context.name(file) or "")
            if target:
                analysis.edges.append(Edge(target, STAR, {(context.name(file), STAR): IDENTITY}))
    return analysis


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
