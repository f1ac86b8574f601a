"""Typed reads of the accounts' own rows: each account's and account/region's access status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lineage_assets.accounts.estate import ACCOUNT_KIND

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class AccountAccess:
    """An account (`aws_account:<id>`) or account/region (`aws_account:<id>/<region>`): `ok`,
    `stale` (failed after a success) or `failed` (never opened), with its last success."""

    source_key: str
    status: str
    last_success_at: datetime | None
    last_error: str | None

    @property
    def account_id(self) -> str:
        """The account id in the key."""
        return self.source_key.split(":", 1)[1].split("/", 1)[0]

    @property
    def region(self) -> str | None:
        """The region in the key, None for the account itself."""
        _, _, region = self.source_key.split(":", 1)[1].partition("/")
        return region or None


def account_access(conn: duckdb.DuckDBPyConnection) -> list[AccountAccess]:
    """Every stored account and account/region, by key."""
    rows = conn.execute(
        "SELECT source_key, status, last_success_at, last_error FROM sources "
        "WHERE source_kind = ? ORDER BY source_key",
        [ACCOUNT_KIND],
    ).fetchall()
    return [AccountAccess(*row) for row in rows]
