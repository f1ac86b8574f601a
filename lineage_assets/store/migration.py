"""One versioned schema step, as every package's `schema.py` declares its DDL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step; `sql` may hold several statements separated by semicolons."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Fingerprint of the SQL, to notice a migration edited after it was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]
