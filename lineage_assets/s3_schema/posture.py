"""Security posture of S3 buckets: default encryption, versioning, public-access block, tags.

One denied or failing call is recorded in the bucket's `errors`, never fatal: the DSPM team
still sees what could be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.s3_schema.client import Response, S3Client
from lineage_assets.s3_schema.ids import BUCKET_SOURCE_KIND, LISTING_SOURCE, bucket_source_key
from lineage_assets.store import LineageStore, SourceRecords

# Answers that mean "not configured", not "failed".
_NOT_CONFIGURED = {
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
}
_PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


@dataclass(frozen=True)
class BucketPosture:
    """What a bucket exposes: encryption `aws:kms|AES256|aws:kms:dsse|none|unknown`, versioning
    `Enabled|Suspended|Disabled|unknown`, public access `blocked|partial|none|unknown`."""

    bucket: str
    region: str | None
    encryption: str
    kms_key_id: str | None
    versioning: str
    public_access: str
    tags: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _call(errors: dict[str, str], name: str, fn: Callable[[], Response]) -> Response | None:
    """Run one posture call; `None` when not configured, recorded in `errors` when it fails."""
    try:
        return fn()
    except AWS_ERRORS as error:
        code = error_code(error)
        if code not in _NOT_CONFIGURED:
            errors[name] = f"{code}: {error}"
        return None


def _encryption(answer: Response | None, failed: bool) -> tuple[str, str | None]:
    """Default encryption algorithm and KMS key of the first rule."""
    if failed:
        return "unknown", None
    rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not rules:
        return "none", None
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    return default.get("SSEAlgorithm", "unknown"), default.get("KMSMasterKeyID")


def _public_access(answer: Response | None, failed: bool) -> str:
    """`blocked` when all four flags are on, `none` when none is, `partial` otherwise."""
    if failed:
        return "unknown"
    flags = (answer or {}).get("PublicAccessBlockConfiguration", {})
    on = sum(bool(flags.get(name)) for name in _PUBLIC_ACCESS_FLAGS)
    return "blocked" if on == len(_PUBLIC_ACCESS_FLAGS) else "none" if on == 0 else "partial"


def bucket_posture(s3: S3Client, bucket: str) -> BucketPosture:
    """Read one bucket's posture with five calls, each allowed to fail on its own."""
    errors: dict[str, str] = {}
    location = _call(errors, "location", lambda: s3.get_bucket_location(Bucket=bucket))
    encryption = _call(errors, "encryption", lambda: s3.get_bucket_encryption(Bucket=bucket))
    versioning = _call(errors, "versioning", lambda: s3.get_bucket_versioning(Bucket=bucket))
    block = _call(errors, "public_access", lambda: s3.get_public_access_block(Bucket=bucket))
    tagging = _call(errors, "tags", lambda: s3.get_bucket_tagging(Bucket=bucket))
    algorithm, kms_key = _encryption(encryption, "encryption" in errors)
    return BucketPosture(
        bucket=bucket,
        region=None if location is None else (location.get("LocationConstraint") or "us-east-1"),
        encryption=algorithm,
        kms_key_id=kms_key,
        versioning="unknown"
        if "versioning" in errors
        else (versioning or {}).get("Status", "Disabled"),
        public_access=_public_access(block, "public_access" in errors),
        tags={t["Key"]: t["Value"] for t in (tagging or {}).get("TagSet", [])},
        errors=errors,
    )


def posture_records(posture: BucketPosture) -> SourceRecords:
    """The bucket as a store source (`s3_bucket:<name>`)."""
    row = {
        "bucket": posture.bucket,
        "region": posture.region,
        "encryption": posture.encryption,
        "kms_key_id": posture.kms_key_id,
        "versioning": posture.versioning,
        "public_access": posture.public_access,
        "tags": posture.tags,
        "checked_at": posture.checked_at,
        "errors": posture.errors,
    }
    records = SourceRecords(bucket_source_key(posture.bucket), BUCKET_SOURCE_KIND, posture.bucket)
    return records.add("s3_buckets", [row])


def list_buckets(s3: S3Client) -> list[str]:
    """Every bucket the credentials can list (paginated)."""
    return [
        b["Name"] for page in s3.get_paginator("list_buckets").paginate() for b in page["Buckets"]
    ]


def crawl_buckets(
    store: LineageStore, s3: S3Client, run_id: str | None = None
) -> tuple[list[BucketPosture], list[str]]:
    """Every bucket's posture into the store; a bucket that fails keeps its last good row,
    marked stale, and the others go on; an account whose buckets cannot be listed is one
    error row (`LISTING_SOURCE`), cleared by the next listing that works. Returns the
    postures read and the error lines (both empty for an account with no bucket)."""
    try:
        buckets = list_buckets(s3)
    except AWS_ERRORS as error:
        message = f"s3:ListBuckets: {error_code(error)}: {error}"
        store.mark_failed(
            LISTING_SOURCE, BUCKET_SOURCE_KIND, message, run_id=run_id, error_type=error_code(error)
        )
        return [], [message]
    store.remove_source(LISTING_SOURCE)
    postures, errors = [], []
    for bucket in buckets:
        key = bucket_source_key(bucket)
        try:
            posture = bucket_posture(s3, bucket)
            store.replace_source(posture_records(posture), run_id)
        except Exception as error:  # AWS refusals and anything odd in one bucket's answers
            code = error_code(error)
            message = f"{key}: {code}: {error}"
            store.mark_failed(key, BUCKET_SOURCE_KIND, message, run_id=run_id, error_type=code)
            errors.append(message)
            continue
        postures.append(posture)
    return postures, errors
