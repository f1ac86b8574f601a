"""`lineage-assets s3 schema`: latest schema, version list and a chosen version, read from the
published copy of a real store filled by a real crawl."""

from __future__ import annotations

import argparse
import io
import json
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lineage_assets import aws, config
from lineage_assets.cli.s3 import register
from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
from lineage_assets.store import LineageStore


def run(*argv: str) -> int:
    """Parse and run one `s3` command as the main CLI would."""
    parser = argparse.ArgumentParser(prog="lineage-assets")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def published(aws_env, tmp_path, monkeypatch):
    """A dataset crawled twice with a schema change in between, then published."""
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    s3 = aws.client("s3")
    name = f"s3w-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    uri = f"s3://{name}/people/"
    samples = []
    for columns in ({"id": [1], "email": ["a@b.com"]}, {"id": [1], "email": ["a@b.com"], "n": [2]}):
        sink = io.BytesIO()
        pq.write_table(pa.table(columns), sink)
        s3.put_object(Bucket=name, Key="people/a.parquet", Body=sink.getvalue())
        with LineageStore.open(config.duckdb_path(), config.published_path()) as store:
            samples += crawl_datasets(store, [uri], s3, region_readers()).samples
            store.publish()
    return uri, [s.version for s in samples]


def test_latest_schema_with_pii_classes(published, capsys):
    uri, _ = published
    assert run("s3", "schema", uri.rstrip("/"), "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["column_path"], r["pii_class"]) for r in rows] == [
        ("email", "email"),
        ("id", None),
        ("n", None),
    ]


def test_versions_and_a_chosen_version(published, capsys):
    uri, (first, second) = published
    assert run("s3", "schema", uri, "--versions", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in listed] == [second, first]
    assert [v["changes_from_previous"] for v in listed] == [1, 0]
    assert run("s3", "schema", uri, "--version", first) == 0
    out = capsys.readouterr().out
    assert f"version {first}" in out and "(2 rows)" in out


def test_unknown_dataset_or_version_names_the_close_matches(published, capsys):
    uri, (first, _) = published
    assert run("s3", "schema", "s3://nope/none/") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown dataset 's3://nope/none/'") and err.count("\n") == 1
    assert run("s3", "schema", uri.replace("people", "peple")) == 1
    assert f"close matches: {uri}" in capsys.readouterr().err
    assert run("s3", "schema", uri, "--version", first[:-1] + "#") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: unknown schema version of {uri} '{first[:-1]}#'")
    assert first in err.partition("close matches:")[2]
    assert run("s3", "schema", "http://x/y") == 2
