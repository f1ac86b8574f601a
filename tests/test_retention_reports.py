"""Both retention report formats with their id/status variants, and hostile reports refused
whole with a reason that names where, never what."""

from __future__ import annotations

import json

import pytest

from lineage_assets.retention.reports import ReportError, ReportLimits, parse_report


def parse(document: object, **limits: int):
    return parse_report(json.dumps(document).encode(), ReportLimits(**limits))


def test_deletion_entries_take_every_id_key_and_only_deleted_statuses():
    report = parse(
        {
            "items": [
                {"id": "u-1", "status": "deleted"},
                {"user_id": 42, "status": "EXPIRED "},
                {"identifier": "u-3", "state": "removed"},
                {"record_id": "u-4", "state": "Deleted"},
                {"id": "u-5", "status": "active"},
                {"id": "u-6"},
                {"name": "no id at all"},
            ]
        }
    )
    assert report.deleted == {"u-1": "deleted", "42": "expired", "u-3": "removed", "u-4": "deleted"}
    assert report.usage == {}
    assert report.is_deletion_report and not report.is_usage_report
    assert report.ignored_entries == 2


def test_deletion_lists_and_data_entries_with_integers_as_decimal_text():
    report = parse(
        {
            "data": [{"id": 7, "status": "deleted"}],
            "deleted_ids": ["a", 12],
            "expired_ids": [" b "],
            "removed_ids": [],
            "summary": {"deletedIdsTotal": 4},
        }
    )
    assert report.deleted == {"7": "deleted", "a": "deleted", "12": "deleted", "b": "expired"}


def test_usage_entries_take_every_uri_and_ids_key_and_the_s3_slash_spelling():
    report = parse(
        {
            "items": [
                {"file": "s3://bkt/raw/users.csv", "matched_ids": ["u-1", 42]},
                {"source": "s3/bkt/raw/events.jsonl", "ids": ["u-2"]},
                {"s3_uri": "S3A://bkt//raw/x/", "identifiers": []},
                {"file": "s3://bkt/raw/clean.csv"},
            ]
        }
    )
    assert report.usage == {
        "s3://bkt/raw/users.csv": {"u-1", "42"},
        "s3://bkt/raw/events.jsonl": {"u-2"},
        "s3://bkt/raw/x": set(),
    }
    assert report.is_usage_report and not report.is_deletion_report
    assert report.ignored_entries == 1


def test_usage_by_uri_mapping_bare_list_and_cross_check_summary():
    by_uri = parse(
        {
            "s3://bkt/a.csv": {"ids": ["u-1"]},
            "s3/bkt/b.csv": {"matched_ids": [5]},
            "generated_at": "2026-12-01",
        }
    )
    assert by_uri.usage == {"s3://bkt/a.csv": {"u-1"}, "s3://bkt/b.csv": {"5"}}
    bare = parse([{"file": "s3/bkt/c.csv", "ids": ["u-9"]}, {"id": "u-9", "status": "deleted"}])
    assert bare.usage == {"s3://bkt/c.csv": {"u-9"}} and bare.deleted == {"u-9": "deleted"}
    summary = parse(
        {
            "summary": {"deletedIdsTotal": 2, "s3ObjectsChecked": 9, "affectedObjects": 1},
            "affected": [{"s3": "s3://bkt/d.csv", "count": 2, "sample": ["u-1", "u-2"]}],
        }
    )
    assert summary.usage == {"s3://bkt/d.csv": {"u-1", "u-2"}}


def test_an_empty_report_of_a_known_shape_is_a_report_with_nothing_in_it():
    empty = parse({"items": []})
    assert (empty.deleted, empty.usage) == ({}, {})
    assert empty.is_deletion_report and empty.is_usage_report
    only_deleted = parse({"deleted_ids": []})
    assert only_deleted.is_deletion_report and not only_deleted.is_usage_report
    assert parse({"affected": []}).is_usage_report


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"items": "u-1,u-2"}, "$.items is a string; expected a list"),
        ({"items": [["u-1", "deleted"]]}, "$.items[0] is a list; expected an object"),
        ({"items": [{"id": {"x": 1}, "status": "deleted"}]}, "$.items[0].id is an object"),
        ({"items": [{"id": "u-1", "status": 1}]}, "$.items[0].status is an integer"),
        ({"deleted_ids": [1.5]}, "$.deleted_ids[0] is a number"),
        ({"deleted_ids": [True]}, "$.deleted_ids[0] is a boolean"),
        ({"deleted_ids": ["  "]}, "$.deleted_ids[0] is an empty identifier"),
        ({"items": [{"ids": ["u-1"]}]}, "$.items[0] has ids but no file|source|s3_uri"),
        ({"items": [{"file": "users.csv", "ids": ["u-1"]}]}, "is not an object URI"),
        ({"items": [{"file": 3, "ids": ["u-1"]}]}, "$.items[0].file is an integer"),
        ({"s3://b/k": {"count": 3}}, "has no ids or matched_ids"),
        ({"affected": [{"s3": "s3://b/k"}]}, "needs an object URI (s3) and its ids (sample)"),
        ({"status": "ok"}, "not a retention report"),
        (42, "$ is an integer; expected an object or a list"),
    ],
)
def test_wrong_types_refuse_the_whole_report(document, reason):
    with pytest.raises(ReportError) as raised:
        parse(document)
    assert reason in str(raised.value)


