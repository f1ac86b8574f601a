"""The lineage contract: one builder for the CLI, the stored snapshots, the Dagster metadata
and the HTTP API, and the JSON Schema every document it builds satisfies."""

from lineage_assets.contract.builder import VIEWS, Request, build_lineage, summary
from lineage_assets.contract.reads import AmbiguousName, UnknownName

__all__ = ["VIEWS", "AmbiguousName", "Request", "UnknownName", "build_lineage", "summary"]
