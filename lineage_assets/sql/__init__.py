"""SQL lineage on sqlglot: tables and columns of whole scripts, every statement kind.

`extract_lineage(sql, dialect, schema)` is the one entry point; it never raises on bad SQL.
"""

from lineage_assets.sql.records import ColumnEdge, ScriptLineage, StatementLineage
from lineage_assets.sql.script import extract_lineage

__all__ = ["ColumnEdge", "ScriptLineage", "StatementLineage", "extract_lineage"]
