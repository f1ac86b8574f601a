"""HEAD answered as GET without the body, as HTTP asks of every GET resource (health checks and
link checkers send HEAD; FastAPI routes declare GET only)."""

from __future__ import annotations

from typing import Any

from lineage_assets.api.limits import Message, Receive, Scope, Send


class HeadAsGet:
    """Runs a HEAD request as GET and sends its status and headers (content-length included)
    with an empty body."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
