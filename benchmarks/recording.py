"""A crawler's clients that count and record every call, and a bare replay of the record:
the reference a crawl's wall time is measured against (the very same calls, no crawl logic)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from benchmarks.harness import figure, seconds, timed
from lineage_assets import aws

Call = tuple[str, str, dict[str, Any]]  # (service, operation as a method name, parameters)


class Recording:
    """`client(service, region)` giving the crawler one client per service (made before any
    timing, as the replay's are), counting calls by operation and recording each one."""

    def __init__(self, services: tuple[str, ...], region: str) -> None:
        self.calls: Counter[str] = Counter()
        self.record: list[Call] = []
        self.clients = {service: aws.client(service, region) for service in services}
        for service, client in self.clients.items():

            def count(model: Any, params: dict[str, Any], _s: str = service, **_: Any) -> None:
                self.calls[model.name] += 1
                self.record.append((_s, xform_name(model.name), dict(params)))

            client.meta.events.register(f"before-parameter-build.{service}.*", count)

    def __call__(self, service: str, region: str) -> Any:
        return self.clients[service]


def plain_clients(services: tuple[str, ...], region: str) -> dict[str, Any]:
    """The replay's clients: the crawler's config, nothing registered on them."""
    return {service: aws.client(service, region) for service in services}


def replay(
    raw: dict[str, Any], record: list[Call], tolerate: tuple[type[BaseException], ...] = ()
) -> None:
    """The recorded calls on plain clients, in order; an error of a `tolerate` type is fine
    (a call the crawl expected to be refused)."""
    for service, operation, params in record:
        with contextlib.suppress(*tolerate):
            getattr(raw[service], operation)(**params)


@dataclass(frozen=True)
class CrawledTwice:
    """A first crawl, the raw replay of its calls, and an unchanged re-crawl, each timed."""

    first_calls: Recording
    first: Any  # the crawl's report: `written`, `unchanged`
    crawl_s: float
    replay_s: float
    again: Recording
    second: Any
    recrawl_s: float

    def print(self, items: str) -> None:
        """The figures every crawl benchmark prints (`items`: what the crawl writes)."""
        figure(f"first crawl: {items} written", str(len(self.first.written)))
        figure("first crawl: API calls", str(sum(self.first_calls.calls.values())))
        figure("first crawl: wall time (calls, parsing, store writes)", seconds(self.crawl_s))
        figure("raw replay of the same calls (reference)", seconds(self.replay_s))
        figure(f"re-crawl: unchanged {items}", str(len(self.second.unchanged)))
        calls = ", ".join(f"{k} {v}" for k, v in self.again.calls.items())
        figure("re-crawl: calls by operation", calls)
        figure("re-crawl: wall time", seconds(self.recrawl_s))


def crawl_twice(
    crawl: Callable[[Recording], Any],
    services: tuple[str, ...],
    region: str,
    tolerate: tuple[type[BaseException], ...] = (),
) -> CrawledTwice:
    """Crawl through recording clients, replay the recorded calls on plain ones, then crawl
    again unchanged; each client is made before its timing."""
    first_calls = Recording(services, region)
    crawl_s, first = timed(lambda: crawl(first_calls))
    raw = plain_clients(services, region)
    replay_s, _ = timed(lambda: replay(raw, first_calls.record, tolerate))
    again = Recording(services, region)
    recrawl_s, second = timed(lambda: crawl(again))
    return CrawledTwice(first_calls, first, crawl_s, replay_s, again, second, recrawl_s)
