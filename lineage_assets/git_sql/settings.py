"""A repository's own settings (`.lineage.toml`): SQL dialects per path and the dbt target its
models are named for. They only fill what the configuration leaves open, within bounds: the
repository is untrusted, so an unreadable or oversized setting is reported and ignored."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from lineage_assets.git_sql.collect import (
    MAX_SETTING_CHARS,
    ignored_dbt_settings,
    with_dbt_settings,
)
from lineage_assets.git_sql.repository import GitSourceConfig

SETTINGS_FILE = ".lineage.toml"
# Every file is matched against every pattern (50,000 patterns: 5 s per file), so a repository
# may declare only a few, each of bounded length.
MAX_DIALECT_OVERRIDES = 100
MAX_PATTERN = 500
MAX_DIALECT_NAME = 64  # stored with every file (a 1 MB name: 571 MB of store for 100 files)

Overrides = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Settings:
    """A configuration with the repository's settings applied, and what was ignored and why."""

    config: GitSourceConfig
    problems: tuple[str, ...] = ()


def settings_path(config: GitSourceConfig) -> str:
    """Where the settings file of the synced folder lives in the repository."""
    root = f"{config.subdirectory.strip('/')}/" if config.subdirectory else ""
    return root + SETTINGS_FILE


def parse_settings(text: str) -> dict:
    """The TOML document of a settings file (raises ValueError, RecursionError, MemoryError)."""
    return tomllib.loads(text)


def apply_settings(config: GitSourceConfig, document: Mapping, path: str) -> Settings:
    """The `[sql]` and `[dbt]` tables of a settings document applied to `config`:

    [sql]
    dialect = "athena"
    [sql.dialects]
    "redshift/*" = "redshift"
    [dbt]
    target = "prod"      # with schema/database: the target dbt models are named for
    """
    config = with_dbt_settings(config, document.get("dbt"))
    problems = [_dbt_problem(path, key) for key in ignored_dbt_settings(document.get("dbt"))]
    settings = document.get("sql", {})
    if not isinstance(settings, Mapping):
        return Settings(config, tuple(problems))
    overrides, found = dialect_overrides(settings.get("dialects"), path)
    dialect, bad_dialect = default_dialect(settings.get("dialect"), path)
    config = replace(
        config,
        dialect=config.dialect or dialect,
        dialect_overrides=config.dialect_overrides + overrides,
    )
    return Settings(config, (*problems, *found, *bad_dialect))


def _dbt_problem(path: str, key: str) -> str:
    """Why a `[dbt]` key was ignored."""
    why = (
        "only the configuration (sql_repo dbt_env_allow) lets templates read environment variables"
        if key == "env_allow"
        else f"longer than {MAX_SETTING_CHARS} characters"
    )
    return f"{path}: [dbt] {key} ignored: {why}"


def dialect_overrides(dialects: object, path: str) -> tuple[Overrides, list[str]]:
    """`[sql.dialects]` as (pattern, dialect) pairs within bounds, and what was left out."""
    if not isinstance(dialects, Mapping):
        return (), []
    overrides = tuple(
        (str(k), str(v))
        for k, v in dialects.items()
        if len(str(k)) <= MAX_PATTERN and len(str(v)) <= MAX_DIALECT_NAME
    )
    problems = []
    if len(overrides) != len(dialects):
        problems.append(
            f"{path}: [sql.dialects] patterns over {MAX_PATTERN} chars ignored, "
            f"and dialect names over {MAX_DIALECT_NAME}"
        )
    if len(overrides) > MAX_DIALECT_OVERRIDES:
        problems.append(
            f"{path}: [sql.dialects] has {len(overrides):,} patterns; "
            f"the first {MAX_DIALECT_OVERRIDES} are used"
        )
    return overrides[:MAX_DIALECT_OVERRIDES], problems


def default_dialect(dialect: object, path: str) -> tuple[str | None, list[str]]:
    """`[sql] dialect` when set and not oversized, and a problem when it was."""
    if not dialect:
        return None, []
    if len(str(dialect)) > MAX_DIALECT_NAME:
        return None, [f"{path}: [sql] dialect over {MAX_DIALECT_NAME} chars ignored"]
    return str(dialect), []
