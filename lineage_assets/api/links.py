"""Links into the viewer, for the Dagster metadata and the CLI (no web framework imported)."""

from __future__ import annotations

from urllib.parse import urlencode


def viewer_url(base: str, pipeline: str, region: str | None = None, view: str = "both") -> str:
    """The viewer page of one pipeline under the API's base URL."""
    query = {"pipeline": pipeline, **({"region": region} if region else {}), "view": view}
    return f"{base.rstrip('/')}/?{urlencode(query)}"
