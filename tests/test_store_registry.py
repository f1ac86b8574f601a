"""The registry of schema modules: released migrations keep their checksums (a store made by
earlier code opens), the derived views give the rows the released view gave, they are
recreated only when their text changes, and a new source is one module plus one line."""

from __future__ import annotations

import types
from pathlib import Path

import duckdb
import pytest

from lineage_assets.graph.views import node_columns as graph_node_columns
from lineage_assets.store import LineageStore, SourceRecords, StoreVersionError, Upsert
from lineage_assets.store import schema as store_schema
from lineage_assets.store.derived import lineage_edges_view, sync_views
from lineage_assets.store.migrate import migrate
from lineage_assets.store.migration import Migration
from lineage_assets.store.registry import SCHEMA_MODULES, Registry, default, load

# The checksum of every migration released before the schema moved into the packages: a store
# created by that code records these and refuses to open if one of them changes.
RELEASED_CHECKSUMS = {
    1: "67827b427d25f224",
    2: "5b171099fbc301cf",
    3: "2ced7c81c5422407",
    4: "b16c53713e086db5",
    5: "7e6be2b7d3b3aa01",
    6: "5a1dbf3c78219ffd",
    9: "2d60f50319075e5f",
    20: "51a577e6a7f379a9",
    21: "9dabe64ebf20d690",
    50: "1cd33c2e542660f5",
    180: "2713a65e6ceabf15",
    181: "b7ee6ee5b65aa7be",
}

# Edges the SageMaker package added to the view after the release (the graph inferred them).
SAGEMAKER_JOINS = {"query", "ran", "feature_group_data", "model_data"}
ACCOUNT = "111122223333"


def _with_account(row: tuple) -> tuple:
    """A released view's row with its step and feature group nodes named as now: the account
    first."""

    def named(value: object) -> object:
        for kind in ("step:", "feature_group:"):
            if isinstance(value, str) and value.startswith(kind):
                return kind + ACCOUNT + "/" + value.removeprefix(kind)
        return value

    return tuple(named(value) if index < 2 else value for index, value in enumerate(row))


def released_migrations() -> tuple[Migration, ...]:
    return tuple(m for m in default().migrations() if m.version in RELEASED_CHECKSUMS)


def test_released_migrations_keep_their_checksums():
    checksums = {m.version: m.checksum for m in default().migrations()}
    assert {v: checksums.get(v) for v in RELEASED_CHECKSUMS} == RELEASED_CHECKSUMS


def test_every_package_declares_its_own_migrations_once():
    owners = {
        m.version: name for name in SCHEMA_MODULES for m in load([name]).schemas[0].MIGRATIONS
    }
    assert owners[1] == owners[6] == owners[21] == "lineage_assets.store.schema"
    assert owners[2] == owners[50] == "lineage_assets.git_sql.schema"
    assert owners[3] == owners[20] == "lineage_assets.sagemaker.schema"
    assert owners[4] == "lineage_assets.s3_schema.schema"
    assert owners[5] == owners[9] == "lineage_assets.graph.schema"
    duplicate = types.SimpleNamespace(
        MIGRATIONS=(Migration(2, "again", "SELECT 1"),), EDGES=(), NODE_COLUMNS=()
    )
    with pytest.raises(StoreVersionError, match=r"\[2\]"):
        default().with_schema(duplicate).migrations()


