"""The graph: every source stitched into one lineage graph with PII propagated, its snapshots,
and the check on models trained on personal data."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.graph.assets import lineage_graph
from dagster_project.defs.graph.checks import no_approved_model_trained_on_pii


def defs() -> dg.Definitions:
    """The graph domain's definitions."""
    return dg.Definitions(assets=[lineage_graph], asset_checks=[no_approved_model_trained_on_pii])
