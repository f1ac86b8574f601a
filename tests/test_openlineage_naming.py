"""Naming by the OpenLineage spec, transform mapping, and what the SQL facet never carries."""

from __future__ import annotations

import pytest

from lineage_assets.openlineage import facets
from lineage_assets.openlineage.naming import (
    Naming,
    athena_query_job,
    sagemaker_arn,
    sql_job,
    storage,
)
from lineage_assets.sql import transforms


@pytest.mark.parametrize(
    ("uri", "namespace", "name"),
    [
        ("s3://bucket/a/b/", "s3://bucket", "a/b"),
        ("S3A://bucket//a//b", "s3://bucket", "a/b"),
        ("s3n://bucket", "s3://bucket", "/"),
        ("s3://bucket/", "s3://bucket", "/"),
        ("gs://b/x.parquet", "gs://b", "x.parquet"),
    ],
)
def test_storage_names_are_bucket_and_key(uri, namespace, name):
    assert storage(uri) == (storage(uri).__class__(namespace, name))


def test_tables_by_dialect():
    naming = Naming(athena_region="eu-west-1", redshift_endpoint="wh.eu-west-1:5439")
    athena = naming.table("Analytics.Orders", "athena")
    assert athena.namespace == "awsathena://athena.eu-west-1.amazonaws.com"
    assert athena.name == "awsdatacatalog.analytics.orders"
    assert naming.table("orders", "trino").name == "awsdatacatalog.default.orders"
    assert naming.table("cat.db.t", None).name == "cat.db.t"
    redshift = naming.table("reporting.orders_export", "redshift")
    assert redshift.namespace == "redshift://wh.eu-west-1:5439"
    assert redshift.name == "dev.reporting.orders_export"
    assert naming.table("t", "redshift").name == "dev.public.t"
    assert Naming().redshift_namespace == "redshift://default.us-east-1:5439"


def test_sagemaker_arns_split_after_the_account():
    group = sagemaker_arn("arn:aws:sagemaker:us-east-1:123456789012:feature-group/churn")
    assert (group.namespace, group.name) == (
        "arn:aws:sagemaker:us-east-1:123456789012",
        "feature-group/churn",
    )
    package = sagemaker_arn("arn:aws:sagemaker:us-east-1:1:model-package/g/3")
    assert package.name == "model-package/g/3"
    assert sagemaker_arn("not-an-arn").name == "not-an-arn"


def test_sagemaker_jobs_name_their_account_and_region():
    naming = Naming(job_namespace="prod")
    one = naming.pipeline_job("111111111111", "us-east-1", "Churn")
    other = naming.pipeline_job("222222222222", "us-east-1", "Churn")
    assert one == "sagemaker.111111111111.us-east-1.Churn" and one != other
    step = naming.step_job("111111111111", "us-east-1", "Churn", "Prepare")
    assert step == f"{one}.Prepare"
    assert naming.job_namespace == "prod"  # the namespace stays the configured one


def test_sql_jobs_are_per_file_and_numbered_per_statement():
    assert sql_job("repo", "a/b.sql", 0, 1) == "sql.repo/a/b.sql"
    assert sql_job("repo", "a/b.sql", 2, 3) == "sql.repo/a/b.sql#3"


def test_every_transform_class_maps_to_a_spec_type_and_masking_is_flagged():
    for name in transforms.RANK:
        step = facets.transformation(name, False)
        assert step.type == "DIRECT"
        assert step.subtype in {"IDENTITY", "TRANSFORMATION", "AGGREGATION"}
        assert step.masking is (name == transforms.MASKING)
    assert facets.transformation("group", True).subtype == "GROUP_BY"
    assert facets.transformation("join", True).subtype == "JOIN"
    assert facets.transformation("something-new", True).type == "INDIRECT"


@pytest.mark.parametrize(
    ("sql", "secret"),
    [
        (
            "COPY t FROM 's3://b/k' CREDENTIALS "
            "'aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key=wJalrXUtnFEMI' CSV",
            "wJalrXUtnFEMI",
        ),
        ("COPY t FROM 's3://b' ACCESS_KEY_ID 'AKIAEX' SECRET_ACCESS_KEY 'sek''ret'", "sek"),
        ("COPY t FROM 's3://b' SESSION_TOKEN 'FwoGZXIvYXdz'", "FwoGZXIvYXdz"),
        ("CREATE USER bob PASSWORD 'Hunter2!'", "Hunter2"),
        ("ALTER USER x WITH PASSWORD 'p@ss'", "p@ss"),
        ("CREATE SECRET s (TYPE s3, KEY_ID 'AKIAQ', SECRET 'zzzsecret')", "zzzsecret"),
        ("SELECT * FROM read_csv('https://user:pw0rd@host/x.csv')", "pw0rd"),
        ("SELECT 1 FROM t WHERE u = 'https://x/y?sig=abcdef123&sv=1'", "abcdef123"),
    ],
)
def test_the_sql_facet_masks_credentials(sql, secret):
    query = facets.sql(sql, "redshift").query
    assert secret not in query and "***" in query


def test_the_sql_facet_keeps_ordinary_sql_and_bounds_it():
    plain = "SELECT token_count, 'password' AS label FROM t WHERE secret_flag = 1"
    assert facets.sql(plain, None).query == plain
    assert len(facets.sql("x" * 300_000, None).query) == facets.MAX_SQL_CHARS


def test_the_pii_facet_is_absent_without_pii_or_bucket():
    assert facets.pii({}, None) is None
    facet = facets.pii({"b": ["phone", "email"], "a": []}, {"name": "bk", "tags": {"x": "y"}})
    assert facet.columns == {"b": ["email", "phone"]}
    assert facet.bucket == {"name": "bk"}


def test_an_athena_query_job_is_its_text_in_its_account_region_and_workgroup():
    name = athena_query_job("123456789012", "eu-west-1", "analytics", "SELECT 1")
    assert name.startswith("athena.123456789012.eu-west-1.analytics.") and len(name) == 56
    assert name == athena_query_job("123456789012", "eu-west-1", "analytics", "SELECT 1")
    others = {
        athena_query_job("123456789012", "eu-west-1", "analytics", "SELECT 2"),
        athena_query_job("123456789012", "eu-west-1", "primary", "SELECT 1"),
        athena_query_job("210987654321", "eu-west-1", "analytics", "SELECT 1"),
        athena_query_job("123456789012", "us-east-1", "analytics", "SELECT 1"),
    }
    assert name not in others and len(others) == 4
