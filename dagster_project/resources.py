"""Dagster resources. Their required settings default to environment variables read when a
run (or sensor tick) starts, never at import; an unset one fails the run with one line naming
every missing variable, and makes the sensor skip with that line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field, PrivateAttr

from lineage_assets import config

if TYPE_CHECKING:  # the library (boto3, duckdb, git) loads when a run uses it, not at import
    import duckdb
    from botocore.client import BaseClient

    from lineage_assets.accounts.clients import AccountClients
    from lineage_assets.accounts.estate import Estate
    from lineage_assets.accounts.settings import AccountSettings
    from lineage_assets.accounts.shared import SharedEstates
    from lineage_assets.git_sql.repository import GitSourceConfig
    from lineage_assets.store import LineageStore

# Every asset, check or op that opens the DuckDB file for writing declares this pool;
# dagster.yaml limits it to one slot, so one process writes at a time.
DUCKDB_POOL = "lineage_duckdb"


class ConfigurationMissing(dg.Failure):
    """A run (or tick) that cannot start: its description is the one line naming each unset
    variable. Not retried: only the environment can fix it."""


class ConfigurationInvalid(ConfigurationMissing):
    """A run (or tick) that cannot start because a setting is malformed: its description is
    the one line naming the variable."""


def configuration_missing(names: Iterable[str]) -> ConfigurationMissing:
    """The failure naming every unset variable in `names` (all that the run or resource needs,
    not only the first one found, so one fix makes it work), in the README's order."""
    wanted = set(names)
    named = [n for n in config.DAGSTER_VARIABLES if n in wanted]
    named += sorted(wanted - set(named))
    return ConfigurationMissing(description=config.missing_message(named), allow_retries=False)


def setting(value: str, variable: str) -> str:
    """A resource's setting when given, else its environment variable's value (read now)."""
    resolved = value.strip() or config.env(variable, "").strip()
    if not resolved:
        raise configuration_missing([variable])
    return resolved


class EnvironmentSettings(dg.ConfigurableResource):
    """A resource whose empty settings come from environment variables at run time."""

    def variables(self) -> dict[str, str]:
        """Setting name → the variable it defaults to."""
        return {}

    def missing_variables(self) -> list[str]:
        """The variables this resource would read and finds unset."""
        return [
            variable
            for name, variable in self.variables().items()
            if not str(getattr(self, name)).strip() and config.missing([variable])
        ]


def require(*resources: EnvironmentSettings) -> None:
    """Fail now, before anything is written, when any of these resources lacks a variable."""
    names = [n for resource in resources for n in resource.missing_variables()]
    if names:
        raise configuration_missing(names)


# The code location's resource keys → (setting, the variable it falls back to).
ENVIRONMENT_SETTINGS: dict[str, tuple[str, str]] = {
    "lineage_store": ("lineage_home", "LINEAGE_HOME"),
    "aws": ("regions", "LINEAGE_AWS_REGIONS"),
    "sql_repo": ("remote", "LINEAGE_SQL_REPO"),
}


def require_for_run(context: dg.AssetExecutionContext, store: EnvironmentSettings) -> None:
    """At a run's first step, fail when any resource the run's steps use would read an unset
    variable, so a run lacking configuration stops before any step works and names them all.
    Only when the store itself comes from the environment (as in the code location): resources
    given explicitly (tests, scripts) are checked by each step that uses them."""
    if any(str(getattr(store, name)).strip() for name in store.variables()):
        return
    needed = context.job_def.get_required_resource_defs()
    run_config: Mapping[str, Any] = context.run.run_config or {}
    given: Mapping[str, Any] = run_config.get("resources") or {}
    names = [
        variable
        for key, (name, variable) in ENVIRONMENT_SETTINGS.items()
        if key in needed
        and not str(((given.get(key) or {}).get("config") or {}).get(name) or "").strip()
        and config.missing([variable])
    ]
    if names:
        raise configuration_missing(names)


