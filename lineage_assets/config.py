"""Settings read from environment variables, with defaults that make the demo work.

One place lists every variable, so the README's configuration table and the code agree.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning (for docs and `--help`)."""

    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "LINEAGE_HOME",
        ".lineage",
        "Data folder: the DuckDB store `lineage.duckdb`, its published read-only copy "
        "`lineage_published.duckdb`, git caches, the emulator's endpoint file.",
    ),
    Setting("LINEAGE_AWS_REGIONS", "us-east-1", "Comma-separated AWS regions to crawl."),
    Setting("LINEAGE_SCHEDULE_CRON", "0 2 * * *", "Cron of the nightly crawl."),
    Setting("LINEAGE_SCHEDULE_TIMEZONE", "UTC", "Timezone of the nightly crawl's cron."),
    Setting(
        "LINEAGE_SQL_REPO",
        "$LINEAGE_HOME/sql_repo.git",
        "Git remote (URL or path) holding the warehouse SQL; ref, globs and dialects are the "
        "`sql_repo` resource's settings (dialects also from the repository's .lineage.toml).",
    ),
    Setting(
        "LINEAGE_S3_PREFIXES",
        "(none)",
        "Comma-separated extra S3 prefixes sampled with the URIs the crawl finds.",
    ),
    Setting(
        "LINEAGE_GIT_TOKEN_ENV",
        "LINEAGE_GIT_TOKEN",
        "Name of the variable holding an HTTPS token for the SQL remote (never logged or stored).",
    ),
    Setting(
        "LINEAGE_API_URL",
        "http://127.0.0.1:8300",
        "Where `lineage-assets serve` answers; Dagster metadata links each pipeline to its "
        "viewer page there.",
    ),
    Setting(
        "AWS_ENDPOINT_URL",
        "(unset: real AWS)",
        "boto3's standard endpoint override; `make demo` and the tests point it at the emulator.",
    ),
    Setting(
        "AWS_PROFILE / AWS_ACCESS_KEY_ID …",
        "(boto3 default chain)",
        "Credentials come only from boto3's standard chain (profile, env, SSO, instance role).",
    ),
)


# What a Dagster run cannot guess: where the store lives, which regions and which SQL remote.
# The CLI has defaults for them; Dagster runs require them, so nothing lands by accident in a
# folder relative to wherever `dagster dev` was started.
DAGSTER_VARIABLES: tuple[str, ...] = ("LINEAGE_HOME", "LINEAGE_AWS_REGIONS", "LINEAGE_SQL_REPO")


def missing(names: Iterable[str]) -> list[str]:
    """The variables among `names` that are unset or blank, in the given order."""
    return [name for name in names if not os.environ.get(name, "").strip()]


def missing_message(names: Iterable[str]) -> str:
    """One line naming every missing variable and where they are described."""
    listed = ", ".join(names)
    return (
        f"missing configuration: set {listed} "
        "(environment variables; the README's Configuration table describes them)"
    )


def env(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name) or default


def lineage_home() -> Path:
    """Absolute path of the data folder (created on first write, not here)."""
    return Path(env("LINEAGE_HOME", ".lineage")).expanduser().resolve()


def api_url() -> str:
    """Base URL of the lineage API and viewer, for links (read when a run starts)."""
    return env("LINEAGE_API_URL", "http://127.0.0.1:8300").rstrip("/")


def duckdb_path(home: Path | None = None) -> Path:
    """The writable DuckDB store inside the data folder."""
    return (home or lineage_home()) / "lineage.duckdb"


def published_path(home: Path | None = None) -> Path:
    """The read-only copy of the store that readers use, inside the data folder."""
    return (home or lineage_home()) / "lineage_published.duckdb"


def aws_regions() -> list[str]:
    """Regions to crawl, from `LINEAGE_AWS_REGIONS`."""
    raw = env("LINEAGE_AWS_REGIONS", "us-east-1")
    return [region.strip() for region in raw.split(",") if region.strip()]


def sql_repo() -> str:
    """The SQL repository's remote, from `LINEAGE_SQL_REPO`."""
    return env("LINEAGE_SQL_REPO", str(lineage_home() / "sql_repo.git"))
