"""Source keys and node names of the catalog, built here only.

A table is one source (`glue_table:<account>/<region>/<database>/<table>`), a database another
(`glue_database:<account>/<region>/<database>`, its own row and its listing's errors), and an
account's region a third (`glue_region:<account>/<region>`) for errors of the database listing.
A table's node is the SQL engine's name for `database.table` (lower-case, no catalog: the
account's own catalog is Athena's default `AwsDataCatalog`), so git SQL, Athena and Glue meet.
"""

from __future__ import annotations

import unicodedata

from lineage_assets.core.ids import table_node
from lineage_assets.glue.bounds import MAX_NAME_CHARS
from lineage_assets.sql.names import relation_name

TABLE_KIND = "glue_table"
DATABASE_KIND = "glue_database"
REGION_KIND = "glue_region"


class BadName(ValueError):
    """A database, table or column name the catalog should never have returned."""


def checked_name(name: object, what: str) -> str:
    """A catalog name as stored: a non-empty string of at most `MAX_NAME_CHARS` encodable
    characters, without `/` or control characters, lower-cased as Glue itself stores names."""
    if not isinstance(name, str) or not name:
        raise BadName(f"{what} name missing or not a string")
    if len(name) > MAX_NAME_CHARS:
        raise BadName(f"{what} name longer than {MAX_NAME_CHARS} characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadName(f"{what} name is not valid Unicode: {error.reason}") from None
    if "/" in name or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise BadName(f"{what} name holds `/` or control characters")
    return name.lower()


def printable(name: object, limit: int = 120) -> str:
    """A name safe to put in an error message: non-printable characters escaped, bounded."""
    text = name if isinstance(name, str) else repr(name)
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def region_key(account_id: str, region: str) -> str:
    """The source carrying an account's region: errors listing its databases."""
    return f"{REGION_KIND}:{account_id}/{region}"


def database_key(account_id: str, region: str, database: str) -> str:
    """One database of an account's catalog in one region."""
    return f"{DATABASE_KIND}:{account_id}/{region}/{database}"


def table_key(account_id: str, region: str, database: str, table: str) -> str:
    """One table or view of a database."""
    return f"{TABLE_KIND}:{account_id}/{region}/{database}/{table}"


def region_tables_prefix(account_id: str, region: str) -> str:
    """The common prefix of the source keys of every table of an account's region."""
    return f"{TABLE_KIND}:{account_id}/{region}/"


def table_prefix(account_id: str, region: str, database: str) -> str:
    """The common prefix of the source keys of a database's tables."""
    return table_key(account_id, region, database, "")


def relation(database: str, table: str) -> str:
    """The SQL engine's name of a catalog table (`database.table`)."""
    name = relation_name(database, table)
    if name is None:
        raise BadName("empty database or table name")
    return name


def glue_table_node(database: str, table: str) -> str:
    """The `table:` node of a catalog table, the one SQL reading it names."""
    return table_node(relation(database, table))


def table_arn(account_id: str, region: str, database: str, table: str) -> str:
    """The table's ARN, where its edges were declared."""
    return f"arn:aws:glue:{region}:{account_id}:table/{database}/{table}"
