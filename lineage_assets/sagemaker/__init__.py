"""SageMaker Pipelines lineage: resolve definitions (pure) and crawl pipelines (boto3)."""

from lineage_assets.sagemaker.contract import lineage_json, pipeline_lineage
from lineage_assets.sagemaker.resolver import ResolvedPipeline, resolve_definition

__all__ = ["ResolvedPipeline", "lineage_json", "pipeline_lineage", "resolve_definition"]
