"""Settings read from environment variables, with defaults that make the demo work.

One place lists every variable, so the README's configuration table and the code agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning (for docs and `--help`)."""

    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("LINEAGE_HOME", ".lineage", "Data folder: DuckDB store, published copy, caches."),
    Setting(
        "LINEAGE_DUCKDB_PATH", "$LINEAGE_HOME/lineage.duckdb", "The DuckDB store (one writer)."
    ),
    Setting(
        "LINEAGE_PUBLISHED_PATH",
        "$LINEAGE_HOME/lineage_published.duckdb",
        "Read-only copy published after each write batch; readers and the CLI use it.",
    ),
    Setting("LINEAGE_AWS_REGIONS", "us-east-1", "Comma-separated regions to crawl."),
    Setting("LINEAGE_SCHEDULE_CRON", "0 2 * * *", "Cron of the nightly crawl."),
    Setting("LINEAGE_SCHEDULE_TIMEZONE", "UTC", "Timezone of the nightly crawl."),
    Setting("LINEAGE_SQL_REPO", "$LINEAGE_HOME/sql_repo.git", "Git remote URL or path of the SQL."),
    Setting("LINEAGE_SQL_REF", "main", "Branch, tag or commit of the SQL repository."),
    Setting(
        "LINEAGE_GIT_TOKEN_ENV",
        "LINEAGE_GIT_TOKEN",
        "Name of the variable holding an HTTPS token for the SQL remote (never logged).",
    ),
    Setting(
        "AWS_ENDPOINT_URL",
        "(unset: real AWS)",
        "boto3's standard endpoint override; the demo and tests point it at the emulator.",
    ),
)


def env(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name) or default


def lineage_home() -> Path:
    """Absolute path of the data folder (created on first write, not here)."""
    return Path(env("LINEAGE_HOME", ".lineage")).expanduser().resolve()


def duckdb_path() -> Path:
    """Path of the writable DuckDB store."""
    return Path(env("LINEAGE_DUCKDB_PATH", str(lineage_home() / "lineage.duckdb"))).resolve()


def published_path() -> Path:
    """Path of the read-only published copy of the store."""
    default = lineage_home() / "lineage_published.duckdb"
    return Path(env("LINEAGE_PUBLISHED_PATH", str(default))).resolve()


def aws_regions() -> list[str]:
    """Regions to crawl, from `LINEAGE_AWS_REGIONS`."""
    raw = env("LINEAGE_AWS_REGIONS", "us-east-1")
    return [region.strip() for region in raw.split(",") if region.strip()]
