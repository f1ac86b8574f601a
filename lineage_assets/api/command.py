"""`lineage-assets serve`: the read-only API and viewer on uvicorn (imported only when run)."""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8300


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API over the published store until interrupted."""
    import uvicorn

    from lineage_assets import config
    from lineage_assets.api.app import bounded_app
    from lineage_assets.isolated import shared_pool

    app = bounded_app()
    shared_pool(config.query_memory_bytes()).warm()  # the first SQL request finds workers ready
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server_header=False,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


def register(sub: Any) -> None:
    """Add the `serve` subcommand."""
    serve = sub.add_parser(
        "serve", help="read-only HTTP API and lineage viewer over the published store"
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-* from --forwarded-allow-ips (behind a reverse proxy)",
    )
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.set_defaults(func=cmd_serve)
