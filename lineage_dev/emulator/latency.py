"""An optional delay before the emulator answers each call, as real AWS answers in tens of
milliseconds where moto answers in a few: crawls that overlap their calls show it only then.

The server is threaded (one thread per request), so concurrent calls wait concurrently, as
they would on the network. Off unless set: `EmulatorServer(latency_ms=...)`, its
`latency_ms` attribute at run time (seed fast, then measure), or `LINEAGE_EMULATOR_LATENCY_MS`
(and `--latency-ms`) for a hand-run emulator.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

LATENCY_VARIABLE = "LINEAGE_EMULATOR_LATENCY_MS"
MAX_LATENCY_MS = 60_000.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def latency_from_env() -> float:
    """Milliseconds from `LINEAGE_EMULATOR_LATENCY_MS` (0 when unset); ValueError naming the
    variable when it is not a number from 0 to 60,000."""
    raw = os.environ.get(LATENCY_VARIABLE, "").strip()
    return checked(float(raw) if raw else 0.0, LATENCY_VARIABLE)


def checked(milliseconds: float, what: str = "latency") -> float:
    """The latency when it is a number of milliseconds from 0 to 60,000, else ValueError."""
    if not 0 <= milliseconds <= MAX_LATENCY_MS:
        raise ValueError(f"{what}={milliseconds!r}: expected 0 to {MAX_LATENCY_MS:.0f} ms")
    return milliseconds


class Delayed:
    """A WSGI application that waits `latency_ms` before the wrapped one answers."""

    def __init__(self, app: WsgiApp, latency_ms: float = 0.0) -> None:
        self.app = app
        self.latency_ms = checked(latency_ms)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)
        return self.app(environ, start_response)
