"""DDL: CREATE TABLE [AS] / [MATERIALIZED] VIEW / EXTERNAL TABLE … LOCATION / LIKE / CLONE,
ALTER TABLE RENAME / SWAP / SET LOCATION, DROP, USE, TRUNCATE and Spark CACHE TABLE.

DELETE, TRUNCATE, CACHE TABLE t and ALTER … RENAME move no data: they are listed as statements
with no read or write lineage (a rename carries what the script itself wrote to the new name).
"""

from __future__ import annotations

from sqlglot import exp

from lineage_assets.sql.analysis import Analysis, Context, Edge
from lineage_assets.sql.columns import STAR
from lineage_assets.sql.names import path_name, table_name
from lineage_assets.sql.query_lineage import query_lineage, write_query
from lineage_assets.sql.transforms import IDENTITY


def create(statement: exp.Create, context: Context) -> Analysis:
    """CREATE TABLE [AS], [MATERIALIZED] VIEW, EXTERNAL TABLE … LOCATION, LIKE / CLONE."""
    kind = (statement.args.get("kind") or "").upper()
    if kind not in ("TABLE", "VIEW", "DYNAMIC TABLE"):
        return Analysis(kind=f"CREATE {kind}".strip())
    schema = statement.this if isinstance(statement.this, exp.Schema) else None
    table = schema.this if schema is not None else statement.this
    target = context.name(table) if isinstance(table, exp.Table) else None
    properties = statement.args.get("properties")
    props = list(properties.expressions) if properties else []
    is_external = any(isinstance(p, exp.ExternalProperty) for p in props)
    location = _location(props)
    query = statement.expression
    analysis = Analysis(kind=_create_kind(kind, props, query, is_external))
    analysis.temporary = any(isinstance(p, exp.TemporaryProperty) for p in props) or bool(
        isinstance(table, exp.Table) and table.this.args.get("temporary")
    )
    if target:
        analysis.targets.append(target)
    if isinstance(query, exp.Query):
        names = _defined_columns(schema) or None
        result = query_lineage(query, context, names)
        write_query(analysis, target, result, names, context)
        if location:
            analysis.targets.append(location)
        return analysis
    like = _like_source(statement, schema, props)
    if like is not None:
        source = context.name(like)
        if source and target:
            analysis.sources.append(source)
            analysis.edges.append(Edge(target, STAR, {(source, STAR): IDENTITY}))
            known = context.catalog.columns_of(source)
            if known:
                context.catalog.define(target, dict.fromkeys(known, "unknown"))
        return analysis
    columns = _defined_columns(schema) + _partition_columns(props)
    if target and columns:
        context.catalog.define(target, dict.fromkeys(columns, "unknown"))
    if location and target:
        analysis.sources.append(location)
        analysis.edges.append(Edge(target, STAR, {(location, STAR): IDENTITY}))
    return analysis


def _create_kind(kind: str, props: list[exp.Expr], query: exp.Expr | None, external: bool) -> str:
    """`CREATE TABLE AS`, `CREATE MATERIALIZED VIEW`, `CREATE EXTERNAL TABLE`…"""
    if kind == "VIEW":
        materialized = any(isinstance(p, exp.MaterializedProperty) for p in props)
        return "CREATE MATERIALIZED VIEW" if materialized else "CREATE VIEW"
    if isinstance(query, exp.Query):
        return f"CREATE {kind} AS"
    return f"CREATE EXTERNAL {kind}" if external else f"CREATE {kind}"


def _location(props: list[exp.Expr]) -> str | None:
    """The storage path of LOCATION '…' or WITH (external_location = '…')."""
    for prop in props:
        if isinstance(prop, exp.LocationProperty):
            return path_name(prop.this)
        options = prop.expressions if isinstance(prop, exp.OptionsProperty) else [prop]
        for option in options:  # Athena WITH (external_location = …), Spark OPTIONS (path …)
            if isinstance(option, exp.Property) and option.name.lower() in _LOCATION_OPTIONS:
                return path_name(option.args.get("value"))
    return None


_LOCATION_OPTIONS = ("external_location", "location", "path")


def _defined_columns(schema: exp.Schema | None) -> list[str]:
    """The column names a CREATE TABLE (…) or a view's column list declares."""
    if schema is None:
        return []
    names = []
    for column in schema.expressions:
        if isinstance(column, (exp.ColumnDef, exp.Identifier, exp.Column)):
            names.append(column.name)
    return names


def _partition_columns(props: list[exp.Expr]) -> list[str]:
    """Hive PARTITIONED BY (col type) columns, which follow the regular ones."""
    for prop in props:
        if isinstance(prop, exp.PartitionedByProperty) and isinstance(prop.this, exp.Schema):
            return [c.name for c in prop.this.expressions if isinstance(c, exp.ColumnDef)]
    return []


