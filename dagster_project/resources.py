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
from lineage_assets.git_sql.repository import GitSourceConfig, environment_token
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


class SqlRepoResource(dg.ConfigurableResource):
    """The git repository holding the warehouse SQL. The HTTPS token is read at run time from
    the environment variable named by `token_env`; it is never part of the configuration."""

    remote: str = Field(description="Git remote URL or local path of the SQL repository.")
    ref: str = Field(default="main", description="Branch, tag or commit to sync.")
    subdirectory: str = Field(default="", description="Only files below this folder.")
    include: list[str] = Field(default=["*.sql", "*.py"], description="Globs of files to read.")
    exclude: list[str] = Field(default=[], description="Globs of files to skip.")
    dialect: str = Field(
        default="", description="Default SQL dialect; empty: the repository's .lineage.toml."
    )
    dialect_overrides: dict[str, str] = Field(
        default={}, description="Glob → dialect, first match wins (before .lineage.toml's)."
    )
    token_env: str = Field(default="LINEAGE_GIT_TOKEN", description="Variable with the token.")
    name: str = Field(
        default="", description="Stable name in source keys; empty: the remote's last segment."
    )

    def source_config(self) -> GitSourceConfig:
        """The library's configuration, with the token taken from the environment now."""
        return GitSourceConfig(
            remote=self.remote,
            ref=self.ref,
            subdirectory=self.subdirectory,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
            dialect=self.dialect or None,
            dialect_overrides=tuple(self.dialect_overrides.items()),
            token=environment_token(self.token_env),
            name=self.name or None,
        )
