"""Lineage for SageMaker pipelines, SQL and S3 datasets, stored in DuckDB.

A pure library: it never imports dagster. The Dagster layer lives in ``dagster_project``.
"""

__version__ = "0.1.0"
