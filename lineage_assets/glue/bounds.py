"""How much of the catalog one crawl reads and keeps: every list, name and text is untrusted."""

from __future__ import annotations

MAX_DATABASES = 10_000  # databases listed per account and region
MAX_TABLES = 50_000  # tables listed per database
MAX_PAGES = 1_000  # pages of one listing, whatever each page holds
MAX_COLUMNS = 2_000  # declared columns (and partition keys) kept per table
MAX_NAME_CHARS = 255  # Glue's own limit on database, table and column names
MAX_TYPE_CHARS = 4_096  # a column type (nested struct types grow long)
MAX_COMMENT_CHARS = 1_024
MAX_LOCATION_CHARS = 2_048
MAX_PARAMETERS_BYTES = 16_384  # parameters (table and serde) kept as JSON
MAX_PARAMETER_CHARS = 1_024  # one parameter value
MAX_VIEW_CHARS = 1 << 20  # view text decoded and parsed (the SQL engine bounds it further)
MAX_VIEW_TEXT_KEPT = 1 << 16  # view text stored with the table
PARTITION_PAGE = 1_000  # GetPartitions page size
MAX_PARTITION_PAGES = 5  # partitions are counted up to PARTITION_PAGE times this, then capped
MAX_MESSAGE_CHARS = 500  # one error message


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
