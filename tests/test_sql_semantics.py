"""Statement semantics shared with the mainstream SQL lineage tools, beyond the corpus cases."""

from __future__ import annotations

from lineage_assets.sql import extract_lineage


def _edges(lineage) -> set[tuple[str, str]]:
    return {(e.target, e.source) for e in lineage.column_lineage}


def test_a_cached_view_replaced_by_a_real_table_is_read_as_that_table() -> None:
    lineage = extract_lineage(
        "CACHE TABLE hot AS SELECT id FROM raw.a;"
        "CREATE TABLE hot AS SELECT id FROM raw.b;"
        "INSERT INTO out.z SELECT id FROM hot;",
        "spark",
    )
    assert lineage.targets == ["out.z"]
    assert lineage.sources == ["raw.b"]
    assert _edges(lineage) == {("out.z.id", "raw.b.id")}
    assert lineage.statements[0].kind == "CACHE"
    assert lineage.statements[0].targets == lineage.statements[0].sources == []


def test_cached_views_chain_through_each_other() -> None:
    lineage = extract_lineage(
        "CACHE TABLE v1 AS SELECT id FROM raw.a;"
        "CACHE TABLE v2 AS SELECT id AS key FROM v1;"
        "INSERT INTO out.z SELECT key FROM v2;",
        "databricks",
    )
    assert lineage.sources == ["raw.a"]
    assert _edges(lineage) == {("out.z.key", "raw.a.id")}


def test_tables_after_a_routine_in_a_plain_script_are_still_intermediates() -> None:
    lineage = extract_lineage(
        "CREATE TABLE stage.t AS SELECT id FROM raw.a;\nINSERT INTO out.z SELECT id FROM stage.t;",
        "postgres",
    )
    assert lineage.targets == ["out.z"]
    assert lineage.sources == ["raw.a"]


def test_compound_assignment_operators_all_parse_in_tsql() -> None:
    for operator in ("+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="):
        update = "UPDATE dbo.t SET n OP s.k FROM dbo.t JOIN dbo.s s ON t.id = s.id"
        lineage = extract_lineage(update.replace("OP", operator), "tsql")
        assert lineage.errors == [], operator
        assert ("dbo.t.n", "dbo.s.k") in _edges(lineage), operator


def test_double_colon_inside_a_string_does_not_rename_a_cast() -> None:
    lineage = extract_lineage(
        "INSERT INTO t SELECT CAST(a AS TEXT) FROM s WHERE b = '::x'", "postgres"
    )
    assert ("t.cast(a as text)", "s.a") in _edges(lineage)


def test_a_table_qualifier_that_is_another_tables_alias_wins_over_a_table_name() -> None:
    lineage = extract_lineage(
        "INSERT INTO t SELECT b.* FROM a AS b JOIN b AS c ON b.id = c.id", None
    )
    assert _edges(lineage) == {("t.*", "a.*")}
