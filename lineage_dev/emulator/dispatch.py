"""moto's per-request lookups, remembered: the emulator stands in for AWS, whose servers do
not spend our CPU, so what moto recomputes identically on every request is computed once.

- `DomainDispatcherApplication.get_backend_for_host` lists moto's package folder (about 175
  directory checks, twice a request) to map a host to its backend;
- `call_action` lists every function of the response class (`inspect.getmembers`) to find
  the action's method.

Together they took ~40% of the emulator's CPU per call.
"""

from __future__ import annotations

import functools

from moto.core import responses
from moto.core.utils import method_names_from_class
from moto.server import DomainDispatcherApplication


@functools.lru_cache(maxsize=256)
def _method_names(cls: type, attributes: int) -> list[str]:
    """The function names of `cls`; `attributes` (how many its own namespace holds) is part
    of the key, so a method added to the class later (moto_ext.install) is seen."""
    return method_names_from_class(cls)


def _remembered_method_names(cls: object) -> list[str]:
    if not isinstance(cls, type):
        return method_names_from_class(cls)
    return list(_method_names(cls, len(vars(cls))))


def install() -> None:
    """Make `call_action` look method names up once per response class (idempotent)."""
    responses.method_names_from_class = _remembered_method_names  # type: ignore[assignment]


def remember_backends(app: object) -> None:
    """Make moto's dispatcher (a server's WSGI app) map each host to its backend once (the
    mapping is fixed); any other app is left as it is."""
    if isinstance(app, DomainDispatcherApplication):
        app.get_backend_for_host = functools.lru_cache(maxsize=1024)(  # type: ignore[method-assign]
            app.get_backend_for_host
        )
