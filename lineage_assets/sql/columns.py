"""Column lineage of one qualified query: one walk per projection over sqlglot's scopes.

Each output column maps to the base-table columns its value comes from, with a transform class.
Derived tables, CTEs, set operations, UDTFs (UNNEST, LATERAL VIEW) and scalar subqueries are
followed through their scopes, memoised so every scope column is resolved once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from lineage_assets.sql import transforms
from lineage_assets.sql.transforms import F_EXPRESSION

STAR = "*"

Source = tuple[str | None, str]  # (table or path, or None when unresolved; column)
Origins = dict[Source, str]  # source column -> transform class

INDIRECT_CLAUSES = (
    ("where", "filter"),
    ("group", "group"),
    ("having", "filter"),
    ("qualify", "filter"),
)
_QUERY_NODES = (exp.Query, exp.Subquery)


def add_origin(origins: Origins, source: Source, transform: str) -> None:
    """Add one source column; a column reached twice keeps the weaker (leakier) class."""
    known = origins.get(source)
    origins[source] = transform if known is None else transforms.parallel(known, transform)


def output_name(projection: exp.Expr) -> str:
    """The name a projection gives its column; `*` for star projections."""
    kind = type(projection)
    if kind is exp.Alias:
        return projection.alias
    if kind is exp.Column and type(projection.this) is exp.Identifier:
        return projection.this.name
    if isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    ):
        return STAR
    return projection.alias_or_name


def _walk_outside_queries(node: exp.Expr) -> Iterator[exp.Expr]:
    """The nodes under `node` without descending into nested queries (their own scopes)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(
            child for child in current.iter_expressions() if not isinstance(child, _QUERY_NODES)
        )


