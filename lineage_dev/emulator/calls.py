"""Which AWS calls reach the emulator: a WSGI layer naming each request `service:Operation`
(the service from the SigV4 credential scope, the operation from the JSON protocol's
X-Amz-Target or the query protocol's Action), so tests count calls (e.g. STS AssumeRole) as
AWS would see them, whatever client or session made them."""

from __future__ import annotations

import io
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1 << 20  # query-protocol bodies are small; a bigger one is not read


def call_name(environ: dict[str, Any]) -> str:
    """`service:Operation` of a request (`?` for a part it does not show); a form body read
    to find the Action is put back for the application."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "?"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not action and environ.get("CONTENT_TYPE", "").startswith(FORM) and length <= MAX_FORM_BYTES:
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return f"{service}:{action[0] if action else '?'}"


class CallLog:
    """A WSGI application that counts each call into every counter open at the time, then
    lets the wrapped one answer."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._counters: list[Counter[str]] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self._counters:
            name = call_name(environ)
            with self._lock:
                for counter in self._counters:
                    counter[name] += 1
        return self.app(environ, start_response)

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        """A counter of the calls answered while the block runs, by `service:Operation`."""
        counter: Counter[str] = Counter()
        with self._lock:
            self._counters.append(counter)
        try:
            yield counter
        finally:
            with self._lock:
                self._counters.remove(counter)