def test_a_store_made_by_the_released_migrations_opens_and_is_upgraded(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    try:
        assert migrate(con, released_migrations()) == sorted(RELEASED_CHECKSUMS)
        recorded = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        assert recorded == RELEASED_CHECKSUMS
        con.execute(
            "INSERT INTO table_edges (source_key, source_table, target_table) "
            "VALUES ('old.sql', 'raw.a', 'mart.b')"
        )
        con.execute(
            "INSERT INTO sources (source_key, source_kind, status) VALUES ('old.sql', 'sql', 'ok')"
        )
        # What the released writer kept in the walk index for that row.
        con.execute("INSERT INTO lineage_edge_index SELECT * EXCLUDE (is_stale) FROM lineage_edges")
    finally:
        con.close()
    released = set(RELEASED_CHECKSUMS)
    with LineageStore.open(db) as store:
        versions = {
            v for (v,) in store.conn.sql("SELECT version FROM schema_migrations").fetchall()
        }
        walked = store.conn.execute("SELECT node FROM upstream('table:mart.b', 3)").fetchall()
        assert migrate(store.conn) == []
    assert versions == {m.version for m in default().migrations()} >= released
    assert walked == [("table:raw.a",)]


def records_of_every_fragment() -> list[SourceRecords]:
    """Rows in every table a fragment reads, including the branches' edge cases."""
    sql = SourceRecords("sql:r/a.sql", "sql_file")
    sql.add("sql_files", [{"path": "a.sql", "commit_sha": "c1"}])
    sql.add(
        "table_edges",
        [
            {"source_table": "raw.a", "target_table": "mart.b", "start_line": 3},
            {"source_table": "raw.c", "target_table": "mart.b", "start_line": None},
        ],
    )
    sql.add(
        "column_edges",
        [
            {"source_table": "raw.a", "source_column": "id", "target_table": "mart.b",
             "target_column": "id"},
            {"source_table": None, "source_column": "x", "target_table": "mart.b",
             "target_column": "x", "is_indirect": True},
            {"source_table": "raw.a", "source_column": "*", "target_table": "mart.b",
             "target_column": "*", "is_indirect": True, "transform": "filter"},
        ],
    )  # fmt: skip
    sql.add(
        "table_locations",
        [
            {"table_name": "raw.a", "location_uri": "s3://b/raw/a/", "direction": "location"},
            {"table_name": "raw.c", "location_uri": "s3://b/in/", "direction": "copy"},
            {"table_name": "mart.b", "location_uri": "s3://b/out/", "direction": "unload"},
        ],
    )
    pipeline = SourceRecords(f"sagemaker:{ACCOUNT}/us-east-1/p", "sagemaker_pipeline")
    io = {"account_id": ACCOUNT, "region": "us-east-1", "pipeline_name": "p", "step_name": "train"}
    pipeline.add(
        "sagemaker_step_io",
        [
            {**io, "direction": "input", "uri": "s3://b/out/", "provenance": "declared"},
            {**io, "direction": "output", "uri": "s3://b/model/", "provenance": "observed",
             "execution_arn": "arn:exec"},
            {**io, "direction": "input", "uri": None, "provenance": "declared"},
        ],
    )  # fmt: skip
    pipeline.add(
        "sagemaker_step_edges",
        [
            {"account_id": ACCOUNT, "region": "us-east-1", "pipeline_name": "p",
             "from_step": "prep", "to_step": "train"},
            {"account_id": ACCOUNT, "region": "us-east-1", "pipeline_name": "p",
             "from_step": "train", "to_step": "register", "via": "property"},
        ],
    )  # fmt: skip
    pipeline.add(
        "sagemaker_model_packages",
        [
            {"model_package_arn": "arn:mp/1", "account_id": ACCOUNT, "region": "us-east-1",
             "pipeline_name": "p", "step_name": "register", "execution_arn": "arn:exec"},
            {"model_package_arn": "arn:mp/2", "account_id": ACCOUNT, "region": "us-east-1"},
        ],
    )  # fmt: skip
    groups = SourceRecords("sagemaker_feature_groups:us-east-1", "feature_groups")
    groups.add(
        "feature_groups",
        [
            {"account_id": ACCOUNT, "region": "us-east-1", "feature_group_name": "fg1",
             "offline_store_uri": "s3://b/fs/", "resolved_offline_uri": "s3://b/fs/123/"},
            {"account_id": ACCOUNT, "region": "us-east-1", "feature_group_name": "fg2",
             "offline_store_uri": "s3://b/fs2"},
            {"account_id": ACCOUNT, "region": "us-east-1", "feature_group_name": "fg3"},
        ],
    )  # fmt: skip
    groups.add(
        "features",
        [
            {"feature_group_name": "fg1", "feature_name": "customer_id"},
            {"feature_group_name": "fg2", "feature_name": "email"},
            {"feature_group_name": "fg3", "feature_name": "lost"},
        ],
    )
    dataset = SourceRecords("s3_bucket:b", "s3_bucket")
    dataset.add(
        "s3_datasets",
        [{"dataset_uri": "s3://b/raw/a/", "bucket": "b", "schema_version": "v2"}],
    )
    dataset.history.append(
        Upsert(
            "s3_schema_columns",
            ("dataset_uri", "version", "column_path"),
            [
                {"dataset_uri": "s3://b/raw/a/", "version": "v1", "column_path": "old"},
                {"dataset_uri": "s3://b/raw/a/", "version": "v2", "column_path": "id"},
                {"dataset_uri": "s3://b/raw/a/", "version": "v2", "column_path": "email"},
            ],
        )
    )
    inferred = SourceRecords("graph:stitching", "graph")
    inferred.add(
        "inferred_edges",
        [{"source_node": "data:s3://b/out/", "target_node": "data:s3://b/out",
          "edge_kind": "same_data", "reason": "same location"}],
    )  # fmt: skip
    return [sql, pipeline, groups, dataset, inferred]


@pytest.fixture
def filled_store(tmp_path: Path):
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        store.replace_sources(records_of_every_fragment())
        store.mark_failed(f"sagemaker:{ACCOUNT}/us-east-1/p", "sagemaker_pipeline", "AccessDenied")
        yield store


def test_the_composed_edges_view_gives_the_rows_of_the_released_view(filled_store):
    conn = filled_store.conn
    released = store_schema.LINEAGE_EDGES_VIEW.replace(
        "VIEW lineage_edges AS", "TEMP VIEW released_edges AS"
    )
    conn.execute(released)
    columns = [r[0] for r in conn.execute("DESCRIBE lineage_edges").fetchall()]
    assert columns == [r[0] for r in conn.execute("DESCRIBE released_edges").fetchall()]
    composed = conn.execute("SELECT * FROM lineage_edges ORDER BY ALL").fetchall()
    released_rows = sorted(
        (_with_account(row) for row in conn.execute("SELECT * FROM released_edges").fetchall()),
        key=repr,
    )
    composed = sorted(composed, key=repr)
    assert [row for row in composed if row[2] not in SAGEMAKER_JOINS] == released_rows
    assert len(released_rows) == 16
    groups = "sagemaker_feature_groups:us-east-1"
    assert [row[:6] for row in composed if row[2] in SAGEMAKER_JOINS] == [
        (f"feature_group:{ACCOUNT}/us-east-1/fg1", "data:s3://b/fs/123/", "feature_group_data",
         "inferred", groups, "fg1"),
        (f"feature_group:{ACCOUNT}/us-east-1/fg2", "data:s3://b/fs2", "feature_group_data",
         "inferred", groups, "fg2"),
    ]  # fmt: skip
    assert {row[-1] for row in composed if row[4] == f"sagemaker:{ACCOUNT}/us-east-1/p"} == {True}
    index = conn.execute("SELECT * FROM lineage_edge_index ORDER BY ALL").fetchall()
    # the index keeps each edge's nodes, kind, provenance and source (INDEX_COLUMNS)
    assert sorted(index, key=repr) == sorted((row[:5] for row in composed), key=repr)


def test_node_columns_are_the_columns_the_stitching_reads(filled_store):
    conn = filled_store.conn
    rows = conn.execute("SELECT * FROM node_columns ORDER BY ALL").fetchall()
    sql, groups, bucket = "sql:r/a.sql", "sagemaker_feature_groups:us-east-1", "s3_bucket:b"
    # SQL names no column for `*` or a sourceless column; only the dataset's current schema
    # version counts (not `old`); a feature group without an offline store has no data node.
    assert rows == [
        ("data:s3://b/fs/123/", "customer_id", groups),
        ("data:s3://b/fs2", "email", groups),
        ("data:s3://b/raw/a/", "email", bucket),
        ("data:s3://b/raw/a/", "id", bucket),
        ("table:mart.b", "id", sql),
        ("table:mart.b", "x", sql),
        ("table:raw.a", "id", sql),
    ]
    assert graph_node_columns(conn) == {
        "data:s3://b/fs/123/": {"customer_id"},
        "data:s3://b/fs2": {"email"},
        "data:s3://b/raw/a/": {"email", "id"},
        "table:mart.b": {"id", "x"},
        "table:raw.a": {"id"},
    }


def test_a_view_is_recreated_only_when_its_text_changes(filled_store):
    conn = filled_store.conn
    registry = default()
    assert sync_views(conn, registry.views()) == []
    extra = "SELECT 'table:p', 'table:q', 'sql', 'parsed', 'x', NULL, NULL, NULL"
    changed = lineage_edges_view((*registry.edges(), extra))
    assert sync_views(conn, [changed, *registry.views()[1:]]) == ["lineage_edges"]
    assert conn.execute("SELECT count(*) FROM lineage_edge_index WHERE source_key = 'x'").fetchone()
    assert sync_views(conn, [changed]) == []
    assert sync_views(conn, registry.views()) == ["lineage_edges"]
    assert conn.execute(
        "SELECT count(*) FROM lineage_edge_index WHERE source_key = 'x'"
    ).fetchone() == (0,)


# -- adding a source ------------------------------------------------------------------------

RAILS = types.SimpleNamespace(
    MIGRATIONS=(
        Migration(
            990,
            "rails: trains between stations",
            "CREATE TABLE rail_trips (source_key VARCHAR NOT NULL, origin VARCHAR, "
            "destination VARCHAR)",
        ),
    ),
    EDGES=(
        "SELECT 'table:' || r.origin, 'table:' || r.destination, 'rail', 'observed', "
        "r.source_key, NULL, NULL, NULL FROM rail_trips r",
    ),
    NODE_COLUMNS=("SELECT 'table:' || r.origin, 'departures', r.source_key FROM rail_trips r",),
)


def test_a_new_source_is_its_schema_module_plus_one_registry_line(tmp_path: Path):
    schemas = Registry((*load(SCHEMA_MODULES).schemas, RAILS))
    with LineageStore.open(tmp_path / "s.duckdb", schemas=schemas) as store:
        store.replace_source(sql_file_edge("sql:a.sql", "raw.x", "raw.y"))
        trips = SourceRecords("rails:line1", "rails")
        trips.add("rail_trips", [{"origin": "raw.y", "destination": "mart.z"}])
        store.replace_source(trips)
        conn = store.conn
        edges = conn.execute(
            "SELECT source_node, target_node, edge_kind, is_stale FROM lineage_edges "
            "WHERE source_key = 'rails:line1'"
        ).fetchall()
        walked = conn.execute("SELECT node, depth FROM upstream('table:mart.z', 5) ORDER BY 2")
        assert walked.fetchall() == [("table:raw.y", 1), ("table:raw.x", 2)]
        columns = conn.execute("SELECT * FROM node_columns WHERE source_key = 'rails:line1'")
        assert columns.fetchall() == [("table:raw.y", "departures", "rails:line1")]
        store.remove_source("rails:line1")
        assert conn.execute("SELECT node FROM upstream('table:mart.z', 5)").fetchall() == []
    assert edges == [("table:raw.y", "table:mart.z", "rail", False)]


def sql_file_edge(key: str, source: str, target: str) -> SourceRecords:
    records = SourceRecords(key, "sql_file")
    records.add("table_edges", [{"source_table": source, "target_table": target}])
    return records


def test_column_flows_compose_every_sql_source(tmp_path: Path):
    """A module's COLUMN_FLOWS fragment joins git SQL's direct column edges in `column_flows`
    (what PII propagation follows); indirect edges stay out."""
    rails = types.SimpleNamespace(
        **vars(RAILS),
        COLUMN_FLOWS=(
            "SELECT r.origin, 'seat', r.destination, 'seat', 'identity', r.source_key "
            "FROM rail_trips r",
        ),
    )
    schemas = Registry((*load(SCHEMA_MODULES).schemas, rails))
    with LineageStore.open(tmp_path / "s.duckdb", schemas=schemas) as store:
        edges = SourceRecords("sql:a.sql", "sql_file")
        edges.add(
            "column_edges",
            [
                {"source_table": "raw.x", "source_column": "a", "target_table": "raw.y",
                 "target_column": "a", "transform": "masking", "is_indirect": False},
                {"source_table": "raw.x", "source_column": "b", "target_table": "raw.y",
                 "target_column": "a", "transform": "filter", "is_indirect": True},
            ],
        )  # fmt: skip
        store.replace_source(edges)
        trips = SourceRecords("rails:line1", "rails")
        trips.add("rail_trips", [{"origin": "raw.y", "destination": "mart.z"}])
        store.replace_source(trips)
        flows = store.conn.execute("SELECT * FROM column_flows ORDER BY ALL").fetchall()
    assert flows == [
        ("raw.x", "a", "raw.y", "a", "masking", "sql:a.sql"),
        ("raw.y", "seat", "mart.z", "seat", "identity", "rails:line1"),
    ]
