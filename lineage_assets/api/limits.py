"""Request bounds as a plain ASGI middleware: a long URL is refused with 414, a large body with
413 whether or not the client declared its length (a declared one before any handler runs; a
chunked one as soon as the limit is passed, replacing whatever the app would have answered)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

MAX_BODY_BYTES = 256 * 1024
MAX_QUERY_BYTES = 64 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """The body passed the limit while it was being read."""


ERROR_TYPES = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "TooLarge",
    414: "URITooLong",
    422: "ValidationError",
    500: "ServerError",
    501: "NotImplemented",
    503: "Unavailable",
}


def error_body(
    status: int, detail: Any, type_: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """The API's error shape: `detail` (the original service's, per status) beside a `type`
    and a one-line `message` every error has."""
    return {
        "detail": detail,
        "type": type_ or ERROR_TYPES.get(status, "Error"),
        "message": " ".join(
            (message or (detail if isinstance(detail, str) else HTTPStatus(status).phrase)).split()
        ),
    }


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(status, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
                # answered before the app's CORS layer: a page elsewhere can still read why
                (b"access-control-allow-origin", b"*"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Wraps an ASGI app with bounds on the query string and the request body."""

    def __init__(
        self, app: Any, max_body: int = MAX_BODY_BYTES, max_query: int = MAX_QUERY_BYTES
    ) -> None:
        self.app, self.max_body, self.max_query = app, max_body, max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string") or b"") + len(scope.get("path", "")) > self.max_query:
            await _refuse(send, 414, f"URL longer than {self.max_query} bytes")
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _refuse(send, 413, f"request body larger than {self.max_body} bytes")
            return
        seen = 0
        started = exceeded = False

        async def bounded_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body") or b"")
                if seen > self.max_body:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body it could not read (FastAPI says 400)
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # answered below
            await self.app(scope, bounded_receive, tracking_send)
        if exceeded and not started:
            await _refuse(send, 413, f"request body larger than {self.max_body} bytes")
