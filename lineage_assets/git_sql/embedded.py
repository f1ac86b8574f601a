"""SQL strings embedded in Python, found with the `ast` module at the calls that run SQL:
`spark.sql`, `cursor.execute`, `pandas.read_sql`, Athena `start_query_execution`, the Redshift
Data API. Only literal strings count; an f-string or a variable is reported, not guessed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Call name -> the dialect its SQL is in (None: the file's dialect).
SQL_CALLS: dict[str, str | None] = {
    "sql": "spark",
    "execute": None,
    "executemany": None,
    "read_sql": None,
    "read_sql_query": None,
    "start_query_execution": "athena",
    "execute_statement": "redshift",
    "batch_execute_statement": "redshift",
}
SQL_KEYWORDS = ("sql", "query", "QueryString", "Sql", "Sqls")
# CPython's f-string parser is quadratic in the fields of one f-string (3.11: 100,000 fields in a
# 300 KB file take 11 s), so an f-string with more fields than this is not handed to `ast.parse`.
MAX_FSTRING_FIELDS = 2_000
FSTRING = re.compile(
    r"(?<![\w'\"])(?:[fF][rR]?|[rR][fF])"  # the prefix, then the literal (escapes skipped)
    r"('''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")",
    re.DOTALL,
)


@dataclass(frozen=True)
class EmbeddedSql:
    """A literal SQL string passed to a known call, with the line it starts on."""

    call: str
    sql: str
    line: int
    dialect: str | None


@dataclass(frozen=True)
class Skipped:
    """A known SQL call whose SQL is not a literal (an f-string, a variable …)."""

    call: str
    line: int
    reason: str


def _call_name(node: ast.Call) -> str | None:
    """`spark.sql(...)` → `sql`; `read_sql(...)` → `read_sql`."""
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _sql_argument(node: ast.Call) -> ast.expr | None:
    """The argument that carries the SQL: a SQL keyword, else the first positional argument."""
    for keyword in node.keywords:
        if keyword.arg in SQL_KEYWORDS:
            return keyword.value
    return node.args[0] if node.args else None


def _crowded_fstring(source: str) -> int | None:
    """The line of an f-string with more fields than `MAX_FSTRING_FIELDS`, if any (a linear
    scan, done only when the whole source has that many braces)."""
    if source.count("{") <= MAX_FSTRING_FIELDS:
        return None
    for match in FSTRING.finditer(source):
        if match.group(1).count("{") > MAX_FSTRING_FIELDS:
            return source.count("\n", 0, match.start()) + 1
    return None


def find_embedded_sql(
    source: str, path: str = "<python>"
) -> tuple[list[EmbeddedSql], list[Skipped]]:
    """Every literal SQL string passed to a known call, and the calls that could not be read."""
    crowded = _crowded_fstring(source)
    if crowded is not None:
        reason = f"Python source not read: an f-string with over {MAX_FSTRING_FIELDS:,} fields"
        return [], [Skipped("<file>", crowded, reason)]
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return [], [Skipped("<file>", error.lineno or 1, f"Python syntax error: {error.msg}")]
    except (RecursionError, MemoryError, ValueError) as error:  # too deep, too big, NUL bytes
        reason = f"Python source not readable: {type(error).__name__}"
        return [], [Skipped("<file>", 1, reason)]
    found, skipped = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name not in SQL_CALLS:
            continue
        argument = _sql_argument(node)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.append(EmbeddedSql(name, argument.value, argument.lineno, SQL_CALLS[name]))
        elif isinstance(argument, ast.List) and name == "batch_execute_statement":
            for item in argument.elts:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    found.append(EmbeddedSql(name, item.value, item.lineno, SQL_CALLS[name]))
        elif argument is not None:
            kind = "an f-string" if isinstance(argument, ast.JoinedStr) else "not a literal"
            skipped.append(Skipped(name, node.lineno, f"SQL passed to {name}() is {kind}"))
    found.sort(key=lambda item: item.line)
    return found, sorted(skipped, key=lambda item: item.line)
