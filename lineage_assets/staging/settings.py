"""Staging settings, read when a run starts: where batches go, how long applied ones are kept,
and when an uncommitted batch (its crawl died) is swept."""

from __future__ import annotations

from datetime import timedelta

from lineage_assets import config

DEFAULT_SWEEP_AFTER_S = 86_400.0


def staging_url() -> str | None:
    """`LINEAGE_STAGING_URL`: a folder path or s3://bucket/prefix; None when staging is off."""
    return config.env("LINEAGE_STAGING_URL", "").strip() or None


def keep_applied() -> timedelta:
    """`LINEAGE_STAGING_KEEP_DAYS`: days applied batches stay for audit (0: deleted at once)."""
    raw = config.env("LINEAGE_STAGING_KEEP_DAYS", "0").strip()
    try:
        days = float(raw)
    except ValueError:
        days = float("nan")
    if not 0 <= days <= 36_500:
        raise config.ConfigError(f"LINEAGE_STAGING_KEEP_DAYS={raw!r}: expected days, 0 or more")
    return timedelta(days=days)


def sweep_after() -> timedelta:
    """`LINEAGE_STAGING_SWEEP_AFTER`: seconds after which a batch without manifest is swept."""
    return timedelta(seconds=config.seconds("LINEAGE_STAGING_SWEEP_AFTER", DEFAULT_SWEEP_AFTER_S))
