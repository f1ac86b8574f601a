"""What one statement does, before the script chains statements: its kind, the tables it
writes and reads, and the origins of every column it writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from lineage_assets.sql.catalog import Catalog
from lineage_assets.sql.columns import Origins, Source
from lineage_assets.sql.limits import Deadline
from lineage_assets.sql.names import table_name


@dataclass
class Edge:
    """A target column and the origins of its value, as one statement writes it."""

    table: str
    column: str
    origins: Origins


@dataclass
class Analysis:
    """What one statement does, before the script chains statements together."""

    kind: str
    targets: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    indirect: dict[tuple[str, Source], str] = field(default_factory=dict)
    replaces: bool = True  # True: the targets' previous contents are gone (CTAS, rename)
    dropped: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) table names
    warnings: list[str] = field(default_factory=list)
    temporary: bool = False  # the targets are session tables (TEMP, T-SQL #name)
    session_view: bool = False  # CACHE TABLE t AS query: no lineage of its own, read through


@dataclass
class Context:
    """What later statements of a script depend on: the dialect, known columns, USE; and the
    deadline of the statement being analysed."""

    dialect: Dialect
    catalog: Catalog
    default_db: str | None = None
    deadline: Deadline = field(default_factory=Deadline)
    in_routine: bool = False  # inside a procedure body: SELECT … INTO names variables
    text: str = ""  # the text the statement's token offsets point into

    def name(self, table: exp.Expr) -> str | None:
        """A table's lineage name under the current default database."""
        return table_name(table, self.default_db)


@dataclass
class QueryResult:
    """A query's output columns with their origins, the tables it reads and its indirect uses."""

    outputs: list[tuple[str, Origins]]
    sources: list[str]
    indirect: dict[Source, str]
    warnings: list[str]
