"""Bucket posture from the five S3 answers, through a stand-in client: what each answer (or
refusal) means, and a crawl where one bucket or the listing fails."""

from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from lineage_assets.s3_schema.client import Paginator, Response
from lineage_assets.s3_schema.ids import LISTING_SOURCE, bucket_source_key
from lineage_assets.s3_schema.posture import bucket_posture, crawl_buckets

KMS = {
    "ServerSideEncryptionConfiguration": {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": "k",
                }
            }
        ]
    }
}
FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
BLOCKED = {"PublicAccessBlockConfiguration": dict.fromkeys(FLAGS, True)}


def refusal(code: str) -> ClientError:
    """What boto3 raises when S3 answers with an error code."""
    return ClientError({"Error": {"Code": code, "Message": code}}, "call")


class Pages:
    """A paginator over fixed pages, or one that raises."""

    def __init__(self, pages: list[Response] | Exception):
        self.pages = pages

    def paginate(self, **parameters: str) -> Iterable[Response]:
        if isinstance(self.pages, Exception):
            raise self.pages
        return iter(self.pages)


class StandInS3:
    """Answers per call name (`encryption`, `tags`, ...): a response or an exception."""

    def __init__(self, answers: dict[str, Response | Exception], buckets: Pages | None = None):
        self.answers = answers
        self.buckets = buckets or Pages([])

    def _answer(self, name: str) -> Response:
        answer = self.answers.get(name, {})
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_paginator(self, operation_name: str) -> Paginator:
        return self.buckets

    def get_object(self, **parameters: str) -> Response:
        raise AssertionError("posture never reads objects")

    def get_bucket_location(self, *, Bucket: str) -> Response:
        return self._answer("location")

    def get_bucket_encryption(self, *, Bucket: str) -> Response:
        return self._answer("encryption")

    def get_bucket_versioning(self, *, Bucket: str) -> Response:
        return self._answer("versioning")

    def get_public_access_block(self, *, Bucket: str) -> Response:
        return self._answer("public_access")

    def get_bucket_tagging(self, *, Bucket: str) -> Response:
        return self._answer("tags")


def test_a_protected_bucket():
    s3 = StandInS3(
        {
            "location": {"LocationConstraint": "eu-west-1"},
            "encryption": KMS,
            "versioning": {"Status": "Enabled"},
            "public_access": BLOCKED,
            "tags": {"TagSet": [{"Key": "team", "Value": "dspm"}]},
        }
    )
    posture = bucket_posture(s3, "b")
    assert (posture.region, posture.encryption, posture.kms_key_id) == ("eu-west-1", "aws:kms", "k")
    assert (posture.versioning, posture.public_access) == ("Enabled", "blocked")
    assert posture.tags == {"team": "dspm"} and posture.errors == {}


def test_not_configured_is_none_and_a_refusal_is_unknown_with_its_error():
    not_configured = StandInS3(
        {
            "location": {"LocationConstraint": None},
            "encryption": refusal("ServerSideEncryptionConfigurationNotFoundError"),
            "public_access": refusal("NoSuchPublicAccessBlockConfiguration"),
            "tags": refusal("NoSuchTagSet"),
        }
    )
    posture = bucket_posture(not_configured, "b")
    assert (posture.region, posture.encryption, posture.versioning) == (
        "us-east-1",
        "none",
        "Disabled",
    )
    assert (posture.public_access, posture.tags, posture.errors) == ("none", {}, {})
    partial = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}}
    denied = StandInS3(
        {
            "location": refusal("AccessDenied"),
            "versioning": refusal("AccessDenied"),
            "public_access": partial,
        }
    )
    posture = bucket_posture(denied, "b")
    assert (posture.region, posture.versioning, posture.public_access) == (
        None,
        "unknown",
        "partial",
    )
    assert set(posture.errors) == {"location", "versioning"}
    assert posture.errors["versioning"].startswith("AccessDenied: ")


def test_a_crawl_keeps_going_past_a_bucket_that_fails(store):
    pages = Pages([{"Buckets": [{"Name": "good"}]}, {"Buckets": [{"Name": "odd"}]}])
    answers: dict[str, Response | Exception] = {"tags": {"TagSet": [{"Key": "k"}]}}  # no Value
    postures, errors = crawl_buckets(store, StandInS3(answers, pages))
    assert postures == [] and len(errors) == 2 and errors[0].startswith("s3_bucket:good: KeyError")
    answers["tags"] = {}
    postures, errors = crawl_buckets(store, StandInS3(answers, pages))
    assert [p.bucket for p in postures] == ["good", "odd"] and errors == []
    rows = store.conn.execute("SELECT source_key, status FROM sources ORDER BY 1").fetchall()
    assert rows == [(bucket_source_key("good"), "ok"), (bucket_source_key("odd"), "ok")]


def test_a_refused_listing_is_one_error_row_cleared_by_the_next_listing(store):
    refused = StandInS3({}, Pages(refusal("AccessDenied")))
    message = f"s3:ListBuckets: AccessDenied: {refusal('AccessDenied')}"
    assert crawl_buckets(store, refused) == ([], [message])
    status = store.conn.execute(
        "SELECT status FROM sources WHERE source_key = ?", [LISTING_SOURCE]
    ).fetchone()
    assert status == ("failed",)
    assert crawl_buckets(store, StandInS3({}, Pages([{"Buckets": []}]))) == ([], [])
    keys = store.conn.execute("SELECT source_key FROM sources").fetchall()
    assert keys == []
