"""What `aws_accounts` shows: every stored account and account/region with its status, last
success and last error, and this run's caller and problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster_project.metadata import bullets, code, table

if TYPE_CHECKING:
    import duckdb

    from lineage_assets.accounts.estate import Estate

ACCESS_COLUMNS = ("account", "region", "status", "last_success_at", "last_error")


def accounts_metadata(conn: duckdb.DuckDBPyConnection, estate: Estate) -> dict[str, Any]:
    """The access table (read back from the store), counts and this run's errors."""
    from lineage_assets.accounts.views import account_access

    access = account_access(conn)
    return {
        "access": table(
            (
                {
                    "account": row.account_id,
                    "region": row.region or "(account)",
                    "status": row.status,
                    "last_success_at": str(row.last_success_at or ""),
                    "last_error": (row.last_error or "")[:200],
                }
                for row in access
            ),
            ACCESS_COLUMNS,
        ),
        "caller": code(f"{estate.caller.account_id} ({estate.caller.partition})"),
        "accounts": len(estate.accounts),
        "account_regions": len(estate.targets),
        "dagster/row_count": len(estate.targets),
        "errors": bullets(code(line) for line in estate.errors),
    }