def test_messages_never_carry_the_values_they_refuse():
    secret = "8001011234567"
    hostile = [
        {"deleted_ids": [secret, {"nested": secret}]},
        {"items": [{"file": f"users-{secret}.csv", "ids": [secret]}]},
        {"items": [{"id": secret, "status": [secret]}]},
        {f"s3://b/{secret}": {"count": 1}},
    ]
    for document in hostile:
        with pytest.raises(ReportError) as raised:
            parse(document)
        assert secret not in str(raised.value)
    with pytest.raises(ReportError) as raised:
        parse_report(b'{"deleted_ids": ["' + secret.encode() + b'", }')
    assert secret not in str(raised.value)


def test_bounds_on_bytes_ids_length_and_depth():
    with pytest.raises(ReportError, match="larger than the 100-byte limit"):
        parse({"deleted_ids": ["x" * 200]}, max_bytes=100)
    with pytest.raises(ReportError, match="more than 3 identifiers"):
        parse({"deleted_ids": ["a", "b"], "s3://b/k": {"ids": ["a", "b"]}}, max_ids=3)
    with pytest.raises(ReportError, match="longer than 8 characters"):
        parse({"deleted_ids": ["123456789"]}, max_id_chars=8)
    deep: object = ["u-1"]
    for _ in range(40):
        deep = {"x": deep}
    with pytest.raises(ReportError, match="nested deeper than 32 levels"):
        parse({"deleted_ids": [], "meta": deep})
    assert parse({"deleted_ids": [], "meta": deep}, max_depth=42).deleted == {}
    with pytest.raises(ReportError, match="nested deeper than the JSON parser allows"):
        parse_report(b"[" * 5_000 + b"]" * 5_000, ReportLimits(max_depth=10_000))


def test_values_and_containers_are_bounded_before_parsing_counting_raw_bytes():
    document = {"deleted_ids": ["a", "b", "c"], "meta": {"k": [1, 2]}}  # 4 separators + 1
    assert parse(document, max_values=5, max_containers=4).deleted.keys() == {"a", "b", "c"}
    with pytest.raises(ReportError, match="more than 4 values"):
        parse(document, max_values=4)
    with pytest.raises(ReportError, match="more than 3 objects and lists"):
        parse(document, max_containers=3)
    in_strings = {"deleted_ids": ["a,b", "[{"]}  # counted too: the bounds err towards refusing
    with pytest.raises(ReportError, match="more than 2 values"):
        parse(in_strings, max_values=2)
    with pytest.raises(ReportError, match="more than 2 objects and lists"):
        parse(in_strings, max_containers=2)


def test_hostile_bytes_are_refused_with_a_reason():
    cases = {
        b"[" * 200_000 + b"]" * 200_000: "nested deeper than 32 levels",
        b'{"deleted_ids": [' + b"[" * 100 + b"]": "not JSON",
        b'{"deleted_ids": [NaN]}': "NaN is not a JSON number",
        b'{"deleted_ids": [' + b"9" * 5_000 + b"]}": "not JSON",
        b'\xff\xfe{"deleted_ids": []}': "not UTF-8 text",
        b'{"deleted_ids": ["a"': "not JSON",
        b"": "not JSON",
    }
    for data, reason in cases.items():
        with pytest.raises(ReportError) as raised:
            parse_report(data)
        assert reason in str(raised.value), data[:40]


def test_a_byte_order_mark_and_lone_surrogates_are_data_not_errors():
    report = parse_report(b'\xef\xbb\xbf{"deleted_ids": ["\\ud800x"]}')
    assert report.deleted == {"\ud800x": "deleted"}
