"""Settings read from environment variables, with defaults that make the demo work.

One place lists every variable, so the README's configuration table and the code agree.
"""

from __future__ import annotations

import os
import re
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
    Setting(
        "LINEAGE_STORE_URL",
        "(unset: the DuckDB file under LINEAGE_HOME)",
        "The store on DuckLake: `ducklake:postgres:host=… dbname=… user=…` (its PostgreSQL "
        "catalog; the password only from PGPASSWORD or ~/.pgpass). Readers attach it read-only.",
    ),
    Setting(
        "LINEAGE_STORE_DATA_PATH",
        "(none)",
        "Where the lake's Parquet files go when it is created: a shared folder or "
        "s3://bucket/prefix (S3 credentials from boto3's chain).",
    ),
    Setting("LINEAGE_AWS_REGIONS", "us-east-1", "Comma-separated AWS regions to crawl."),
    Setting(
        "LINEAGE_AWS_ACCOUNTS",
        "(unset: the caller's account)",
        "`organization` (every ACTIVE account Organizations lists), or comma-separated 12-digit "
        "account ids; other accounts than the caller's are reached by assuming a role.",
    ),
    Setting("LINEAGE_AWS_ACCOUNTS_EXCLUDE", "(none)", "Comma-separated account ids never crawled."),
    Setting(
        "LINEAGE_AWS_ROLE_NAME",
        "LineageReadOnly",
        "Role assumed in every account but the caller's (docs/iam/member-role.yaml).",
    ),
    Setting(
        "LINEAGE_AWS_EXTERNAL_ID",
        "(none)",
        "External id passed to AssumeRole when the member role's trust requires one.",
    ),
    Setting("LINEAGE_AWS_SESSION_NAME", "lineage-assets", "RoleSessionName (in CloudTrail)."),
    Setting(
        "LINEAGE_AWS_SESSION_DURATION",
        "3600",
        "Seconds an assumed role's credentials last (900-43200; a chained role gets at most "
        "3600); botocore refreshes them before they expire.",
    ),
    Setting(
        "LINEAGE_AWS_WORKERS",
        "8",
        "Threads crawling the SageMaker pipelines of one account and region at once (1-64); "
        "writes stay in one thread.",
    ),
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
        "LINEAGE_RETENTION_REPORTS",
        "(none)",
        "Comma-separated retention report locations (files, globs, folders ending in /, "
        "s3:// URIs) read by `retention_reports`; unset: nothing to do.",
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
        "LINEAGE_QUERY_TIMEOUT",
        "60",
        "Seconds a `lineage-assets query` statement or a `lineage-assets sql` parse may run "
        "before it is interrupted.",
    ),
    Setting(
        "LINEAGE_API_TIMEOUT",
        "10",
        "Seconds an API request's store reads, or the parse behind `POST /sql/lineage`, may run "
        "before the request is answered with an error.",
    ),
    Setting(
        "LINEAGE_QUERY_MEMORY",
        "1GiB",
        "Memory a reader of the published copy (console, API, CLI) may use in DuckDB, and each "
        "isolated SQL parse may allocate; nothing spills to disk.",
    ),
    Setting(
        "LINEAGE_STAGING_URL",
        "(none: staging off)",
        "Folder path or s3://bucket/prefix where staged crawls write Parquet batches that the "
        "single writer ingests.",
    ),
    Setting(
        "LINEAGE_STAGING_KEEP_DAYS",
        "0",
        "Days applied staged batches are kept for audit before the ingest deletes them.",
    ),
    Setting(
        "LINEAGE_STAGING_SWEEP_AFTER",
        "86400",
        "Seconds after which a staged batch without manifest (its crawl died) is swept.",
    ),
    Setting(
        "LINEAGE_ATHENA_DAYS",
        "30",
        "Days of Athena query history the crawl looks back (1 to 45; Athena keeps 45).",
    ),
    Setting(
        "LINEAGE_ATHENA_MAX_EXECUTIONS",
        "5000",
        "New Athena executions read per workgroup per crawl; more are left unread and logged.",
    ),
    Setting(
        "LINEAGE_ATHENA_MAX_QUERY_BYTES",
        "262144",
        "Largest Athena query text parsed (Athena's own limit is 256 KiB); larger ones are "
        "recorded with an error.",
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


class ConfigError(ValueError):
    """A variable holds a value that cannot be used; the message names the variable."""


def lineage_home() -> Path:
    """Absolute path of the data folder (created on first write, not here)."""
    raw = env("LINEAGE_HOME", ".lineage")
    try:
        return Path(raw).expanduser().resolve()
    except RuntimeError as error:  # `~nosuchuser/x`: no such user, or no home directory
        raise ConfigError(f"LINEAGE_HOME={raw!r}: {error}") from None


def seconds(name: str, default: float) -> float:
    """A positive number of seconds from the variable `name` (ConfigError naming it otherwise)."""
    raw = env(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < 10**7:
        raise ConfigError(f"{name}={raw!r}: expected a positive number of seconds")
    return value


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS.update({"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40})


def query_timeout_s() -> float:
    """`LINEAGE_QUERY_TIMEOUT`: seconds a console query or a CLI parse may run."""
    return seconds("LINEAGE_QUERY_TIMEOUT", 60.0)


def api_timeout_s() -> float:
    """`LINEAGE_API_TIMEOUT`: seconds an API request's reads or SQL parse may run."""
    return seconds("LINEAGE_API_TIMEOUT", 10.0)


def query_memory_bytes() -> int:
    """`LINEAGE_QUERY_MEMORY` in bytes (`1GiB`, `512MB`, `800000000`); at least 16 MiB."""
    raw = env("LINEAGE_QUERY_MEMORY", "1GiB")
    match = _SIZE.match(raw)
    if match is None:
        raise ConfigError(f"LINEAGE_QUERY_MEMORY={raw!r}: expected a size such as 1GiB or 512MB")
    size = int(float(match.group(1)) * _UNITS[(match.group(2) or "").upper()])
    if size < 16 << 20:
        raise ConfigError(f"LINEAGE_QUERY_MEMORY={raw!r}: at least 16MiB is needed")
    return size


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


def aws_workers() -> int:
    """`LINEAGE_AWS_WORKERS`: threads that crawl the pipelines of one account and region at
    once (1 to 64; default 8)."""
    raw = env("LINEAGE_AWS_WORKERS", "8").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ConfigError(f"LINEAGE_AWS_WORKERS={raw!r}: expected a whole number from 1 to 64")
    return int(raw)
