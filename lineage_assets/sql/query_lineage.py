"""The lineage of a query: qualify (only where needed), scope, resolve every output column once,
and record a query written into a target table or path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.optimizer.scope import Scope, build_scope

from lineage_assets.sql.analysis import Analysis, Context, Edge, QueryResult
from lineage_assets.sql.columns import STAR, QueryColumns
from lineage_assets.sql.transforms import IDENTITY


def query_lineage(
    query: exp.Expr, context: Context, written_as: list[str] | None = None
) -> QueryResult:
    """Normalise (and where needed qualify) a query in place, scope it, resolve its outputs.

    `written_as` are the target columns the outputs are written to, by position.
    """
    dialect = context.dialect
    warnings: list[str] = []
    while isinstance(query, exp.Subquery) and not query.alias:
        query = query.this  # CREATE TABLE t AS (SELECT …)
    shape = normalize_and_check(query, context)
    root = None
    if shape.qualify:
        query = qualify_tables(query, db=context.default_db, dialect=dialect)
        try:
            query = qualify_columns(query, context.catalog, expand_alias_refs=True)
        except SqlglotError as error:
            warnings.append(f"columns partly resolved ({str(error).splitlines()[0][:120]})")
    elif not shape.nested:
        root = _single_scope(query)
    context.deadline.check()
    root = root or build_scope(query)
    if root is None:
        return QueryResult([], _plain_tables(query, context), {}, warnings)
    resolver = QueryColumns(root, context.name, context.catalog.columns_of, context.deadline.check)
    outputs = resolver.outputs(written_as)
    indirect = resolver.indirect()
    sources = _scope_tables(resolver)
    if resolver.unresolved:
        names = ", ".join(sorted(resolver.unresolved)[:10])
        warnings.append(f"columns not resolved to a table: {names}")
    return QueryResult(outputs, sources, indirect, warnings)


@dataclass(frozen=True)
class Shape:
    """What one walk over a query found: whether sqlglot's qualifier must run, and whether
    the query nests other queries (else it is one scope over plain tables)."""

    qualify: bool
    nested: bool


def _single_scope(query: exp.Expr) -> Scope | None:
    """The one scope of a SELECT over named tables (what `build_scope` would build, without
    its walk); None when the query has any other shape."""
    if not isinstance(query, exp.Select) or query.args.get("with_"):
        return None
    from_ = query.args.get("from_")
    tables = [from_.this] if from_ is not None else []
    tables += [join.this for join in query.args.get("joins") or ()]
    sources: dict[str, exp.Table | Scope] = {}
    for table in tables:
        if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
            return None
        if table.args.get("joins") or table.args.get("laterals") or table.args.get("pivots"):
            return None
        name = table.alias_or_name
        if not name or name in sources:
            return None
        sources[name] = table
    return Scope(query, sources=sources)


def normalize_and_check(query: exp.Expr, context: Context) -> Shape:
    """In one walk, put each identifier as the dialect resolves it (`Foo` is `foo` in
    Postgres, `FOO` in Snowflake, as sqlglot's `normalize_identifiers` does) and tell whether
    sqlglot's qualifier must run: stars to expand, USING joins, struct fields (`t.s.f`),
    UNNEST / LATERAL / PIVOT, unaliased derived tables, a projection reading an earlier alias.

    Otherwise the scope resolver reads the tree as parsed, which costs half as much.
    """
    normalize = context.dialect.normalize_identifier
    lowers = _lowercases(context.dialect)
    needed = nested = False
    selects: list[exp.Select] = []
    aliases: set[str] = set()
    bare: set[str] = set()  # unqualified column names: an alias read back needs one
    for node in _nodes(query):
        kind = type(node)
        if kind is exp.Identifier:
            if not (lowers and node.this.islower()):
                normalize(node)
            continue
        if kind in _NESTING and node is not query:
            nested = True
        if kind is exp.Select:
            select = cast(exp.Select, node)
            _name_expressions(select, context)
            selects.append(select)
        elif kind is exp.Alias:
            aliases.add(node.alias.lower())
        elif kind is exp.Column and not cast(exp.Column, node).table:
            bare.add(node.name.lower())
        if not needed:
            check = _QUALIFY_SIGNALS.get(kind)
            needed = check is not None and check(node, context)
    if not needed and aliases & bare:
        needed = any(_reads_own_alias(select) for select in selects)
    return Shape(needed, nested)


_NESTING = frozenset(
    (exp.Select, exp.Subquery, exp.Union, exp.Intersect, exp.Except, exp.With, exp.CTE,
     exp.Unnest, exp.Lateral, exp.Pivot, exp.Values, exp.TableFromRows)
)  # fmt: skip


def _nodes(root: exp.Expr) -> Iterator[exp.Expr]:
    """Every node under `root`, parents before children (a leaner walk than `Expr.walk`)."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        yield node
        for value in node.args.values():
            if isinstance(value, exp.Expr):
                push(value)
            elif type(value) is list:
                stack.extend(v for v in value if isinstance(v, exp.Expr))


def _lowercases(dialect: Dialect) -> bool:
    """Whether the dialect normalises identifiers by lower-casing only (so a lower-case
    identifier is already normal) with sqlglot's default rule."""
    strategy = dialect.normalization_strategy
    return (
        strategy in (NormalizationStrategy.LOWERCASE, NormalizationStrategy.CASE_INSENSITIVE)
        and type(dialect).normalize_identifier is Dialect.normalize_identifier
    )


def _name_expressions(select: exp.Select, context: Context) -> None:
    """Name each unaliased expression column by its text (`col1 + col2`, `max(col1)`), the
    name the SQL lineage tools and MySQL give it, before the qualifier would call it `_col_0`."""
    for projection in list(select.expressions):
        if isinstance(projection, _NAMED) or projection.alias:
            continue
        name = _colon_cast_name(projection, context.text) or projection.sql(context.dialect)
        alias = exp.Alias(alias=exp.to_identifier(name, quoted=True))
        projection.replace(alias)
        alias.set("this", projection)


def _colon_cast_name(projection: exp.Expr, text: str) -> str | None:
    """`col::type` keeps the column's name (PostgreSQL's rule for the `::` cast)."""
    if not isinstance(projection, exp.Cast) or not isinstance(projection.this, exp.Column):
        return None
    end = projection.this.this.meta.get("end") if projection.this.this.meta else None
    if end is None or text[end + 1 : end + 40].lstrip()[:2] != "::":
        return None
    return projection.this.name


_NAMED = (exp.Alias, exp.Column, exp.Star, exp.Literal, exp.Dot)


def _is_from_source(node: exp.Expr) -> bool:
    """Whether a subquery sits in a FROM or JOIN clause."""
    return isinstance(node.parent, (exp.From, exp.Join))


def _reads_own_alias(select: exp.Select) -> bool:
    """Whether a SELECT refers to one of its own projection aliases (lateral alias refs)."""
    aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
    if not aliases:
        return False
    for clause in (*select.expressions, select.args.get("where"), select.args.get("qualify")):
        if clause is None:
            continue
        for column in clause.find_all(exp.Column):
            if not column.table and column.name.lower() in aliases and column is not clause.this:
                return True
    return False


def _star_needs_schema(star: exp.Expr, context: Context) -> bool:
    """A star the qualifier must expand: over tables whose columns are known, or with
    EXCEPT / REPLACE / RENAME (our resolver reads unknown and CTE stars itself)."""
    return not context.catalog.empty or any(
        star.args.get(k) for k in ("except_", "replace", "rename")
    )


_QUALIFY_SIGNALS: dict[type[exp.Expr], Callable[[exp.Expr, Context], bool]] = {
    exp.Star: _star_needs_schema,
    exp.Unnest: lambda node, context: True,
    exp.Lateral: lambda node, context: True,
    exp.Pivot: lambda node, context: True,
    exp.Join: lambda node, context: bool(node.args.get("using")),
    exp.Subquery: lambda node, context: not node.alias and _is_from_source(node),
    exp.Column: lambda node, context: bool(node.args.get("db")),
    exp.TableAlias: lambda node, context: bool(node.args.get("columns")),
}


def _scope_tables(resolver: QueryColumns) -> list[str]:
    """The real tables (not CTEs, not subquery aliases) read anywhere in the scopes."""
    names: dict[str, None] = {}
    for scope in resolver.scopes:
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                name = resolver.name_of(source)
                if name:
                    names[name] = None
    return list(names)


def _plain_tables(node: exp.Expr, context: Context) -> list[str]:
    """The tables named anywhere under `node` (when no scope could be built)."""
    ctes = {cte.alias_or_name for cte in node.find_all(exp.CTE)}
    names: dict[str, None] = {}
    for table in node.find_all(exp.Table):
        if not table.args.get("db") and table.name in ctes:
            continue
        name = context.name(table)
        if name:
            names[name] = None
    return list(names)


def select(statement: exp.Query, context: Context) -> Analysis:
    """A SELECT reads tables; with INTO (T-SQL, Postgres) it also creates one."""
    holder = _leftmost_select(statement)
    into = holder.args.get("into") if holder is not None else None
    if into is not None and holder is not None and _into_variables(context):
        holder.set("into", None)  # PL/pgSQL, Snowflake Scripting: SELECT … INTO variables
    elif into is not None and isinstance(into.this, exp.Table) and holder is not None:
        target = context.name(into.this)
        holder.set("into", None)
        result = query_lineage(statement, context)
        analysis = Analysis(
            kind="SELECT INTO",
            targets=[target] if target else [],
            temporary=bool(into.args.get("temporary") or into.this.this.args.get("temporary")),
        )
        write_query(analysis, target, result, None, context)
        return analysis
    swap = _vertica_partition_swap(statement, context)
    if swap is not None:
        return swap
    return Analysis(kind="SELECT", sources=read_tables(statement, context))


def _vertica_partition_swap(statement: exp.Query, context: Context) -> Analysis | None:
    """Vertica `SELECT swap_partitions_between_tables('staging', min, max, 'target')` moves
    the staging table's partitions into the target."""
    if not isinstance(statement, exp.Select) or statement.args.get("from_") is not None:
        return None
    call = statement.expressions[0].unalias() if len(statement.expressions) == 1 else None
    if not isinstance(call, exp.Anonymous) or len(call.expressions) != 4:
        return None
    if call.name.lower() != "swap_partitions_between_tables":
        return None
    staging, target = call.expressions[0], call.expressions[3]
    if not (isinstance(staging, exp.Literal) and isinstance(target, exp.Literal)):
        return None
    source_name = context.name(exp.to_table(staging.name))
    target_name = context.name(exp.to_table(target.name))
    if not source_name or not target_name:
        return None
    return Analysis(
        kind="SELECT",
        targets=[target_name],
        sources=[source_name],
        edges=[Edge(target_name, STAR, {(source_name, STAR): IDENTITY})],
        replaces=False,
    )


def read_tables(query: exp.Expr, context: Context) -> list[str]:
    """The real tables a query reads, without resolving its columns: a query that writes
    nothing has no column lineage, so it needs no normalising, qualifying or resolving."""
    root = build_scope(query)
    if root is None:
        return _plain_tables(query, context)
    names: dict[str, None] = {}
    for scope in root.traverse():
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                name = context.name(source)
                if name:
                    names[name] = None
    return list(names)


def _into_variables(context: Context) -> bool:
    """Whether SELECT … INTO assigns variables (procedure bodies outside T-SQL)."""
    return context.in_routine and type(context.dialect).__name__.lower() != "tsql"


def _leftmost_select(query: exp.Expr) -> exp.Select | None:
    """The SELECT that names a query's columns (and holds T-SQL's INTO in a UNION)."""
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def write_query(
    analysis: Analysis,
    target: str | None,
    result: QueryResult,
    columns: list[str] | None,
    context: Context,
    *,
    learn: bool = True,
) -> None:
    """Record a query written into `target`: positional onto `columns` when they are given."""
    analysis.sources.extend(s for s in result.sources if s not in analysis.sources)
    analysis.warnings.extend(result.warnings)
    if not target:
        return
    positional = columns is not None and all(name != STAR for name, _ in result.outputs)
    written: list[str] = []
    for index, (name, origins) in enumerate(result.outputs):
        column = columns[index] if positional and columns and index < len(columns) else name
        written.append(column)
        if origins:
            analysis.edges.append(Edge(target, column, origins))
    for source, label in result.indirect.items():
        analysis.indirect[(target, source)] = label
    if learn and written and STAR not in written:
        context.catalog.define(target, dict.fromkeys(written, "unknown"))