class LineageStoreResource(EnvironmentSettings):
    """The DuckDB lineage store: a writer for assets, the published copy for readers."""

    lineage_home: str = Field(
        default="",
        description="Data folder holding lineage.duckdb and its copy; empty: $LINEAGE_HOME.",
    )
    lock_timeout_s: float = Field(
        default=120.0, description="How long a writer waits for the lock."
    )
    api_url: str = Field(
        default="",
        description="Base URL of the lineage API and viewer, linked from the metadata; "
        "empty: $LINEAGE_API_URL, else http://127.0.0.1:8300.",
    )

    def variables(self) -> dict[str, str]:
        return {"lineage_home": "LINEAGE_HOME"}

    @property
    def viewer_base(self) -> str:
        """Where the viewer answers (read now; optional, so never a missing variable)."""
        return self.api_url.strip().rstrip("/") or config.api_url()

    @property
    def home(self) -> Path:
        """The data folder as an absolute path (relative values resolve against the cwd)."""
        return Path(setting(self.lineage_home, "LINEAGE_HOME")).expanduser().resolve()

    @property
    def location(self) -> str:
        """Where the configured store is (the lake's URL without credentials, or the file)."""
        from lineage_assets.store.configured import describe

        return describe(self.home)

    @property
    def on_lake(self) -> bool:
        """Whether the configured store is DuckLake (`LINEAGE_STORE_URL`), read now."""
        from lineage_assets.store import lake

        return lake.configured() is not None

    @contextmanager
    def writer(self) -> Iterator[LineageStore]:
        """Open the store for writing (migrated, lock waited for, always closed)."""
        from lineage_assets.store import open_store

        with open_store(self.home, lock_timeout_s=self.lock_timeout_s) as store:
            yield store

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published copy; never waits for the writer."""
        from lineage_assets.store import open_published

        with open_published(config.published_path(self.home)) as conn:
            yield conn


class AwsResource(EnvironmentSettings):
    """AWS access: regions to crawl; credentials and endpoint come from boto3's own chain
    (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, instance roles …), so nothing secret is configured here.

    While a run (or sensor tick) uses it, the estate is opened once and lent to every asset of
    that run in this process; it is closed when the run's resources are torn down."""

    _estates: SharedEstates | None = PrivateAttr(default=None)

    regions: str = Field(
        default="",
        description="Comma-separated regions to crawl, e.g. us-east-1,eu-west-1; "
        "empty: $LINEAGE_AWS_REGIONS.",
    )

    s3_prefixes: str = Field(
        default="",
        description="Comma-separated extra S3 prefixes to sample besides the URIs the crawl "
        "found; empty: $LINEAGE_S3_PREFIXES (optional).",
    )

    accounts: str = Field(
        default="",
        description="`organization`, or comma-separated 12-digit account ids; empty: "
        "$LINEAGE_AWS_ACCOUNTS, unset: the caller's account only (optional).",
    )
    accounts_exclude: str = Field(
        default="",
        description="Account ids never crawled; empty: $LINEAGE_AWS_ACCOUNTS_EXCLUDE (optional).",
    )
    role_name: str = Field(
        default="",
        description="Role assumed in every other account; empty: $LINEAGE_AWS_ROLE_NAME, "
        "else LineageReadOnly.",
    )
    external_id: str = Field(
        default="",
        description="External id of the AssumeRole calls; empty: $LINEAGE_AWS_EXTERNAL_ID "
        "(optional).",
    )

    max_attempts: int = Field(
        default=5,
        description="Attempts per AWS call (adaptive retries: throttling slows the client).",
    )

    def variables(self) -> dict[str, str]:
        return {"regions": "LINEAGE_AWS_REGIONS"}

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Start the run's shared estates (nothing is opened until an asset asks)."""
        from lineage_assets.accounts.shared import SharedEstates

        self._estates = SharedEstates()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Close the estates the run opened."""
        estates, self._estates = self._estates, None
        if estates is not None:
            estates.close()

    def account_settings(self) -> AccountSettings:
        """The accounts to crawl and how (read now: these settings, else the environment); a
        malformed value fails the run (or skips the tick) with one line naming it."""
        from lineage_assets.accounts.settings import VARIABLES, settings_from_env
        from lineage_assets.config import ConfigError

        given = {
            "LINEAGE_AWS_ACCOUNTS": self.accounts,
            "LINEAGE_AWS_ACCOUNTS_EXCLUDE": self.accounts_exclude,
            "LINEAGE_AWS_ROLE_NAME": self.role_name,
            "LINEAGE_AWS_EXTERNAL_ID": self.external_id,
        }
        environ = {name: config.env(name, "") for name in VARIABLES}
        environ.update({name: value for name, value in given.items() if value.strip()})
        try:
            return settings_from_env(environ)
        except ConfigError as error:
            raise ConfigurationInvalid(description=str(error), allow_retries=False) from None

    def estate(self) -> Estate:
        """Every configured account that can be acted in, with its usable regions; close it
        when done (`Estate.close`); `lineage_assets.accounts.estate.record` writes it.

        In a run, the estate its first asset opened for these settings (a loan: closing it
        leaves it open for the next asset); outside one, opened now."""
        from lineage_assets.accounts.estate import open_estate

        settings, regions = self.account_settings(), self.region_list

        def opened() -> Estate:
            return open_estate(settings, regions, max_attempts=self.max_attempts)

        if self._estates is None:
            return opened()
        return self._estates.lend((settings, tuple(regions), self.max_attempts), opened)

    def account_clients(self, account_id: str, region: str) -> AccountClients:
        """The clients of one configured account (the caller's default chain, or the assumed
        role), checked in `region`; a run asking for another fails with one line naming it."""
        from lineage_assets.accounts.estate import AccountUnavailable

        try:
            return self.open_account(account_id, region)
        except AccountUnavailable as error:
            raise dg.Failure(description=str(error)) from None

    def open_account(self, account_id: str, region: str) -> AccountClients:
        """As `account_clients`, raising the library's AccountUnavailable (so a run of many
        accounts records one and goes on)."""
        from lineage_assets.accounts.estate import open_account

        settings = self.account_settings()
        return open_account(settings, account_id, region, max_attempts=self.max_attempts)

    @property
    def extra_s3_prefixes(self) -> list[str]:
        """The configured extra prefixes, in order, without blanks (read now; may be none)."""
        raw = self.s3_prefixes.strip() or config.env("LINEAGE_S3_PREFIXES", "")
        return [prefix.strip() for prefix in raw.split(",") if prefix.strip()]

    @property
    def region_list(self) -> list[str]:
        """The configured regions, in order, without blanks (at least one)."""
        raw = setting(self.regions, "LINEAGE_AWS_REGIONS")
        regions = [r.strip() for r in raw.split(",") if r.strip()]
        if not regions:
            raise configuration_missing(["LINEAGE_AWS_REGIONS"])
        return regions

    def client(self, service: str, region: str | None = None) -> BaseClient:
        """A boto3 client with adaptive retries (see `lineage_assets.aws.client`)."""
        from lineage_assets import aws

        return aws.client(service, region or self.region_list[0])


class SqlRepoResource(EnvironmentSettings):
    """The git repository holding the warehouse SQL. The HTTPS token is read at run time from
    the environment variable named by `token_env`; it is never part of the configuration."""

    remote: str = Field(
        default="",
        description="Git remote URL or local path of the SQL repository; empty: $LINEAGE_SQL_REPO.",
    )
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
    dbt_target: str = Field(
        default="", description="dbt target models are named for; empty: .lineage.toml, else prod."
    )
    dbt_database: str = Field(default="", description="The dbt target's database; empty: none.")
    dbt_schema: str = Field(default="", description="The dbt target's schema; empty: analytics.")
    dbt_env_allow: list[str] = Field(
        default=[], description="Env variables dbt templates may read besides DBT_ENV_*."
    )
    dbt_manifest: str = Field(
        default="", description="Path of a dbt manifest.json in the repository, if not target/."
    )

    def variables(self) -> dict[str, str]:
        return {"remote": "LINEAGE_SQL_REPO"}

    def source_config(self) -> GitSourceConfig:
        """The library's configuration, with the token taken from the environment now."""
        from lineage_assets.git_sql.repository import GitSourceConfig, environment_token

        return GitSourceConfig(
            remote=setting(self.remote, "LINEAGE_SQL_REPO"),
            ref=self.ref,
            subdirectory=self.subdirectory,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
            dialect=self.dialect or None,
            dialect_overrides=tuple(self.dialect_overrides.items()),
            token=environment_token(self.token_env),
            name=self.name or None,
            token_env=self.token_env,
            dbt_target=self.dbt_target or None,
            dbt_database=self.dbt_database or None,
            dbt_schema=self.dbt_schema or None,
            dbt_env_allow=tuple(self.dbt_env_allow),
            dbt_manifest=self.dbt_manifest or None,
        )


class RetentionReportsResource(dg.ConfigurableResource):
    """Where the retention reports are (deletion reports and S3 cross-checks). Optional: with
    none configured the retention asset has nothing to do."""

    locations: str = Field(
        default="",
        description="Comma-separated report locations (files, globs, folders ending in /, "
        "s3:// URIs); empty: $LINEAGE_RETENTION_REPORTS (read when a run starts).",
    )

    @property
    def location_list(self) -> list[str]:
        """The configured locations, in order, without blanks or repeats (may be none)."""
        from lineage_assets.retention.locations import parse_locations

        return parse_locations(
            self.locations.strip() or config.env("LINEAGE_RETENTION_REPORTS", "")
        )
