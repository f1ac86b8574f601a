"""AWS accounts: the estate every AWS crawl covers, recorded once per nightly run."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.accounts.assets import aws_accounts


def defs() -> dg.Definitions:
    """The accounts domain's definitions."""
    return dg.Definitions(assets=[aws_accounts])
