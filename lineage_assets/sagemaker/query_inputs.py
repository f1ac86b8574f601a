"""The tables that the Athena/Redshift queries of step inputs read, parsed when the pipeline is
crawled so that its own records carry the `query` edges (table → step) into the graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lineage_assets.sagemaker.bounds import PipelineWarning, clip
from lineage_assets.sagemaker.resolver import StepIO

QUERY_DIALECTS = {"athena": "athena", "redshift": "redshift"}


@dataclass(frozen=True)
class QueryInput:
    """A table one step's input query reads; `table` is None for a query that reads no table
    or could not be parsed (so the store knows the query was seen)."""

    step: str
    data_kind: str | None
    engine: str | None
    table: str | None


def tables_read(query: str, engine: str | None) -> list[str]:
    """The tables a query reads, parsed in its engine's dialect (bad SQL reads none)."""
    from lineage_assets.sql import extract_lineage  # sqlglot loads only for pipelines with queries

    return list(extract_lineage(query, QUERY_DIALECTS.get(str(engine).lower())).sources)


def query_inputs(ios: Iterable[StepIO]) -> tuple[list[QueryInput], list[PipelineWarning]]:
    """One entry per (step, data kind, engine, table) over the inputs that hold a query, each
    distinct query parsed once; a query whose parse fails is a `query_unparsed` warning."""
    found: dict[QueryInput, None] = {}
    parsed: dict[tuple[str, str | None], list[str]] = {}
    warnings: list[PipelineWarning] = []
    for io in ios:
        if io.query_string is None:
            continue
        key = (io.query_string, io.engine)
        if key not in parsed:
            try:
                parsed[key] = tables_read(io.query_string, io.engine)
            except Exception as error:  # one query never stops its pipeline
                parsed[key] = []
                message = f"query of step {io.step} not parsed: {type(error).__name__}: {error}"
                warnings.append(PipelineWarning("query_unparsed", clip(message)))
        tables: list[str | None] = [*parsed[key]] or [None]
        for table in tables:
            found.setdefault(QueryInput(io.step, io.data_kind, io.engine, table))
    return list(found), warnings
