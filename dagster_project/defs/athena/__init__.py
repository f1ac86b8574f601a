"""Athena: the query history of every workgroup of every account and region, nightly."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.athena.assets import athena_query_history


def defs() -> dg.Definitions:
    """The Athena domain's definitions."""
    return dg.Definitions(assets=[athena_query_history])