def _like_source(
    statement: exp.Create, schema: exp.Schema | None, props: list[exp.Expr]
) -> exp.Table | None:
    """The table of CREATE TABLE … LIKE t / (LIKE t) / CLONE t."""
    clone = statement.args.get("clone")
    if clone is not None and isinstance(clone.this, exp.Table):
        return clone.this
    candidates = [*props, *(schema.expressions if schema is not None else [])]
    for prop in candidates:
        if isinstance(prop, exp.LikeProperty) and isinstance(prop.this, exp.Table):
            return prop.this
    return None


def alter(statement: exp.Alter, context: Context) -> Analysis:
    """ALTER TABLE … RENAME TO / SWAP WITH link tables; other ALTERs have no lineage."""
    table = statement.this
    name = context.name(table) if isinstance(table, exp.Table) else None
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.AlterRename) and name:
            new = action.this
            new_name = context.name(new) if isinstance(new, exp.Table) else None
            if new_name is None:
                continue
            if "." not in new_name and "." in name and isinstance(new, exp.Table):
                new_name = f"{name.rsplit('.', 1)[0]}.{new_name}"  # RENAME keeps the schema
            # A rename moves no data: only what the script wrote under the old name moves.
            return Analysis(kind="ALTER TABLE RENAME", renamed=[(name, new_name)])
        if isinstance(action, exp.SwapTable) and name:
            # `ALTER TABLE prod SWAP WITH staging` publishes staging as prod (what lineage
            # tools record); staging is left with the old contents, usually dropped.
            other = context.name(action.this) if isinstance(action.this, exp.Table) else None
            if other:
                return Analysis(
                    kind="ALTER TABLE SWAP",
                    targets=[name],
                    sources=[other],
                    edges=[Edge(name, STAR, {(other, STAR): IDENTITY})],
                )
    kind = (statement.args.get("kind") or "TABLE").upper()
    analysis = Analysis(kind=f"ALTER {kind}", replaces=False)
    paths = {
        p: None
        for action in statement.args.get("actions") or []
        for p in (path_name(n) for n in action.find_all(exp.Literal))
        if p
    }
    if name and paths:  # SET LOCATION / ADD PARTITION … LOCATION: the table reads the path
        analysis.targets.append(name)
        for path in paths:
            analysis.sources.append(path)
            analysis.edges.append(Edge(name, STAR, {(path, STAR): IDENTITY}))
    return analysis


def drop(statement: exp.Drop, context: Context) -> Analysis:
    """DROP TABLE/VIEW: the dropped tables (intermediates when the script wrote them)."""
    kind = (statement.args.get("kind") or "").upper()
    tables = list(statement.args.get("tables") or [])
    if isinstance(statement.this, exp.Table):
        tables.append(statement.this)
    names = [n for n in (context.name(t) for t in tables) if n]
    if kind not in ("TABLE", "VIEW", "MATERIALIZED VIEW", "DYNAMIC TABLE"):
        names = []
    return Analysis(kind=f"DROP {kind}".strip(), targets=names, dropped=names)


def use(statement: exp.Use, context: Context) -> Analysis:
    """USE db / USE SCHEMA db: later unqualified tables are in this database."""
    kind = statement.args.get("kind")
    kind_name = kind.name.upper() if kind is not None else ""
    if kind_name not in ("DATABASE", "CATALOG", "WAREHOUSE", "ROLE", "SECONDARY ROLES"):
        table = statement.this
        if isinstance(table, exp.Table):
            context.default_db = table_name(table)
        elif table is not None:
            context.default_db = table.name.lower() or None
    return Analysis(kind=f"USE {kind_name}".strip())


def truncate(statement: exp.TruncateTable, context: Context) -> Analysis:
    """TRUNCATE empties its tables and moves no data: no read or write lineage."""
    return Analysis(kind="TRUNCATE")


def load_data(statement: exp.LoadData, context: Context) -> Analysis:
    """Hive/Spark LOAD DATA INPATH 'path' INTO TABLE t: the table reads the files."""
    target = context.name(statement.this) if isinstance(statement.this, exp.Table) else None
    path = path_name(statement.args.get("inpath"))
    analysis = Analysis(kind="LOAD DATA", replaces=bool(statement.args.get("overwrite")))
    if target:
        analysis.targets.append(target)
    if path:
        analysis.sources.append(path)
        if target:
            analysis.edges.append(Edge(target, STAR, {(path, STAR): IDENTITY}))
    return analysis


def cache(statement: exp.Cache, context: Context) -> Analysis:
    """Spark CACHE TABLE t [AS query]: caching moves no data; with a query, `t` is a session
    view of it, which later statements read through."""
    query = statement.expression
    if not isinstance(query, exp.Query):
        return Analysis(kind="CACHE")
    target = context.name(statement.this) if isinstance(statement.this, exp.Table) else None
    analysis = Analysis(kind="CACHE", targets=[target] if target else [], session_view=True)
    write_query(analysis, target, query_lineage(query, context), None, context)
    return analysis
