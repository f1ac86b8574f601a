"""Node ids are built and parsed in one place, the same in Python and in SQL."""

from __future__ import annotations

import duckdb

from lineage_assets.core import ids
from lineage_assets.core.enums import NodeKind


def test_constructors_spell_each_kind() -> None:
    assert ids.table_node("db.orders") == "table:db.orders"
    assert ids.data_node("s3://b/k") == "data:s3://b/k"
    step = ids.step_node("111122223333", "eu-west-1", "churn", "Train")
    assert step == "step:111122223333/eu-west-1/churn/Train"
    group = ids.feature_group_node("111122223333", "eu-west-1", "fg")
    assert group == "feature_group:111122223333/eu-west-1/fg"
    assert ids.model_package_node("arn:aws:x") == "model_package:arn:aws:x"
    assert ids.execution_node("arn:e") == "execution:arn:e"


def test_column_of_a_table_and_of_data_differ() -> None:
    assert ids.column_node("table:db.t", "id") == "column:db.t.id"
    assert ids.column_node("data:s3://b/k", "id") == "column:s3://b/k#id"
    assert ids.data_column_node("s3://b/k", "id") == ids.column_node("data:s3://b/k", "id")
    assert ids.table_column_node("", "id") == "column:id"


def test_parse_splits_at_the_first_colon_only() -> None:
    parsed = ids.parse("model_package:arn:aws:sagemaker:eu-west-1:1:model-package/g/1")
    assert parsed.kind == "model_package"
    assert parsed.key.startswith("arn:aws:sagemaker:")
    assert ids.key_of("data:s3://b/k", NodeKind.DATA) == "s3://b/k"
    assert ids.key_of("table:t", NodeKind.DATA) is None
    assert ids.parse("plain").kind == ""


def test_sql_expressions_build_the_same_ids() -> None:
    conn = duckdb.connect()
    step_sql = ids.sql_step_node("'a'", "'r'", "'p'", "'s'")
    group_sql = ids.sql_feature_group_node("'a'", "'r'", "'g'")
    table_sql = ids.sql_node(NodeKind.TABLE, "'db.t'")
    row = conn.execute(f"SELECT {step_sql}, {group_sql}, {table_sql}").fetchone()
    assert row == (
        ids.step_node("a", "r", "p", "s"),
        ids.feature_group_node("a", "r", "g"),
        ids.table_node("db.t"),
    )
    assert ids.step_prefix("a", "r", "p") == "step:a/r/p/"


def test_step_parts_split_a_step_into_its_pipeline_scope_and_name() -> None:
    assert ids.step_parts(ids.step_node("a", "r", "p", "s")) == ("a/r/p", "s")
    assert ids.step_parts("step:r/p/s") is None  # no account: not a step id of this code
    assert ids.step_parts("table:a/r/p/s") is None


def test_column_parts_name_the_owner_and_the_column() -> None:
    assert ids.column_parts("column:db.t.email") == ("table:db.t", "email")
    assert ids.column_parts("column:s3://b/k.v1/p#a.b") == ("data:s3://b/k.v1/p", "a.b")
    for owner in ("table:db.t", "data:s3://b/k"):
        assert ids.column_parts(ids.column_node(owner, "id")) == (owner, "id")


def test_serving_and_query_nodes_carry_their_account() -> None:
    from lineage_assets.core.enums import NodeKind
    from lineage_assets.core.ids import arn_node, parse, query_node

    arn = "arn:aws:sagemaker:eu-west-1:222233334444:endpoint/churn"
    assert arn_node(NodeKind.ENDPOINT, arn) == f"endpoint:{arn}"
    assert parse(query_node("athena", "222233334444", "eu-west-1", "q-1")).key == (
        "athena/222233334444/eu-west-1/q-1"
    )


def test_the_store_is_a_record_sink() -> None:
    from lineage_assets.store import LineageStore
    from lineage_assets.store.sink import RecordSink

    sink: RecordSink = LineageStore.__new__(LineageStore)
    assert callable(sink.replace_sources)
