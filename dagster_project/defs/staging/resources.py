"""Where staged batches go and how long they stay; empty settings come from the environment
when a run starts (`LINEAGE_STAGING_URL`, `LINEAGE_STAGING_KEEP_DAYS`,
`LINEAGE_STAGING_SWEEP_AFTER`)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from dagster_project.resources import configuration_missing

if TYPE_CHECKING:
    from lineage_assets.staging.location import StagingLocation


class StagingResource(dg.ConfigurableResource):
    """The staging location (a folder or s3://bucket/prefix) shared by crawl runs and ingest."""

    url: str = Field(
        default="",
        description="Staging folder or s3://bucket/prefix; empty: $LINEAGE_STAGING_URL "
        "(unset: staging off, the ingest has nothing to do).",
    )
    keep_days: float = Field(
        default=-1,
        description="Days applied batches are kept; negative: $LINEAGE_STAGING_KEEP_DAYS.",
    )
    sweep_after_s: float = Field(
        default=0, description="Seconds before an uncommitted batch is swept; 0: "
        "$LINEAGE_STAGING_SWEEP_AFTER, else a day.",
    )  # fmt: skip

    def location(self) -> StagingLocation | None:
        """The configured location, or None when staging is off."""
        from lineage_assets.staging.location import StagingLocation
        from lineage_assets.staging.settings import staging_url

        url = self.url.strip() or staging_url()
        return StagingLocation.from_url(url) if url else None

    def required_location(self) -> StagingLocation:
        """The location a staged crawl writes to; the run fails naming the variable if unset."""
        location = self.location()
        if location is None:
            raise configuration_missing(["LINEAGE_STAGING_URL"])
        return location

    @property
    def keep(self) -> timedelta:
        from lineage_assets.staging.settings import keep_applied

        return timedelta(days=self.keep_days) if self.keep_days >= 0 else keep_applied()

    @property
    def sweep_after(self) -> timedelta:
        from lineage_assets.staging.settings import sweep_after

        return timedelta(seconds=self.sweep_after_s) if self.sweep_after_s > 0 else sweep_after()
