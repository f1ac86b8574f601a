"""Retention: deletion reports and S3 cross-checks loaded into the store, and the check that
fails while a dataset still holds ids reported deleted."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.retention.assets import retention_reports
from dagster_project.defs.retention.checks import retention_no_deleted_ids_held


def defs() -> dg.Definitions:
    """The retention domain's definitions."""
    return dg.Definitions(assets=[retention_reports], asset_checks=[retention_no_deleted_ids_held])
