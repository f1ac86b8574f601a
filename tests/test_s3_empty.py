"""Empty is input too: an account with no bucket, and a crawl where nothing could be sampled,
give sane empty results (no exception, nothing half-written) from the library."""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from lineage_assets.s3_schema.budget import CrawlBudget
from lineage_assets.s3_schema.crawl import crawl_datasets, region_readers
from lineage_assets.s3_schema.ids import LISTING_SOURCE
from lineage_assets.s3_schema.posture import crawl_buckets
from lineage_assets.s3_schema.records import classify_sample
from lineage_assets.s3_schema.views import exposed_pii, latest_drift, store_dataset_uris
from tests.conftest import account_s3

OTHER_ACCOUNT = (
    "210987654391"  # an emulator account of its own (not the seeded member 210987654321)
)


def test_an_account_with_no_bucket_crawls_to_empty_results(aws_env, store):
    s3 = account_s3(OTHER_ACCOUNT)
    assert s3.list_buckets()["Buckets"] == []
    assert crawl_buckets(store, s3) == ([], [])
    uris = store_dataset_uris(store.conn)
    assert uris == []
    result = crawl_datasets(store, uris, s3, region_readers())
    assert (result.samples, result.failed, result.skipped) == ([], {}, [])
    assert (result.budget.bytes_read, result.budget.requests_made) == (0, 0)
    assert exposed_pii(store.conn) == [] and latest_drift(store.conn) == []
    assert store.conn.execute("SELECT count(*) FROM crawl_errors").fetchone() == (0,)


def test_a_crawl_where_nothing_could_be_sampled(aws_env, store):
    s3 = account_s3("210987654322")
    name = f"s3e-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="markers/_SUCCESS", Body=b"")
    s3.put_object(Bucket=name, Key="models/model.tar.gz", Body=b"\x1f\x8b" + bytes(20))
    s3.put_object(Bucket=name, Key="broken/a.parquet", Body=b"not parquet at all")
    uris = [f"s3://{name}/nothing/", f"s3://{name}/markers/", f"s3://{name}/models/"]
    broken = f"s3://{name}/broken/"
    result = crawl_datasets(store, [*uris, broken], s3, lambda region: s3)
    assert [s.uri for s in result.samples] == uris
    for sample in result.samples:
        assert sample.columns == () and sample.version is None and sample.sampled_from == []
        assert classify_sample(sample) == []
    assert result.samples[0].error == f"s3://{name}/nothing/: no data objects under the prefix"
    assert result.samples[2].format == "unsupported:tar" and result.samples[2].error is None
    assert list(result.failed) == [broken] and "truncated or not Parquet" in result.failed[broken]
    stored = store.conn.execute(
        "SELECT dataset_uri, schema_version, objects_sampled FROM s3_datasets ORDER BY 1"
    ).fetchall()
    assert stored == sorted((uri, None, 0) for uri in uris)
    assert store.conn.execute("SELECT count(*) FROM column_classifications").fetchone() == (0,)
    status = store.conn.execute(
        "SELECT status FROM sources WHERE source_key = ?", [f"s3_dataset:{broken}"]
    ).fetchone()
    assert status == ("failed",)  # never sampled, so nothing to keep
    spent = crawl_datasets(store, uris, s3, lambda region: s3, budget=CrawlBudget(max_bytes=0))
    assert spent.samples == [] and spent.skipped == uris


def test_an_account_whose_buckets_cannot_be_listed_is_one_error_row(aws_env, store):
    s3 = account_s3(OTHER_ACCOUNT)

    def deny(**_):
        """What AWS answers credentials without s3:ListAllMyBuckets."""
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "ListBuckets")

    s3.meta.events.register("before-call.s3.ListBuckets", deny)
    postures, errors = crawl_buckets(store, s3)
    assert postures == [] and errors == [
        "s3:ListBuckets: AccessDenied: An error occurred (AccessDenied) when calling the "
        "ListBuckets operation: denied"
    ]
    row = store.conn.execute(
        "SELECT status, last_error FROM sources WHERE source_key = ?", [LISTING_SOURCE]
    ).fetchone()
    assert row == ("failed", errors[0])
    s3.meta.events.unregister("before-call.s3.ListBuckets", deny)
    assert crawl_buckets(store, s3) == ([], [])
    assert store.conn.execute("SELECT count(*) FROM sources").fetchone() == (0,)
