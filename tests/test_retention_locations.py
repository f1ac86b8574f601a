"""Report locations: files, globs and folders, local and in S3, newest first and bounded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lineage_assets.retention.locations import (
    ListLimits,
    LocationError,
    list_reports,
    parse_locations,
    read_report,
)
from lineage_assets.retention.reports import ReportError
from tests.conftest import account_s3


def write(path: Path, document: object, mtime: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    os.utime(path, (mtime, mtime))
    return path


def test_parse_locations_trims_and_keeps_the_first_of_each():
    raw = " /r/a.json, s3://b/x/*.json,,/r/a.json "
    assert parse_locations(raw) == ["/r/a.json", "s3://b/x/*.json"]


def test_local_globs_and_folders_list_newest_first_and_keep_the_newest(tmp_path):
    write(tmp_path / "rds-2026-01.json", {}, 1_000)
    write(tmp_path / "rds-2026-03.json", {}, 3_000)
    write(tmp_path / "rds-2026-02.json", {}, 2_000)
    write(tmp_path / "notes.txt", {}, 4_000)
    write(tmp_path / "sub" / "rds-old.json", {}, 5_000)
    names = [Path(f.uri).name for f in list_reports(str(tmp_path / "rds-*.json"))]
    assert names == ["rds-2026-03.json", "rds-2026-02.json", "rds-2026-01.json"]
    folder = [Path(f.uri).name for f in list_reports(f"{tmp_path}/")]
    assert folder == names
    deep = list_reports(str(tmp_path / "**" / "*.json"))
    assert Path(deep[0].uri).name == "rds-old.json"
    newest_two = list_reports(str(tmp_path / "rds-*.json"), ListLimits(max_reports=2))
    assert [Path(f.uri).name for f in newest_two] == names[:2]
    with pytest.raises(LocationError, match="matches more than 2 files"):
        list_reports(str(tmp_path / "*"), ListLimits(max_listed=2))


def test_equal_times_put_the_lexicographically_last_first(tmp_path):
    for name in ("xcheck-a.json", "xcheck-c.json", "xcheck-b.json"):
        write(tmp_path / name, {}, 1_000)
    names = [Path(f.uri).name for f in list_reports(str(tmp_path / "xcheck-*"))]
    assert names == ["xcheck-c.json", "xcheck-b.json", "xcheck-a.json"]


def test_missing_local_locations_are_location_errors(tmp_path):
    with pytest.raises(LocationError, match="no such file"):
        list_reports(str(tmp_path / "absent.json"))
    with pytest.raises(LocationError, match="no such folder"):
        list_reports(f"{tmp_path}/absent/")
    assert list_reports(str(tmp_path / "absent-*.json")) == []


def test_reads_stop_past_the_size_bound_even_when_the_file_grew(tmp_path):
    path = write(tmp_path / "r.json", {"deleted_ids": ["a" * 100]}, 1_000)
    (report,) = list_reports(str(path))
    assert read_report(report, 1_000) == path.read_bytes()
    with pytest.raises(ReportError, match="larger than the 50-byte limit"):
        read_report(report, 50)
    path.write_text(json.dumps({"deleted_ids": ["a" * 5_000]}))  # grew after the listing
    with pytest.raises(ReportError, match="larger than the 1,000-byte limit"):
        read_report(report, 1_000)


def test_s3_objects_globs_and_prefixes_through_the_standard_chain(aws_env):
    s3 = account_s3("210987654331")
    s3.create_bucket(Bucket="retention-reports")
    for key in ("scan/rds-1.json", "scan/rds-2.json", "scan/xcheck.json", "scan/old/rds-0.json"):
        s3.put_object(Bucket="retention-reports", Key=key, Body=b'{"deleted_ids": ["a"]}')
    client = lambda: s3  # noqa: E731
    globbed = list_reports("s3://retention-reports/scan/rds-*.json", s3=client)
    assert sorted(f.uri for f in globbed) == [
        "s3://retention-reports/scan/rds-1.json",
        "s3://retention-reports/scan/rds-2.json",
    ]
    folder = list_reports("s3://retention-reports/scan/", s3=client)
    assert len(folder) == 3  # not the subfolder's
    deep = list_reports("s3://retention-reports/scan/*rds-*.json", s3=client)
    assert len(deep) == 3  # `*` crosses `/` in keys
    (single,) = list_reports("s3://retention-reports/scan/xcheck.json", s3=client)
    assert single.size == len(b'{"deleted_ids": ["a"]}')
    assert read_report(single, 1_000, client) == b'{"deleted_ids": ["a"]}'
    with pytest.raises(ReportError, match="larger than"):
        read_report(single, 5, client)
    with pytest.raises(LocationError, match="lists more than 2 objects"):
        list_reports("s3://retention-reports/*", ListLimits(max_listed=2), s3=client)
