"""A crawler's clients that count and record every call, and a bare replay of the record:
the reference a crawl's wall time is measured against (the very same calls, no crawl logic)."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

from botocore import xform_name

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
