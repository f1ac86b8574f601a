"""Links into the viewer, for the Dagster metadata and the CLI (no web framework imported)."""

from __future__ import annotations

from urllib.parse import urlencode


def viewer_url(
    base: str,
    pipeline: str,
    region: str | None = None,
    view: str = "both",
    *,
    account: str | None = None,
) -> str:
    """The viewer page of one pipeline under the API's base URL (the account picks it when
    its name is in several accounts of the region)."""
    query = {
        "pipeline": pipeline,
        **({"region": region} if region else {}),
        **({"account": account} if account else {}),
        "view": view,
    }
    return f"{base.rstrip('/')}/?{urlencode(query)}"
