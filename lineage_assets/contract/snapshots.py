"""Per-pipeline snapshot documents: each crawled pipeline's contract as of its latest
execution, the same document the API and the CLI serve, built one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb

from lineage_assets.contract import reads
from lineage_assets.contract.builder import Request, build_lineage
from lineage_assets.contract.reads import PipelineRow, UnknownName


def _document(conn: duckdb.DuckDBPyConnection, pipeline: PipelineRow) -> dict[str, Any] | None:
    try:
        return build_lineage(
            conn, Request(pipeline.name, pipeline.region, "both", account=pipeline.account_id)
        )
    except UnknownName:  # its definition was never stored
        return None


def pipeline_document(conn: duckdb.DuckDBPyConnection, source_key: str) -> dict[str, Any] | None:
    """The snapshot of the pipeline stored under `source_key`, or None if the pipeline or its
    definition is unknown."""
    pipeline = reads.pipeline_by_key(conn, source_key)
    return None if pipeline is None else _document(conn, pipeline)


def pipeline_documents(conn: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, dict[str, Any]]]:
    """(scope, snapshot) of every crawled pipeline with a stored definition, by source key; one
    document is in memory at a time."""
    for pipeline in sorted(reads.pipelines(conn), key=lambda p: p.source_key):
        if (document := _document(conn, pipeline)) is not None:
            yield pipeline.source_key, document
