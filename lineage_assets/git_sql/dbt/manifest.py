"""A dbt `manifest.json` kept in the repository (a CI artifact): the authoritative model graph,
with `compiled_code` for column lineage when the manifest was compiled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lineage_assets.git_sql.dbt.project import DbtError

MAX_MANIFEST_CHARS = 200_000_000
NODE_TYPES = ("model", "snapshot", "seed")


@dataclass(frozen=True)
class ManifestNode:
    """One node or source of the manifest, with what it depends on (unique ids)."""

    unique_id: str
    resource_type: str
    package: str
    name: str
    original_file_path: str
    database: str | None
    schema: str | None
    identifier: str
    depends_on: tuple[str, ...]
    compiled_code: str | None
    columns: tuple[str, ...]
    materialized: str | None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _node(unique_id: str, entry: dict[str, Any], source: bool) -> ManifestNode:
    depends = entry.get("depends_on") or {}
    columns = entry.get("columns") or {}
    config = entry.get("config") or {}
    return ManifestNode(
        unique_id=unique_id,
        resource_type=str(entry.get("resource_type") or ("source" if source else "model")),
        package=str(entry.get("package_name") or ""),
        name=str(entry.get("name") or unique_id.rsplit(".", 1)[-1]),
        original_file_path=str(entry.get("original_file_path") or ""),
        database=_text(entry.get("database")),
        schema=_text(entry.get("schema")),
        identifier=str(
            (entry.get("identifier") if source else entry.get("alias")) or entry.get("name") or ""
        ),
        depends_on=tuple(str(d) for d in depends.get("nodes") or []),
        compiled_code=_text(entry.get("compiled_code") or entry.get("compiled_sql")),
        columns=tuple(str(c) for c in columns) if isinstance(columns, dict) else (),
        materialized=_text(config.get("materialized")) if isinstance(config, dict) else None,
    )


def read_manifest(path: str, text: str) -> dict[str, ManifestNode]:
    """unique_id → node for every model, snapshot, seed and source of a manifest."""
    if len(text) > MAX_MANIFEST_CHARS:
        raise DbtError(f"{path}: manifest above {MAX_MANIFEST_CHARS} characters, ignored")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise DbtError(f"{path}: not a readable manifest: {error}") from None
    if not isinstance(document, dict):
        raise DbtError(f"{path}: not a manifest")
    found: dict[str, ManifestNode] = {}
    for unique_id, entry in (document.get("nodes") or {}).items():
        if isinstance(entry, dict) and entry.get("resource_type") in NODE_TYPES:
            found[str(unique_id)] = _node(str(unique_id), entry, source=False)
    for unique_id, entry in (document.get("sources") or {}).items():
        if isinstance(entry, dict):
            found[str(unique_id)] = _node(str(unique_id), entry, source=True)
    return found
