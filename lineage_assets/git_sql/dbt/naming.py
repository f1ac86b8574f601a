"""One name per relation: dbt's `database.schema.alias` and hand-written `analytics.x` or
`"ANALYTICS".x` meet as the same node, under the SQL engine's rules (lower-case, unquoted)
with the target's own database left implicit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lineage_assets.git_sql.dbt.records import Target


def _part(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"`'":
        text = text[1:-1]
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text.lower()


def relation_name(database: Any, schema: Any, identifier: Any, target: Target) -> str:
    """`schema.identifier`, or `database.schema.identifier` when not the target's database."""
    parts = [_part(database), _part(schema), _part(identifier)]
    if parts[0] in ("", "none", _part(target.database)):
        parts[0] = ""
    return ".".join(p for p in parts if p)


def table_name(name: str, target: Target) -> str:
    """A table name from parsed SQL, in the same form (the target database dropped)."""
    database = _part(target.database)
    if database and name.count(".") == 2 and name.lower().startswith(f"{database}."):
        return name[len(database) + 1 :]
    return name


def default_names(
    resource_type: str, name: str, config: Mapping[str, Any], target: Target
) -> tuple[str, str, str]:
    """dbt's default generate_*_name results, for a node whose own render failed."""
    if resource_type == "snapshot" and config.get("target_schema"):
        schema = str(config["target_schema"])
        return str(config.get("target_database") or target.database), schema, name
    custom = config.get("schema")
    schema = target.schema if custom in (None, "") else f"{target.schema}_{str(custom).strip()}"
    database = str(config.get("database") or target.database)
    return database, schema, str(config.get("alias") or name).strip()
