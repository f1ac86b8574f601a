"""Serving: SageMaker models, endpoint configs, endpoints, monitoring schedules and transform
jobs of every account and region, and the check on live endpoints capturing personal data
into unprotected buckets."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.serving.assets import sagemaker_serving
from dagster_project.defs.serving.checks import no_live_endpoint_captures_pii_unprotected


def defs() -> dg.Definitions:
    """The serving domain's definitions."""
    return dg.Definitions(
        assets=[sagemaker_serving], asset_checks=[no_live_endpoint_captures_pii_unprotected]
    )
