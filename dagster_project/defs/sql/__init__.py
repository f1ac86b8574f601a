"""SQL from git: the repository sync and the SQL lineage, the parse-error check, and the job
parsing SQL given in run config."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.sql.assets import sql_lineage, sql_sources
from dagster_project.defs.sql.checks import sql_statements_parse
from dagster_project.defs.sql.jobs import parse_inline_sql


def defs() -> dg.Definitions:
    """The SQL domain's definitions."""
    return dg.Definitions(
        assets=[sql_sources, sql_lineage],
        asset_checks=[sql_statements_parse],
        jobs=[parse_inline_sql],
    )
