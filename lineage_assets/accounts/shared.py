"""Estates opened once and lent to every crawl that asks: the steps of one orchestrator run in
one process share the estate opened for their settings, so each role is assumed and each
region probed once per run, not once per asset. Assumed roles stay usable however long the run
lasts: their credentials are botocore's refreshable ones, renewed before they expire."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from lineage_assets.accounts.estate import Estate


class SharedEstates:
    """The estates opened so far, by the key they were opened for; `close` ends them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened: dict[Hashable, Estate] = {}

    def lend(self, key: Hashable, open_estate: Callable[[], Estate]) -> Estate:
        """A loan of the estate opened for `key`, opened now by `open_estate` if none is (an
        error opening it is raised and nothing kept, so the next asker tries again)."""
        with self._lock:  # two first askers at once would open it twice
            estate = self._opened.get(key)
            if estate is None:
                estate = self._opened[key] = open_estate()
            return estate.lend()

    def __len__(self) -> int:
        return len(self._opened)

    def close(self) -> None:
        """Close every estate opened (their clients); later loans open afresh."""
        with self._lock:
            estates, self._opened = list(self._opened.values()), {}
        for estate in estates:
            estate.close()
