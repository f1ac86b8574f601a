"""DML: INSERT [OVERWRITE] (Hive partitions, column lists, multi-table), MERGE, UPDATE, DELETE.

MERGE and UPDATE become a SELECT of their assigned values over the target joined with its
sources, so the one query resolver serves every statement.
"""

from __future__ import annotations

from sqlglot import exp

from lineage_assets.sql.analysis import Analysis, Context, Edge
from lineage_assets.sql.columns import STAR
from lineage_assets.sql.names import path_name
from lineage_assets.sql.query_lineage import query_lineage, write_query
from lineage_assets.sql.transforms import IDENTITY


def insert(statement: exp.Insert, context: Context) -> Analysis:
    """INSERT INTO / OVERWRITE [TABLE | DIRECTORY] with Hive partitions and column lists."""
    overwrite = bool(statement.args.get("overwrite"))
    analysis = Analysis(kind="INSERT OVERWRITE" if overwrite else "INSERT", replaces=overwrite)
    this = statement.this
    listed = None
    if isinstance(this, exp.Schema):
        listed = [c.name for c in this.expressions]
        this = this.this
    if isinstance(this, exp.Directory):
        target = path_name(this.this)
        analysis.kind = "INSERT OVERWRITE DIRECTORY"
    else:
        target = context.name(this) if isinstance(this, exp.Table) else None
    if target:
        analysis.targets.append(target)
    query = statement.expression
    if isinstance(query, exp.Table) and context.name(query):
        source = context.name(query) or ""
        analysis.sources.append(source)  # Spark: INSERT INTO t TABLE s
        if target:
            analysis.edges.append(Edge(target, STAR, {(source, STAR): IDENTITY}))
        return analysis
    if isinstance(query, exp.Values):
        query = _values_query(query)
    if not isinstance(query, exp.Query):
        return analysis
    with_ = statement.args.get("with_")
    if with_ is not None and not query.args.get("with_"):
        query.set("with_", with_)  # T-SQL: WITH c AS (…) INSERT INTO t SELECT … FROM c
    columns = listed
    if columns is None and target:
        known = context.catalog.columns_of(target)
        if known:
            static = _static_partitions(this)
            columns = [c for c in known if c not in static]
    if statement.args.get("by_name"):
        columns = None
    result = query_lineage(query, context, columns)
    write_query(analysis, target, result, columns, context, learn=False)
    return analysis


def _values_query(values: exp.Values) -> exp.Query | None:
    """VALUES rows that hold scalar subqueries as a UNION ALL of one SELECT per row, so the
    subqueries' columns reach the inserted columns by position; None when no row reads a table."""
    if values.find(exp.Subquery, exp.Query) is None:
        return None
    rows = [
        exp.Select(expressions=[exp.alias_(v, f"_c{i}") for i, v in enumerate(row.expressions)])
        for row in values.expressions
        if isinstance(row, exp.Tuple)
    ]
    if not rows:
        return None
    query: exp.Query = rows[0]
    for row in rows[1:]:
        query = exp.union(query, row, distinct=False)
    return query


def multi_insert(statement: exp.Expr, context: Context) -> Analysis:
    """Hive `FROM src INSERT … SELECT … INSERT … SELECT …`: each INSERT reads the FROM source."""
    analysis = Analysis(kind="MULTI INSERT", replaces=False)
    source = statement.args.get("source")
    for each in statement.expressions:
        query = each.expression
        if isinstance(query, exp.Select) and source is not None and not query.args.get("from_"):
            query.set("from_", exp.From(this=source.copy()))
        part = insert(each, context)
        analysis.targets.extend(t for t in part.targets if t not in analysis.targets)
        analysis.sources.extend(s for s in part.sources if s not in analysis.sources)
        analysis.edges.extend(part.edges)
        analysis.indirect.update(part.indirect)
        analysis.warnings.extend(part.warnings)
    return analysis


def _static_partitions(table: exp.Expr) -> set[str]:
    """Columns given a constant in PARTITION (col = 'value'): not in the SELECT list."""
    partition = table.args.get("partition") if isinstance(table, exp.Table) else None
    if partition is None:
        return set()
    return {p.this.name.lower() for p in partition.expressions if isinstance(p, exp.EQ)}


def _assignments(
    statement: exp.Expr,
    pairs: list[tuple[str, exp.Expr]],
    target_table: exp.Table,
    joins: list[exp.Expr],
) -> exp.Select:
    """A SELECT of assigned values (aliased _c0, _c1…) over the target and its sources,
    keeping the statement's WITH so its CTEs stay CTEs."""
    select = exp.Select(
        expressions=[exp.alias_(value, f"_c{i}") for i, (_, value) in enumerate(pairs)]
        or [exp.Literal.number(1)],
        from_=exp.From(this=target_table),
    )
    if joins:
        select.set("joins", joins)
    with_ = statement.args.get("with_")
    if with_ is not None:
        select.set("with_", with_)
    return select