class QueryColumns:
    """Resolves the output columns of a scope tree to base-table columns.

    `name_of` names an `exp.Table` (None for table functions); `columns_of` gives the known
    columns of a named table (None when unknown); `check` raises once the statement's time
    is up, and is called before each scope column is resolved.
    """

    def __init__(
        self,
        root: Scope,
        name_of: Callable[[exp.Table], str | None],
        columns_of: Callable[[str | None], list[str] | None],
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self.root = root
        self.check = check
        self._name_of = name_of
        self._names: dict[int, str | None] = {}
        self.columns_of = columns_of
        self.scope_by_query: dict[int, Scope] = {}
        self._memo: dict[tuple[int, str], Origins] = {}
        self._projections: dict[int, dict[str, exp.Expr]] = {}
        self._selected: dict[int, list[exp.Expr | Scope]] = {}
        self.unresolved: set[str] = set()
        self.scopes = list(root.traverse())
        for scope in self.scopes:
            self.scope_by_query[id(scope.expression)] = scope

    def name_of(self, table: exp.Table) -> str | None:
        """A table's lineage name, computed once per table node."""
        key = id(table)
        if key not in self._names:
            self._names[key] = self._name_of(table)
        return self._names[key]

    # -- outputs ------------------------------------------------------------------------

    def output_names(self, scope: Scope) -> list[str]:
        """The column names a scope produces, in order (left-most branch of a set operation)."""
        while scope.set_operation_scopes:
            scope = scope.set_operation_scopes[0]
        expression = scope.expression
        if isinstance(expression, exp.Select):
            return [output_name(p) for p in expression.expressions]
        child = self._lateral_query(scope)
        return self.output_names(child) if child else self._udtf_columns(scope)

    def _lateral_query(self, scope: Scope) -> Scope | None:
        """The scope of the subquery of a `LATERAL (SELECT …)`, if that is what `scope` is."""
        inner = scope.expression.this if isinstance(scope.expression, exp.Lateral) else None
        if isinstance(inner, exp.Subquery):
            inner = inner.this
        return self.scope_by_query.get(id(inner)) if inner is not None else None

    def outputs(self, written_as: list[str] | None = None) -> list[tuple[str, Origins]]:
        """Every output column of the root query with its origins, in select order.

        `written_as` names the target columns positionally, so `x` written into `y` is a rename.
        """
        names = self.output_names(self.root)
        root = self.root.expression
        result: list[tuple[str, Origins]] = []
        for index, name in enumerate(names):
            position = len(result)
            target = written_as[position] if written_as and position < len(written_as) else name
            if name == STAR and isinstance(root, exp.Select):
                result.extend(self._root_star(root.expressions[index]))
            elif isinstance(root, exp.Select):
                origins = self.projection_origins(self.root, root.expressions[index], target)
                result.append((name, origins))
            else:  # a set operation: compare each branch with the written name when known
                compare = target if STAR not in names else name
                result.append((name, self.origins_at(self.root, index, compare)))
        return result

    def _root_star(self, projection: exp.Expr) -> list[tuple[str, Origins]]:
        """A star the qualifier left unexpanded: one output per column where they are known."""
        table = projection.table if isinstance(projection, exp.Column) else ""
        if table:
            found = self.root.sources.get(table) or _by_table_name(self.root, table)
            sources: list[exp.Expr | Scope] = [found] if found is not None else []
        else:
            sources = [s for s in self.selected(self.root) if not _is_udtf_scope(s)]
        result: list[tuple[str, Origins]] = []
        for source in sources:
            columns = self._known_columns(source)
            if columns:
                result.extend((c, self._from_source(source, c)) for c in columns)
            else:
                result.append((STAR, self._from_source(source, STAR)))
        return result

    def origins_at(self, scope: Scope, index: int, name: str) -> Origins:
        """The origins of output `index` (named `name` in the left-most branch)."""
        if scope.set_operation_scopes:
            merged: Origins = {}
            for branch in scope.set_operation_scopes:
                for source, transform in self._branch_origins(branch, index, name).items():
                    add_origin(merged, source, transform)
            return merged
        return self.origins(scope, name)

    def _branch_origins(self, branch: Scope, index: int, name: str) -> Origins:
        """Output `index` of one set-operation branch, a rename when it differs from `name`."""
        names = self.output_names(branch)
        if index >= len(names) or STAR in names[: index + 1]:
            return self.origins_at(branch, index, name)
        expression = branch.expression
        if isinstance(expression, exp.Select) and not branch.set_operation_scopes:
            return self.projection_origins(branch, expression.expressions[index], name)
        return self.origins_at(branch, index, names[index])

    def origins(self, scope: Scope, name: str) -> Origins:
        """The origins of the column `name` produced by `scope` (memoised per scope)."""
        key = (id(scope), name)
        found = self._memo.get(key)
        if found is not None:
            return found
        self.check()
        self._memo[key] = {}  # a recursive CTE reaching itself adds nothing
        result = self._compute(scope, name)
        self._memo[key] = result
        return result

    def _compute(self, scope: Scope, name: str) -> Origins:
        """Origins of `name` in `scope`, before memoisation."""
        if scope.set_operation_scopes:
            names = self.output_names(scope)
            index = names.index(name) if name in names else len(names)
            return self.origins_at(scope, index, name)
        expression = scope.expression
        if not isinstance(expression, exp.Select):
            child = self._lateral_query(scope)
            return self.origins(child, name) if child else self._udtf_origins(scope)
        if name == STAR:
            return self._star_origins(scope, STAR)
        by_name = self._projections.get(id(scope))
        if by_name is None:
            by_name = {}
            for projection in reversed(expression.expressions):
                by_name[output_name(projection)] = projection
            self._projections[id(scope)] = by_name
        projection = by_name.get(name)
        if projection is not None:
            return self.projection_origins(scope, projection, name)
        if STAR in by_name:
            return self._star_origins(scope, name)
        return {(None, name): transforms.IDENTITY}

    # -- one projection -------------------------------------------------------------------

    def projection_origins(self, scope: Scope, projection: exp.Expr, name: str) -> Origins:
        """Walk one projection once, classing each column reference by the path to it."""
        if output_name(projection) == STAR:
            table = projection.table if isinstance(projection, exp.Column) else ""
            return self._star_origins(scope, STAR, table)
        values: Origins = {}
        tests: Origins = {}  # columns only tested by a CASE/IF condition
        stack: list[tuple[exp.Expr, int, bool]] = [(projection, 0, False)]
        while stack:
            node, flags, tested = stack.pop()
            origins = tests if tested else values
            if isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star):
                    found = self._star_origins(scope, STAR, node.table)
                else:
                    found = self.column_origins(scope, node)
                path = transforms.flags_class(flags, renamed=node.name.lower() != name.lower())
                for source, transform in found.items():
                    add_origin(origins, source, transforms.chain(path, transform))
                continue
            if isinstance(node, _QUERY_NODES):
                self._add_subquery(origins, node, flags)
                continue
            if isinstance(node, exp.Star) and isinstance(node.parent, exp.Count):
                # COUNT(*) counts the rows of every source: it reads `t.*`.
                path = transforms.flags_class(flags, renamed=True)
                for source, transform in self._star_origins(scope, STAR).items():
                    add_origin(origins, source, transforms.chain(path, transform))
                continue
            child_flags = transforms.node_flags(node, flags)
            condition = node.this if isinstance(node, transforms.CASE_NODES) else None
            stack.extend(
                (child, child_flags, tested or child is condition)
                for child in node.iter_expressions()
            )
        # A value that reaches the target wins over a test of the same column
        # (`CASE WHEN email IS NULL THEN NULL ELSE md5(email) END` masks email).
        for source, transform in tests.items():
            values.setdefault(source, transform)
        return values

    def _add_subquery(self, origins: Origins, node: exp.Expr, flags: int) -> None:
        """A scalar subquery in a projection: the origins of its single output column."""
        query = node.this if isinstance(node, exp.Subquery) else node
        child = self.scope_by_query.get(id(query))
        if child is None:
            return
        names = self.output_names(child)
        if not names:
            return
        path = transforms.flags_class(flags | (F_EXPRESSION if flags else 0), renamed=True)
        for source, transform in self.origins_at(child, 0, names[0]).items():
            add_origin(origins, source, transforms.chain(path, transform))

    # -- column references ------------------------------------------------------------------

    def column_origins(self, scope: Scope, column: exp.Column) -> Origins:
        """Where a column reference in `scope` comes from."""
        name = column.name
        source = self._source_of(scope, column.table, name)
        if source is None:
            self.unresolved.add(name)
            return {(None, name): transforms.IDENTITY}
        return self._from_source(source, name)

    def _from_source(self, source: exp.Expr | Scope, name: str) -> Origins:
        """The origins of column `name` read from a table or a child scope."""
        if isinstance(source, Scope):
            return self.origins(source, name)
        if isinstance(source, exp.Table):
            table = self.name_of(source)
            return {(table, name): transforms.IDENTITY} if table else {}
        return {(None, name): transforms.IDENTITY}

    def _source_of(self, scope: Scope, table: str, name: str) -> exp.Expr | Scope | None:
        """The source a column belongs to: by its qualifier, or the one source that can hold it."""
        if table:
            current: Scope | None = scope
            while current is not None:  # correlated references reach outer scopes
                found = current.sources.get(table) or _by_table_name(current, table)
                if found is not None:
                    return found
                current = current.parent
            return None
        sources = self.selected(scope)
        if len(sources) == 1:
            return sources[0]
        if not sources and scope.parent is not None:
            return self._source_of(scope.parent, table, name)  # SELECT AS STRUCT a, b
        holding = []
        unknown = []
        for source in sources:
            columns = self._known_columns(source)
            if columns is None:
                unknown.append(source)
            elif name in columns:
                holding.append(source)
        if len(holding) == 1:
            return holding[0]
        if not holding and len(unknown) == 1:
            return unknown[0]
        return None

    def selected(self, scope: Scope) -> list[exp.Expr | Scope]:
        """The sources a scope reads in its FROM and JOINs (`scope.sources` also holds every
        CTE in sight, which must not take an unqualified column or a `*`)."""
        key = id(scope)
        found = self._selected.get(key)
        if found is None:
            if len(scope.sources) == 1 or not scope.cte_sources:
                found = list(scope.sources.values())
            else:
                found = [source for _, source in scope.selected_sources.values()]
            self._selected[key] = found
        return found

    def _known_columns(self, source: exp.Expr | Scope) -> list[str] | None:
        """The columns a source is known to have; None when they are unknown."""
        if isinstance(source, exp.Table):
            return self.columns_of(self.name_of(source))
        if isinstance(source, Scope):
            names = self.output_names(source)
            return None if STAR in names else names
        return None

    def _star_origins(self, scope: Scope, name: str, table: str = "") -> Origins:
        """Origins of `name` through `*` / `t.*`: `t.*` when unexpanded, else the named column."""
        if table:
            found = scope.sources.get(table) or _by_table_name(scope, table)
            sources: list[exp.Expr | Scope] = [found] if found is not None else []
        else:
            sources = [s for s in self.selected(scope) if not _is_udtf_scope(s)]
        if name != STAR and len(sources) > 1:
            holding = [s for s in sources if name in (self._known_columns(s) or ())]
            sources = holding if len(holding) == 1 else []
        origins: Origins = {}
        for source in sources:
            for origin, transform in self._from_source(source, name).items():
                add_origin(origins, origin, transform)
        if not origins and name != STAR:
            return {(None, name): transforms.IDENTITY}
        return origins

    # -- UNNEST / LATERAL VIEW ------------------------------------------------------------

    def _udtf_columns(self, scope: Scope) -> list[str]:
        """The column names a UDTF scope (UNNEST, LATERAL VIEW explode) declares."""
        alias = scope.expression.args.get("alias")
        if isinstance(alias, exp.TableAlias):
            names = alias.columns and [c.name for c in alias.columns]
            return names or ([alias.name] if alias.name else [])
        return []

    def _udtf_origins(self, scope: Scope) -> Origins:
        """Every column the UDTF's arguments read: an unnested value is an expression of them."""
        origins: Origins = {}
        for node in _walk_outside_queries(scope.expression):
            if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
                for source, transform in self.column_origins(scope, node).items():
                    add_origin(origins, source, transforms.chain(transforms.EXPRESSION, transform))
        return origins

    # -- indirect (filter / join / group) ---------------------------------------------------

    def indirect(self) -> dict[Source, str]:
        """Columns that only filter, join or group rows, with the clause that uses them."""
        found: dict[Source, str] = {}
        for scope in self.scopes:
            expression = scope.expression
            if not isinstance(expression, exp.Select):
                continue
            clauses: list[tuple[exp.Expr, str]] = []
            for key, label in INDIRECT_CLAUSES:
                clause = expression.args.get(key)
                if clause is not None:
                    clauses.append((clause, label))
            for join in expression.args.get("joins") or ():
                on = join.args.get("on")
                if on is not None:
                    clauses.append((on, "join"))
            for clause, label in clauses:
                for node in _walk_outside_queries(clause):
                    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
                        for source in self.column_origins(scope, node):
                            found.setdefault(source, label)
        return found


def _by_table_name(scope: Scope, name: str) -> exp.Table | None:
    """The aliased table a qualifier names by its own name (`SELECT t.* FROM t AS a`)."""
    found = [
        source
        for source in scope.sources.values()
        if isinstance(source, exp.Table) and source.name == name
    ]
    return found[0] if len(found) == 1 else None


def _is_udtf_scope(source: exp.Expr | Scope) -> bool:
    """Whether a source is an UNNEST / LATERAL VIEW scope (not expanded by `*`)."""
    return isinstance(source, Scope) and source.is_udtf
