"""Dagster resources, configured from environment variables with `EnvVar`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from pydantic import Field

from lineage_assets import aws, config
from lineage_assets.store import LineageStore, connect_published

# Every asset, check or op that opens the DuckDB file for writing declares this pool;
# dagster.yaml limits it to one slot, so one process writes at a time.
DUCKDB_POOL = "lineage_duckdb"


class LineageStoreResource(dg.ConfigurableResource):
    """The DuckDB lineage store: a writer for assets, the published copy for readers."""

    lineage_home: str = Field(description="Data folder holding lineage.duckdb and its copy.")
    lock_timeout_s: float = Field(
        default=120.0, description="How long a writer waits for the lock."
    )

    @property
    def home(self) -> Path:
        """The data folder as an absolute path (relative values resolve against the cwd)."""
        return Path(self.lineage_home).expanduser().resolve()

    @contextmanager
    def writer(self) -> Iterator[LineageStore]:
        """Open the store for writing (migrated, lock waited for, always closed)."""
        with LineageStore.open(
            config.duckdb_path(self.home),
            config.published_path(self.home),
            lock_timeout_s=self.lock_timeout_s,
        ) as store:
            yield store

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published copy; never waits for the writer."""
        conn = connect_published(config.published_path(self.home))
        try:
            yield conn
        finally:
            conn.close()


class AwsResource(dg.ConfigurableResource):
    """AWS access: regions to crawl; credentials and endpoint come from boto3's own chain
    (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, instance roles …), so nothing secret is configured here."""

    regions: str = Field(description="Comma-separated regions to crawl, e.g. us-east-1,eu-west-1.")

    @property
    def region_list(self) -> list[str]:
        """The configured regions, in order, without blanks."""
        return [r.strip() for r in self.regions.split(",") if r.strip()]

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client with adaptive retries (see `lineage_assets.aws.client`)."""
        return aws.client(service, region or self.region_list[0])
