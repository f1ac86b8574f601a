"""Glue Data Catalog: every account's catalog per region, and the check comparing its declared
schemas with the sampled S3 data."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.glue.assets import glue_catalog
from dagster_project.defs.glue.checks import glue_schema_drift


def defs() -> dg.Definitions:
    """The Glue domain's definitions."""
    return dg.Definitions(assets=[glue_catalog], asset_checks=[glue_schema_drift])
