"""Reports loaded into the store: ids only as salted hashes, datasets matched by location and
prefix, the erasure check failing while a dataset holds a deleted id and passing once the
newest cross-check no longer finds it, refused reports as error rows beside the rest."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import duckdb
import pytest

from lineage_assets.retention import check, views
from lineage_assets.retention.load import Limits, load_reports
from lineage_assets.retention.records import source_key
from lineage_assets.retention.reports import ReportLimits
from lineage_assets.store import LineageStore, SourceRecords

# Raw ids long enough that DuckDB stores them as strings of their own (not inlined numbers).
DELETED = "subject-8001011234567"
STILL_ACTIVE = "subject-9002022345678"
NEVER_SEEN = "subject-7003033456789"
RAW_IDS = (DELETED, STILL_ACTIVE, NEVER_SEEN)
DATASETS = ("s3://lake/users", "s3://lake/events/2026", "s3://lake/users-archive")


def write(path: Path, document: object, mtime: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    os.utime(path, (mtime, mtime))
    return path


def deletion_report(folder: Path, mtime: int = 1_000) -> Path:
    document = {
        "items": [
            {"user_id": DELETED, "status": "deleted"},
            {"user_id": STILL_ACTIVE, "status": "active"},
            {"user_id": NEVER_SEEN, "status": "expired"},
        ]
    }
    return write(folder / "rds" / "rds-auto.json", document, mtime)


def cross_check(folder: Path, ids_in_users: list[str], mtime: int) -> Path:
    document = {
        "items": [
            {"file": "s3/lake/users/part-0.csv", "matched_ids": ids_in_users},
            {"s3_uri": "s3://lake/events/", "ids": [STILL_ACTIVE]},
        ]
    }
    return write(folder / "xcheck" / f"xcheck-{mtime}.json", document, mtime)


@pytest.fixture
def store(tmp_path: Path):
    """A store knowing three datasets (as inferred edges to tables)."""
    with LineageStore.open(tmp_path / "lineage.duckdb", tmp_path / "published.duckdb") as store:
        rows = [
            {"source_node": f"data:{uri}", "target_node": f"table:t{i}", "edge_kind": "location"}
            for i, uri in enumerate(DATASETS)
        ]
        store.replace_source(SourceRecords("test:datasets", "test").add("inferred_edges", rows))
        yield store


def locations(tmp_path: Path) -> list[str]:
    return [str(tmp_path / "rds" / "*.json"), f"{tmp_path}/xcheck/"]


def test_a_deleted_id_still_present_fails_the_check_naming_dataset_and_reports(tmp_path, store):
    rds = deletion_report(tmp_path)
    xcheck = cross_check(tmp_path, [DELETED, 42], mtime=2_000)
    result = load_reports(store, locations(tmp_path))
    assert result.problems() == []
    (violation,) = check.violations(store.conn)
    assert violation.dataset == "s3://lake/users" and violation.known_dataset
    assert violation.deletion_reports == (str(rds),)
    assert violation.usage_reports == (str(xcheck),)
    assert violation.objects == ("s3://lake/users/part-0.csv",)
    assert violation.id_count == 1
    assert "s3://lake/users still holds 1 id(s) reported deleted by" in violation.describe()
    assert str(rds) in violation.describe()


def test_the_check_passes_once_the_newest_cross_check_no_longer_finds_the_id(tmp_path, store):
    deletion_report(tmp_path)
    cross_check(tmp_path, [DELETED], mtime=2_000)
    load_reports(store, locations(tmp_path))
    assert [v.dataset for v in check.violations(store.conn)] == ["s3://lake/users"]
    newer = cross_check(tmp_path, [STILL_ACTIVE], mtime=3_000)
    load_reports(store, locations(tmp_path))
    assert check.violations(store.conn) == []
    in_effect = [r.report_uri for r in views.reports(store.conn) if r.usage_in_effect]
    assert in_effect == [str(newer)]


def test_retention_blocks_match_by_uri_and_by_prefix_both_ways(tmp_path, store):
    salt_before = views.salt(store.conn)
    rds = deletion_report(tmp_path)
    write(
        tmp_path / "xcheck" / "x.json",
        {
            "s3://lake/users/part-0.csv": {"matched_ids": [DELETED]},
            "s3/lake/events/": {"ids": [NEVER_SEEN, STILL_ACTIVE]},
        },
        2_000,
    )
    load_reports(store, locations(tmp_path))
    salt = views.salt(store.conn)
    assert salt_before is None and salt is not None and len(salt) == 32

    def hashed(raw: str) -> str:
        return hmac.new(salt, raw.encode(), hashlib.sha256).hexdigest()

    blocks = views.retention_for(
        store.conn,
        [
            "s3://lake/users",  # holds the object the report names
            "s3://lake/users/part-0.csv",  # the object itself
            "S3A://lake//events/2026/",  # below a prefix the report names
            "s3://lake/users-archive",  # shares a string prefix only
            "s3://other/x",
        ],
    )
    users = blocks["s3://lake/users"].as_contract()
    assert users == {
        "expired": True,
        "matchedIds": [hashed(DELETED)],
        "matchedCount": 1,
        "sources": {
            "rdsReport": True,
            "crossCheckReport": True,
            "deletionReports": [str(rds)],
            "usageReports": [str(tmp_path / "xcheck" / "x.json")],
        },
    }
    assert blocks["s3://lake/users/part-0.csv"].expired
    assert blocks["S3A://lake//events/2026/"].matched_ids == (hashed(NEVER_SEEN),)
    assert not blocks["s3://lake/users-archive"].expired
    other = blocks["s3://other/x"].as_contract()
    assert other["expired"] is False and other["matchedIds"] == []
    assert [v.dataset for v in check.violations(store.conn)] == [
        "s3://lake/events/2026",
        "s3://lake/users",
    ]


def test_matched_ids_are_the_first_n_sorted_hashes_with_the_full_count(tmp_path, store):
    ids = [f"subject-{n:04d}" for n in range(25)]
    write(tmp_path / "rds" / "r.json", {"deleted_ids": ids}, 1_000)
    write(tmp_path / "xcheck" / "x.json", [{"file": "s3://lake/users/a.csv", "ids": ids}], 2_000)
    load_reports(store, locations(tmp_path))
    block = views.retention_for(store.conn, ["s3://lake/users"])["s3://lake/users"]
    assert block.matched_count == 25 and len(block.matched_ids) == 10
    assert list(block.matched_ids) == sorted(block.matched_ids)
    (violation,) = check.violations(store.conn, preview=3)
    assert violation.id_count == 25 and len(violation.sample_ids) == 3


def test_no_reports_loaded_means_nothing_expired_and_no_report_flags(store):
    block = views.retention_for(store.conn, ["s3://lake/users"])["s3://lake/users"]
    assert block.as_contract()["sources"]["rdsReport"] is False
    assert not block.expired and check.violations(store.conn) == []


def test_hostile_reports_become_error_rows_and_the_rest_of_the_location_lands(tmp_path, store):
    deletion_report(tmp_path)
    folder = tmp_path / "xcheck"
    cross_check(tmp_path, [DELETED], mtime=2_000)
    write(folder / "huge.json", {"deleted_ids": ["x" * 64] * 2_000}, 3_000)
    deep = folder / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    os.utime(deep, (3_100, 3_100))
    write(folder / "types.json", {"items": [{"id": {"x": DELETED}, "status": "deleted"}]}, 3_200)
    write(folder / "junk.json", {"hello": "world"}, 3_300)
    limits = Limits(report=ReportLimits(max_bytes=100_000))
    result = load_reports(store, locations(tmp_path), limits=limits)
    refused = {Path(r.report_uri).name: r.error for r in views.reports(store.conn) if r.error}
    assert refused == {
        "huge.json": "larger than the 100,000-byte limit",
        "deep.json": "larger than the 100,000-byte limit",
        "types.json": "$.items[0].id is an object; expected a string or an integer",
        "junk.json": refused["junk.json"],
    }
    assert refused["junk.json"].startswith("not a retention report")
    assert len(result.problems()) == 4
    errors = store.conn.execute(
        "SELECT location, message FROM crawl_errors WHERE source_key = ?",
        [source_key(f"{tmp_path}/xcheck/")],
    ).fetchall()
    assert {Path(location).name for location, _ in errors} == set(refused)
    # the older good cross-check is the one in effect: the check still sees the deleted id
    assert [v.dataset for v in check.violations(store.conn)] == ["s3://lake/users"]
    unbounded = load_reports(store, locations(tmp_path))
    deep_row = next(r for r in views.reports(store.conn) if r.report_uri == str(deep))
    assert deep_row.error == "nested deeper than 32 levels"
    assert len(unbounded.problems()) == 3  # huge.json now fits


def test_a_location_that_cannot_be_listed_keeps_its_rows_stale_and_unset_ones_go(tmp_path, store):
    deletion_report(tmp_path)
    cross_check(tmp_path, [DELETED], mtime=2_000)
    load_reports(store, locations(tmp_path))
    (tmp_path / "rds" / "rds-auto.json").unlink()
    (tmp_path / "rds").rmdir()
    renamed = tmp_path / "xcheck-moved"
    (tmp_path / "xcheck").rename(renamed)
    result = load_reports(store, [str(tmp_path / "rds" / "*.json"), f"{tmp_path}/xcheck/"])
    assert [r.error for r in result.locations] == [
        "no report matches it",
        f"{tmp_path}/xcheck/: no such folder",
    ]
    status = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
    assert status[source_key(f"{tmp_path}/xcheck/")] == "stale"
    assert len(check.violations(store.conn)) == 1  # last good rows still count
    result = load_reports(store, [f"{renamed}/"])
    assert sorted(result.removed) == sorted(source_key(loc) for loc in locations(tmp_path))
    assert views.source_keys(store.conn) == [source_key(f"{renamed}/")]
    assert check.violations(store.conn) == []  # no deletion report any more


def test_no_raw_id_anywhere_in_the_store_file_or_any_table(tmp_path, store):
    deletion_report(tmp_path)
    cross_check(tmp_path, [DELETED, STILL_ACTIVE, NEVER_SEEN], mtime=2_000)
    write(tmp_path / "xcheck" / "refused.json", {"deleted_ids": [DELETED, [NEVER_SEEN]]}, 3_000)
    load_reports(store, locations(tmp_path))
    assert check.violations(store.conn)
    published = store.publish()
    for (table,) in store.conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall():
        text = repr(store.conn.execute(f'SELECT * FROM "{table}"').fetchall())  # noqa: S608
        for raw in RAW_IDS:
            assert raw not in text, (table, raw)
    store.conn.execute("CHECKPOINT")
    for path in (store.path, published, store.path.with_name(store.path.name + ".wal")):
        data = path.read_bytes() if path.exists() else b""
        for raw in RAW_IDS:
            assert raw.encode() not in data, (path, raw)


def test_the_byte_grep_would_see_a_raw_id_that_reached_a_table(tmp_path):
    """Control for the test above: a raw id stored as a VARCHAR shows in the file's bytes."""
    path = tmp_path / "control.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t (id VARCHAR, other VARCHAR)")
        conn.execute("INSERT INTO t VALUES (?, ?)", [DELETED, "x"])
        conn.execute("CHECKPOINT")
    assert DELETED.encode() in path.read_bytes()
