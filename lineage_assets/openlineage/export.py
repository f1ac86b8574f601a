"""One export from the published store, as the CLI and the Dagster asset run it: naming from
the environment, the cursor under the data folder, the client from `--to`/`--url` or the
OpenLineage standard configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lineage_assets import config
from lineage_assets.openlineage import emit
from lineage_assets.openlineage.events import build_events
from lineage_assets.openlineage.naming import Naming
from lineage_assets.store import connect_published

NAMESPACE_VARIABLE = "LINEAGE_OPENLINEAGE_NAMESPACE"
ATHENA_REGION_VARIABLE = "LINEAGE_OPENLINEAGE_ATHENA_REGION"
REDSHIFT_VARIABLE = "LINEAGE_OPENLINEAGE_REDSHIFT"  # cluster.region:port
REDSHIFT_DATABASE_VARIABLE = "LINEAGE_OPENLINEAGE_REDSHIFT_DATABASE"


def naming_from_environment(environ: Mapping[str, str] | None = None) -> Naming:
    """Job namespace, Athena region (default: the first crawled region) and Redshift endpoint."""
    environ = os.environ if environ is None else environ
    regions = config.aws_regions()
    return Naming(
        job_namespace=environ.get(NAMESPACE_VARIABLE, "").strip() or "lineage-assets",
        athena_region=environ.get(ATHENA_REGION_VARIABLE, "").strip() or regions[0],
        redshift_endpoint=environ.get(REDSHIFT_VARIABLE, "").strip(),
        redshift_database=environ.get(REDSHIFT_DATABASE_VARIABLE, "").strip() or "dev",
    )


def cursor_path(home: Path, to: Path | None, url: str | None) -> Path:
    """One cursor per destination: exporting to a new place sends everything there."""
    if to is not None:
        return to / emit.CURSOR_FILE
    suffix = "" if url is None else f".{emit.content_digest(url)}"
    return home / "openlineage" / f"cursor{suffix}.json"


def run_export(
    home: Path,
    to: Path | None = None,
    url: str | None = None,
    full: bool = False,
    naming: Naming | None = None,
) -> emit.ExportReport:
    """Export the published store in `home` to `to`, `url`, or the configured transport."""
    client = emit.client_for(to=to, url=url)
    conn = connect_published(config.published_path(home))
    try:
        events = build_events(conn, naming or naming_from_environment())
        return emit.export(events, client, cursor_path(home, to, url), full=full)
    finally:
        conn.close()
