"""A crawl report cut to one pipeline (what one Dagster partition shows)."""

from __future__ import annotations

from lineage_assets.sagemaker.crawl import CrawlReport
from lineage_assets.sagemaker.fetch import PipelineCrawl
from lineage_assets.sagemaker.inventory import Pipeline

ACCOUNT = "111122223333"


def crawl(region: str, name: str) -> PipelineCrawl:
    return PipelineCrawl(Pipeline(ACCOUNT, region, name, f"arn:{name}", "{}"), (), {}, {}, ())


def test_of_pipeline_keeps_only_what_names_the_pipeline_or_its_region():
    report = CrawlReport(
        [crawl("eu-west-1", "A"), crawl("eu-west-1", "AB"), crawl("us-east-1", "A")],
        ["sagemaker:111122223333/eu-west-1/A", "sagemaker:111122223333/eu-west-1/B"],
        ["sagemaker:111122223333/eu-west-1/AB"],
        [
            "sagemaker:111122223333/eu-west-1/A: AccessDenied: no",
            "sagemaker:111122223333/eu-west-1/AB: Throttling: slow",
            "sagemaker_region:111122223333/eu-west-1: ExpiredToken: listing failed",
            "sagemaker_region:111122223333/us-east-1: ExpiredToken: listing failed",
        ],
    )

    own = report.of_pipeline(ACCOUNT, "eu-west-1", "A")

    assert [(c.pipeline.region, c.pipeline.name) for c in own.crawled] == [("eu-west-1", "A")]
    assert own.unchanged == ["sagemaker:111122223333/eu-west-1/A"] and own.removed == []
    assert own.errors == [
        "sagemaker:111122223333/eu-west-1/A: AccessDenied: no",
        "sagemaker_region:111122223333/eu-west-1: ExpiredToken: listing failed",
    ]
