"""The layering rules, read from the source with `ast`: data flows source → records → store →
graph → snapshot; the library never imports dagster; only `store/` (and each package's
`schema.py`) writes; the product never imports the checkout's development package."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from setuptools import find_packages

PROJECT = Path(__file__).resolve().parents[1]
LIBRARY = PROJECT / "lineage_assets"
PRODUCT = (LIBRARY, PROJECT / "dagster_project")
SOURCE_PACKAGES = ("git_sql", "sql", "sagemaker", "s3_schema", "pii")
SOURCE_MODULES = ("sagemaker_inventory", "s3_posture")
EXECUTES = ("execute", "executemany", "sql", "query")
# A statement that changes a database.
WRITE = re.compile(
    r"^\s*(INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+)?(TABLE|VIEW|INDEX|SEQUENCE|SCHEMA|MACRO)\s"
    r"|DROP\s+(TABLE|VIEW|INDEX|SEQUENCE|SCHEMA)\s|ALTER\s+TABLE\s|TRUNCATE\s)",
    re.IGNORECASE,
)


def modules(*roots: Path) -> Iterator[tuple[Path, ast.Module]]:
    """Every Python file under the roots, parsed."""
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield path, ast.parse(path.read_text(), str(path))


def imported(tree: ast.Module, path: Path) -> set[str]:
    """The absolute names of every module a file imports, at its top or inside a function."""
    names: set[str] = set()
    package = ".".join(path.relative_to(PROJECT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def importers(prefix: str, *roots: Path) -> list[str]:
    """`file: module` for every import of `prefix` (or a module under it) below the roots."""
    return sorted(
        f"{path.relative_to(PROJECT)}: {name}"
        for path, tree in modules(*roots)
        for name in imported(tree, path)
        if name == prefix or name.startswith(prefix + ".")
    )


def constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names bound once to an expression (`SQL = "..."`), to follow a name."""
    bound: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                bound[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            bound[node.target.id] = node.value
    return bound


def leading_text(node: ast.expr, bound: dict[str, ast.expr]) -> str:
    """The text a SQL argument starts with: a literal, an f-string's or a sum's first part, or
    the module constant a name stands for ("" when it cannot be known)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return leading_text(node.values[0], bound)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return leading_text(node.left, bound)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # "...".format()
        return leading_text(node.func.value, bound)
    if isinstance(node, ast.Name) and node.id in bound:
        return leading_text(bound.pop(node.id), bound)  # popped: a cycle ends
    return ""


def write_statements(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, text) of every statement given to DuckDB (`execute`, `executemany`, `sql`,
    `query`) that changes the database."""
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in EXECUTES
            and node.args
        ):
            continue
        text = leading_text(node.args[0], constants(tree))
        if WRITE.match(text):
            found.append((node.lineno, text.strip().splitlines()[0][:60]))
    return found


def may_write(path: Path) -> bool:
    """`store/` writes; each package's `schema.py` holds its migrations' DDL."""
    relative = path.relative_to(PROJECT)
    return relative.parts[:2] == ("lineage_assets", "store") or relative.name == "schema.py"


def test_the_product_never_imports_the_development_package() -> None:
    assert importers("lineage_dev", *PRODUCT) == []


def test_the_wheel_holds_no_emulator_or_demo() -> None:
    """The packages setuptools puts in the wheel, found with the project's own settings."""
    settings = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    find = settings["tool"]["setuptools"]["packages"]["find"]
    packages = find_packages(str(PROJECT), include=find["include"], exclude=find.get("exclude", ()))
    assert "lineage_assets" in packages and "dagster_project" in packages
    shipped = [
        f"{package}.{path.stem}"
        for package in packages
        for path in (PROJECT / package.replace(".", "/")).glob("*.py")
    ]
    assert [m for m in shipped if re.search(r"emulator|demo|moto", m)] == []
    assert [
        p for p in packages if p.split(".")[0] not in ("lineage_assets", "dagster_project")
    ] == []


def test_the_library_never_imports_dagster() -> None:
    assert importers("dagster", LIBRARY) == []


def test_the_graph_imports_no_source_package() -> None:
    found = [
        line
        for name in SOURCE_PACKAGES + SOURCE_MODULES
        for line in importers(f"lineage_assets.{name}", LIBRARY / "graph")
    ]
    assert found == []


def test_only_the_store_and_the_schemas_write() -> None:
    found = [
        f"{path.relative_to(PROJECT)}:{line}: {text}"
        for path, tree in modules(*PRODUCT)
        if not may_write(path)
        for line, text in write_statements(tree)
    ]
    assert found == []


def test_the_write_rule_sees_a_write() -> None:
    """The rule's own check: statements run as literals, f-strings, sums and module constants
    count; reads, docstrings and SQL text the engine only parses do not."""
    source = (
        '"""INSERT INTO t VALUES (1) is described here."""\n'
        'SQL = "UPDATE t SET x = 1"\n'
        'conn.execute("INSERT INTO t VALUES (?)", [1])\n'
        'conn.execute(f"DELETE FROM {table} WHERE x = ?")\n'
        'conn.sql("  create or replace view v AS " + body)\n'
        "conn.execute(SQL)\n"
        'conn.execute("SELECT * FROM t")\n'
        'dialect.parse("INSERT INTO t SELECT 1")\n'
    )
    assert [line for line, _ in write_statements(ast.parse(source))] == [3, 4, 5, 6]


def test_the_import_rule_resolves_relative_and_lazy_imports(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    from ..emulator import seed\n    import dagster.core\n")
    names = imported(tree, PROJECT / "lineage_assets" / "cli" / "demo.py")
    assert {"lineage_assets.emulator.seed", "dagster.core"} <= names
