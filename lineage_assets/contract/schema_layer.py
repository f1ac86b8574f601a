"""The original's answers derived from one pipeline's lineage document: `/pipelines/{name}/
sql-lineage` (the SQL each step runs) and the schema layer of `/schema` (tables and columns of
the datasets it touches, the SQL tables it queries, its feature groups). Built from the same
document as `/lineage` (its newest execution's data when there is one), so the layers never
disagree with the graph; nothing is scanned or fetched."""

from __future__ import annotations

from typing import Any

import duckdb

from lineage_assets.contract.builder import Request, build_lineage
from lineage_assets.contract.feature_store import feature_group
from lineage_assets.contract.reads import UnknownName

MAX_WARNINGS = 100
NOT_DATA = (".py", ".ipynb", ".tar.gz", ".model")  # code and model files, as the original skipped


def _document(
    conn: duckdb.DuckDBPyConnection, pipeline: str, region: str | None, account: str | None
) -> dict[str, Any]:
    return build_lineage(conn, Request(pipeline, region, "both", True, None, account))


def sql_lineage(
    conn: duckdb.DuckDBPyConnection,
    pipeline: str,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """`/pipelines/{name}/sql-lineage`: each step that runs SQL, with the location its
    result goes to (`dst`), the tables it reads, the query and where those tables' SQL lives.
    `columns` stays `[]`: the original's were projection texts, not lineage. A pipeline the
    store does not know (or whose definition it never read) runs no SQL it knows of: the
    original answered every name so, from a store of SQL records filtered by pipeline."""
    try:
        document = _document(conn, pipeline, region, account)
    except UnknownName:
        return {"ok": True, "pipeline": pipeline, "steps": []}
    sql_of = {n["id"]: n.get("sql") or {} for n in document["graphPipeline"]["nodes"]}
    ts = document["pipeline"].get("lastModifiedTime")
    steps = []
    for step in document["summary"]["steps"]:
        if not step.get("hasSql"):
            continue
        block = sql_of.get(step["id"], {})
        defined = [d for source in block.get("sources", []) for d in source.get("definedIn", [])]
        steps.append(
            {
                "step": step["id"],
                "dst": step.get("sqlDst"),
                "sources": list(step.get("sqlSources") or []),
                "columns": [],
                "file": defined[0]["file"] if defined else None,
                "ts": ts,
                "query": block.get("query"),
                "engine": block.get("engine"),
                "definedIn": defined,
            }
        )
    return {"ok": True, "pipeline": document["pipeline"]["name"], "steps": steps}


def _last_segment(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1] or uri


def _dataset_tables(nodes: list[dict[str, Any]], warnings: list[str]) -> tuple[list, list]:
    tables: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    for node in nodes:
        uri = node.get("uri")
        if node.get("type") != "dataArtifact" or not isinstance(uri, str):
            continue
        if node.get("placeholder") or not uri.startswith("s3://") or uri.endswith(NOT_DATA):
            continue
        schema = node.get("schema")
        if not schema or schema.get("version") is None:
            warnings.append(f"{uri}: no schema sampled")
            continue
        table_id = f"table:{uri}"
        tables.append(
            {
                "id": table_id,
                "name": _last_segment(uri),
                "version": schema.get("version"),
                "links": [node["id"]],
                "s3_prefix": uri,
                "format": schema.get("format"),
            }
        )
        columns.extend(
            {
                "id": f"column:{uri}.{column['name']}",
                "name": column["name"],
                "tableId": table_id,
                "type": column.get("type") or "unknown",
                "links": [node["id"]],
                "pii": list(column.get("pii") or []),
            }
            for column in schema.get("columns") or []
        )
    return tables, columns


def _sql_tables(document: dict[str, Any]) -> list[dict[str, Any]]:
    readers: dict[str, str] = {}
    for step in document["summary"]["steps"]:
        for table in step.get("sqlSources") or []:
            readers.setdefault(table, step["id"])
    tables = []
    for node in document["graphData"]["nodes"]:
        if node.get("type") != "table":
            continue
        name = node.get("label") or node["id"].removeprefix("table:")
        defined = node.get("sql") or []
        tables.append(
            {
                "id": node["id"],
                "name": name.rsplit(".", 1)[-1],
                "qualifiedName": name,
                "version": None,
                "links": [],
                "source": "sql",
                "step": readers.get(name),
                "sql_file": defined[0]["file"] if defined else None,
            }
        )
    return tables


def _feature_groups(conn: duckdb.DuckDBPyConnection, document: dict[str, Any]) -> tuple[list, list]:
    links: dict[str, list[str]] = {}
    for node in document["graphData"]["nodes"]:
        if node.get("featureGroup"):
            links.setdefault(node["featureGroup"], []).append(node["id"])
    pipeline = document["pipeline"]
    groups: list[dict[str, Any]] = []
    features: list[dict[str, Any]] = []
    for name, nodes in sorted(links.items()):
        group_id = f"featureGroup:{name}"
        groups.append({"id": group_id, "name": name, "version": None, "links": nodes})
        try:
            found = feature_group(conn, pipeline["region"], name, pipeline.get("account"))
        except LookupError:
            continue
        features.extend(
            {
                "id": f"feature:{name}.{feature['name']}",
                "name": feature["name"],
                "groupId": group_id,
                "type": feature["type"],
                "links": [],
            }
            for feature in found["features"]
        )
    return groups, features


def schema_layer(
    conn: duckdb.DuckDBPyConnection,
    pipeline: str,
    region: str | None = None,
    *,
    account: str | None = None,
    include_featurestore: bool = True,
    include_sql: bool = True,
) -> dict[str, Any]:
    """`/schema`: tables (one per sampled dataset the pipeline touches, keyed by its URI so
    same-named prefixes stay apart), their columns with PII classes, the SQL tables its
    steps query, its own feature groups with their features, and a warning per dataset
    without a sampled schema."""
    document = _document(conn, pipeline, region, account)
    warnings: list[str] = []
    tables, columns = _dataset_tables(document["graphData"]["nodes"], warnings)
    if not tables and not warnings:
        warnings.append("no data artifacts found in lineage graph")
    if include_sql:
        tables.extend(_sql_tables(document))
    groups, features = _feature_groups(conn, document) if include_featurestore else ([], [])
    return {
        "tables": tables,
        "columns": columns,
        "featureGroups": groups,
        "features": features,
        "warnings": warnings[:MAX_WARNINGS],
    }