def _dml_lineage(
    analysis: Analysis,
    target: str | None,
    pairs: list[tuple[str, exp.Expr]],
    select: exp.Select,
    context: Context,
) -> None:
    """Resolve the synthetic SELECT of a MERGE/UPDATE and map `_cN` back to target columns."""
    result = query_lineage(select, context, [column for column, _ in pairs])
    analysis.warnings.extend(result.warnings)
    analysis.sources.extend(s for s in result.sources if s != target and s not in analysis.sources)
    if not target:
        return
    for (column, _), (_, origins) in zip(pairs, result.outputs, strict=False):
        if origins:
            analysis.edges.append(Edge(target, column, origins))
    for source, label in result.indirect.items():
        analysis.indirect[(target, source)] = label


def merge(statement: exp.Merge, context: Context) -> Analysis:
    """MERGE: edges from WHEN MATCHED UPDATE SET and WHEN NOT MATCHED INSERT (…) VALUES (…)."""
    target_table = statement.this
    target = context.name(target_table) if isinstance(target_table, exp.Table) else None
    analysis = Analysis(kind="MERGE", targets=[target] if target else [], replaces=False)
    pairs: list[tuple[str, exp.Expr]] = []
    conditions: list[exp.Expr] = []
    whens = statement.args.get("whens")
    for when in whens.expressions if whens else ():
        condition = when.args.get("condition")
        if condition is not None:
            conditions.append(condition)
        then = when.args.get("then")
        if isinstance(then, (exp.Update, exp.Insert)) and _is_star_action(then):
            pairs.extend(_star_pairs(statement.args.get("using"), context))
        elif isinstance(then, exp.Update):
            for assignment in then.expressions:
                if isinstance(assignment, exp.EQ):
                    pairs.append((assignment.this.name, assignment.expression))
        elif isinstance(then, exp.Insert):
            columns = then.this.expressions if isinstance(then.this, exp.Tuple) else []
            values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
            if not columns and target:
                names = context.catalog.columns_of(target) or []
                columns = [exp.to_identifier(n) for n in names]
            pairs.extend((c.name, v) for c, v in zip(columns, values, strict=False))
    using = statement.args.get("using")
    on = statement.args.get("on")
    if conditions and on is not None:
        on = exp.and_(on, *conditions)
    joins: list[exp.Expr] = [exp.Join(this=using, on=on)] if using is not None else []
    _dml_lineage(
        analysis, target, pairs, _assignments(statement, pairs, target_table, joins), context
    )
    return analysis


def _is_star_action(then: exp.Expr) -> bool:
    """Databricks `UPDATE SET *` / `INSERT *`: every source column by name."""
    if isinstance(then, exp.Update):
        return any(isinstance(e, exp.Star) for e in then.expressions)
    return isinstance(then.this, exp.Star)


def _star_pairs(using: exp.Expr | None, context: Context) -> list[tuple[str, exp.Expr]]:
    """(target column, source column) for `SET *`: per column when known, else `*`."""
    if using is None:
        return []
    alias = using.alias_or_name
    known = (
        context.catalog.columns_of(context.name(using)) if isinstance(using, exp.Table) else None
    )
    if not known and isinstance(using, exp.Subquery) and isinstance(using.this, exp.Select):
        names = [p.alias_or_name for p in using.this.expressions]
        known = None if "*" in names or "" in names else names
    if known:
        return [(c, exp.column(c, table=alias)) for c in known]
    return [(STAR, exp.Column(this=exp.Star(), table=exp.to_identifier(alias)))]


def update(statement: exp.Update, context: Context) -> Analysis:
    """UPDATE … SET … [FROM …] [WHERE …]: edges from the assigned values."""
    target_table = statement.this
    scanned = statement.this
    from_ = statement.args.get("from_")
    joins: list[exp.Expr] = []
    if from_ is not None:
        aliased = _aliased_target(target_table, from_.this)
        if aliased is not None:
            target_table, scanned = aliased, from_.this
        else:
            joins.append(exp.Join(this=from_.this))
    joins.extend(statement.args.get("joins") or [])
    target = context.name(target_table) if isinstance(target_table, exp.Table) else None
    analysis = Analysis(kind="UPDATE", targets=[target] if target else [], replaces=False)
    pairs = [(a.this.name, a.expression) for a in statement.expressions if isinstance(a, exp.EQ)]
    select = _assignments(statement, pairs, scanned, joins)
    where = statement.args.get("where")
    if where is not None:
        select.set("where", where)
    _dml_lineage(analysis, target, pairs, select, context)
    return analysis


def _aliased_target(target: exp.Expr, from_source: exp.Expr) -> exp.Table | None:
    """T-SQL `UPDATE a … FROM t AS a`: the real table behind the alias being updated."""
    if not isinstance(target, exp.Table) or target.args.get("db"):
        return None
    candidates = [from_source, *(j.this for j in from_source.args.get("joins") or [])]
    for candidate in candidates:
        if isinstance(candidate, exp.Table) and candidate.alias == target.name:
            return candidate
    return None


def delete(statement: exp.Delete, context: Context) -> Analysis:
    """DELETE removes rows and moves no data: listed, with no read or write lineage."""
    return Analysis(kind="DELETE", replaces=False)
