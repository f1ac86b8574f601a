"""OpenLineage: the export of the published store's lineage after the graph."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.openlineage.assets import openlineage_export


def defs() -> dg.Definitions:
    """The OpenLineage domain's definitions."""
    return dg.Definitions(assets=[openlineage_export])
