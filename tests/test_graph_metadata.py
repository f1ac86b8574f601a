"""What the graph asset puts in Dagster's event log stays small and well formed whatever the
crawl found: tables always carry a schema, long diffs are counted and cut, odd names cannot
break out of their markdown."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.graph.snapshots import MAX_LISTED, SnapshotReport, bounded_diff
from dagster_project.metadata import code, table
from lineage_assets.graph.snapshot import DIFF_KEYS, SavedSnapshot


def test_an_empty_table_has_its_columns_and_values_their_types():
    empty = table([], ("bucket", "region"))
    assert [c.name for c in empty.schema.columns] == ["bucket", "region"]
    assert empty.records == []
    filled = table(
        [{"n": 3, "ok": True, "share": 0.5, "when": None, "extra": object.__name__}], ("n",)
    )
    types = {c.name: c.type for c in filled.schema.columns}
    assert types == {
        "n": "int",
        "ok": "bool",
        "share": "float",
        "when": "string",
        "extra": "string",
    }
    assert filled.records[0].data["when"] == ""


def test_a_first_crawl_diff_is_counted_and_cut():
    nodes = [f"table:t{i}" for i in range(10_000)]
    diff = {key: [] for key in DIFF_KEYS} | {"nodes_added": nodes}
    cut = bounded_diff(diff)
    assert cut["nodes_added"] == {"count": 10_000, "first": nodes[:MAX_LISTED]}
    small = {key: [] for key in DIFF_KEYS} | {"nodes_added": nodes[:3]}
    assert bounded_diff(small) == small

    report = SnapshotReport()
    for index in range(2 * MAX_LISTED + 10):
        saved = SavedSnapshot(f"sagemaker:r/p{index}", "h" * 64, index % 2 == 0, diff, None)
        report.add(saved, {"warnings": ["odd"] if index == 1 else []})
    assert len(report.changes) == MAX_LISTED
    rows = report.table_rows()
    assert [r["changed"] for r in rows[:3]] == [True, True, True]
    assert rows[len([r for r in report.rows if r["changed"]])]["warnings"] == 1


def test_odd_names_stay_inside_their_code_span():
    assert code("a`b\nc   d") == "`a'b c d`"
    markdown = dg.MetadataValue.md(code("](javascript:alert(1))"))
    assert markdown.md_str.startswith("`") and markdown.md_str.endswith("`")


def test_crawled_text_cannot_leave_its_code_span() -> None:
    """A crawled name holding markdown (a link, an image loading from outside, a table pipe,
    backticks) renders as text: one code span, nothing to follow or load."""
    hostile = "x` ![t](https://evil.example/p.png) [a](javascript:x) | y\n# h"
    rendered = code(hostile)
    assert rendered.startswith("`") and rendered.endswith("`")
    assert rendered.count("`") == 2 and "\n" not in rendered
    assert "\\|" in rendered and " | " not in rendered.replace("\\|", "")
    assert code("") == "` `"
