"""How much Athena history one crawl reads: the days looked back, the executions per workgroup
and the size of a query text that is parsed."""

from __future__ import annotations

from dataclasses import dataclass

from lineage_assets import config

DEFAULT_DAYS = 30  # Athena keeps 45 days of history; a nightly crawl needs far less
DEFAULT_MAX_EXECUTIONS = 5_000  # per workgroup per crawl
DEFAULT_MAX_QUERY_BYTES = 262_144  # Athena's own limit on a query string (256 KiB)
MAX_DAYS = 45


@dataclass(frozen=True)
class AthenaSettings:
    """Bounds of one crawl (per account, region and workgroup)."""

    days: int = DEFAULT_DAYS
    max_executions: int = DEFAULT_MAX_EXECUTIONS
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise config.ConfigError(f"Athena history: days must be 1 to {MAX_DAYS}")
        if self.max_executions < 1 or self.max_query_bytes < 1:
            raise config.ConfigError("Athena bounds must be positive")


def _positive(name: str, default: int) -> int:
    raw = config.env(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise config.ConfigError(f"{name}={raw!r}: expected a positive whole number") from None
    if value < 1:
        raise config.ConfigError(f"{name}={raw!r}: expected a positive whole number")
    return value


def from_env() -> AthenaSettings:
    """`LINEAGE_ATHENA_DAYS`, `LINEAGE_ATHENA_MAX_EXECUTIONS`, `LINEAGE_ATHENA_MAX_QUERY_BYTES`."""
    return AthenaSettings(
        days=_positive("LINEAGE_ATHENA_DAYS", DEFAULT_DAYS),
        max_executions=_positive("LINEAGE_ATHENA_MAX_EXECUTIONS", DEFAULT_MAX_EXECUTIONS),
        max_query_bytes=_positive("LINEAGE_ATHENA_MAX_QUERY_BYTES", DEFAULT_MAX_QUERY_BYTES),
    )


def with_overrides(*, days: int = 0, max_executions: int = 0) -> AthenaSettings:
    """The environment's settings with a run's non-zero options in their place."""
    base = from_env()
    return AthenaSettings(
        days=days or base.days,
        max_executions=max_executions or base.max_executions,
        max_query_bytes=base.max_query_bytes,
    )
