"""The docs keep up with the code: every setting in the README, every table in docs/tables.md."""

from __future__ import annotations

import re
from pathlib import Path

from lineage_assets.config import SETTINGS
from lineage_assets.store import LineageStore

PROJECT = Path(__file__).resolve().parents[1]


def test_the_readme_opens_with_the_two_commands_and_lists_every_setting():
    readme = (PROJECT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert re.findall(r"^make (\w+)", first_block, re.M) == ["demo", "test"]
    for setting in SETTINGS:
        assert f"`{setting.name.split()[0]}`" in readme, setting.name


def test_docs_tables_describes_every_table_and_column(tmp_path):
    docs = (PROJECT / "docs" / "tables.md").read_text()
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        columns = store.catalog.columns
    for table, table_columns in columns.items():
        assert f"`{table}`" in docs, f"docs/tables.md does not describe table {table}"
        section = docs.split(f"### `{table}`", 1)[-1].split("\n### ", 1)[0]
        for column in table_columns:
            assert f"| {column} |" in section, f"docs/tables.md: {table}.{column} undocumented"
