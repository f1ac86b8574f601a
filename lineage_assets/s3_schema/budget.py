"""Bytes and requests spent while sampling, per dataset and per crawl, with a crawl-wide byte cap.

Every S3 call the sampler makes goes through a `ReadCounter`, so the numbers stored in
`s3_datasets` are what was really read, not an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass


class BudgetExhausted(Exception):
    """The crawl-wide byte budget cannot cover the next read."""


@dataclass
class CrawlBudget:
    """The crawl's byte cap (None = unlimited) and its running totals."""

    max_bytes: int | None = None
    bytes_read: int = 0
    requests_made: int = 0

    def remaining(self) -> int | None:
        """Bytes still allowed, or None when unlimited."""
        return None if self.max_bytes is None else max(0, self.max_bytes - self.bytes_read)

    def allows(self, planned_bytes: int) -> bool:
        """Whether a read of up to `planned_bytes` still fits the cap."""
        remaining = self.remaining()
        return remaining is None or planned_bytes <= remaining


@dataclass
class ReadCounter:
    """Counts one dataset's bytes and requests and charges them to the crawl's budget."""

    budget: CrawlBudget
    bytes_read: int = 0
    requests_made: int = 0

    def request(self, nbytes: int = 0) -> None:
        """Record one S3 request that returned `nbytes` bytes of body."""
        self.requests_made += 1
        self.bytes_read += nbytes
        self.budget.requests_made += 1
        self.budget.bytes_read += nbytes

    def reserve(self, planned_bytes: int, what: str) -> None:
        """Raise `BudgetExhausted` unless the crawl can still afford `planned_bytes`."""
        if not self.budget.allows(planned_bytes):
            raise BudgetExhausted(
                f"{what}: crawl byte budget of {self.budget.max_bytes} bytes exhausted "
                f"({self.budget.bytes_read} read)"
            )
