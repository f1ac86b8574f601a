"""One naming rule for storage paths: the SQL engine and the git records tell a storage location
from a table the same way, whatever the case of its scheme and however many slashes follow
`file:`."""

from __future__ import annotations

import pytest

from lineage_assets.core.uris import STORAGE_PREFIXES, is_storage_path
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.sql import extract_lineage

PATHS = [
    "file:/data/users.csv",
    "file:///data/users.csv",
    "FILE:///data/users.csv",
    "s3://bucket/users",
    "S3://bucket/users",
    "s3a://bucket/users",
    "dbfs:/mnt/users",
    "DBFS:/mnt/users",
    "@stage",
    "@STAGE/users",
    "hdfs://cluster/users",
    "https://host/users.csv",
    "raw/users.csv",
]
TABLES = ["users", "analytics.users", "db.schema.users", "file", "s3", "dbfs"]


@pytest.mark.parametrize("name", PATHS)
def test_storage_paths_are_recognised_in_any_spelling(name: str) -> None:
    assert is_storage_path(name)


@pytest.mark.parametrize("name", TABLES)
def test_table_names_are_not_storage_paths(name: str) -> None:
    assert not is_storage_path(name)


def test_every_prefix_is_lower_case_so_the_comparison_ignores_case() -> None:
    assert all(prefix == prefix.lower() for prefix in STORAGE_PREFIXES)
    assert "file:/" in STORAGE_PREFIXES  # covers file:/x and file:///x alike


@pytest.mark.parametrize(
    "path", ["file:/data/users.csv", "FILE:///data/users.csv", "S3://Bucket/users/"]
)
def test_engine_and_records_agree_a_copied_path_is_a_location(path: str) -> None:
    lineage = extract_lineage(f"COPY raw.users FROM '{path}'", dialect="postgres")
    (statement,) = lineage.statements
    assert statement.targets == ["raw.users"] and statement.sources == [path]
    records = file_records("k", "repo", "load.sql", "blob", None, [ParsedUnit(lineage)])
    assert records.rows["table_edges"] == []
    assert [(r["table_name"], r["location_uri"], r["direction"]) for r in
            records.rows["table_locations"]] == [("raw.users", path, "copy")]  # fmt: skip


def test_engine_and_records_agree_a_stage_unload_is_a_location() -> None:
    lineage = extract_lineage("COPY INTO @EXPORTS FROM (SELECT id FROM users)", "snowflake")
    (statement,) = lineage.statements
    assert statement.targets == ["@EXPORTS"] and statement.sources == ["users"]
    records = file_records("k", "repo", "unload.sql", "blob", None, [ParsedUnit(lineage)])
    assert records.rows["table_edges"] == []
    assert [(r["table_name"], r["location_uri"], r["direction"]) for r in
            records.rows["table_locations"]] == [("users", "@EXPORTS", "unload")]  # fmt: skip


def test_default_db_qualifies_unqualified_names_only() -> None:
    """A session's database (Athena's execution context) qualifies bare names; USE changes it."""
    from lineage_assets.sql import extract_lineage

    script = "INSERT INTO t SELECT a FROM s JOIN other.u ON s.k = u.k; USE mart; SELECT * FROM v"
    first, _, last = extract_lineage(script, "athena", default_db="sales").statements
    assert (first.targets, first.sources) == (["sales.t"], ["sales.s", "other.u"])
    assert last.sources == ["mart.v"]
