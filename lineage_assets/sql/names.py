"""How tables, paths and columns are named in lineage: lower-case, unquoted, paths as URIs."""

from __future__ import annotations

from sqlglot import exp

from lineage_assets.core.uris import is_storage_path

# Spark reads files in place as `format.\`path\``: the "schema" is the file format.
SPARK_FILE_FORMATS = frozenset(
    ("parquet", "json", "csv", "orc", "avro", "text", "delta", "binaryfile", "iceberg", "hudi")
)

# Catalogs a query names when it means the account's own: Athena's `AwsDataCatalog` is the Glue
# Data Catalog that SQL written without a catalog reads, so `awsdatacatalog.db.t` is `db.t`.
DEFAULT_CATALOGS = frozenset(("awsdatacatalog",))


def _spark_file_path(table: exp.Table) -> str | None:
    """The path of Spark's ``parquet.`dir/` `` (a quoted path under a file-format name)."""
    db = table.args.get("db")
    this = table.this
    if table.args.get("catalog") or not isinstance(db, exp.Identifier) or db.quoted:
        return None
    if db.name.lower() not in SPARK_FILE_FORMATS or not this.args.get("quoted"):
        return None
    return this.name.strip() or None


def path_name(node: exp.Expr | None) -> str | None:
    """The URI of a string literal or identifier that holds a storage path, else None."""
    if node is None:
        return None
    text = node.name if isinstance(node, (exp.Literal, exp.Identifier, exp.Var)) else ""
    text = text.strip()
    return text if text and is_storage_path(text) else None


def location_name(node: exp.Expr | None) -> str | None:
    """A COPY/LOAD location: a quoted string (any URL or path) or a stage, else None."""
    if isinstance(node, exp.Table) and not node.args.get("db"):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name.strip() or None
    return path_name(node)


def table_name(table: exp.Expr, default_db: str | None = None) -> str | None:
    """`db.table` as written (lower-case), a file path as its URI; None for table functions."""
    if not isinstance(table, exp.Table):
        return None
    this = table.this
    if isinstance(this, exp.Func):
        # read_parquet('s3://…') and friends: the file path is the source.
        for argument in this.iter_expressions():
            path = path_name(argument)
            if path:
                return path
        return None
    if not isinstance(this, (exp.Identifier, exp.Var)):
        return None
    name = this.name
    if not name:
        return None
    if is_storage_path(name):
        return name
    if table.args.get("db") and (file_path := _spark_file_path(table)):
        return file_path
    catalog = table.args.get("catalog")
    if catalog and table.args.get("db") and catalog.name.lower() in DEFAULT_CATALOGS:
        catalog = None
    parts = [part.name for part in (catalog, table.args.get("db")) if part]
    if not parts and default_db:
        parts = [default_db]
    return ".".join([*parts, name]).lower()


def relation_name(database: str, table: str, catalog: str | None = None) -> str | None:
    """The lineage name of a catalog's table (`db.table`, lower-case, the default catalog left
    out) exactly as SQL reading it would be named; None when a part is empty."""
    if not database or not table:
        return None
    relation = exp.table_(
        exp.to_identifier(table, quoted=True),
        db=exp.to_identifier(database, quoted=True),
        catalog=exp.to_identifier(catalog, quoted=True) if catalog else None,
    )
    return table_name(relation)


def column_ref(table: str | None, column: str) -> str:
    """`table.column`, or the bare column when its table is unknown."""
    column = column.lower()
    return f"{table}.{column}" if table else column
