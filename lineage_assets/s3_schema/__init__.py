"""S3 dataset schemas: bounded sampling (Parquet footers, CSV/JSON heads), union with widening,
content-hash versions and classified drift; `records` turns a sample into store rows, `views`
reads them back, `posture` reads each bucket's security settings, `ids` names their sources."""

from lineage_assets.s3_schema.budget import BudgetExhausted, CrawlBudget, ReadCounter
from lineage_assets.s3_schema.drift import SchemaChange, diff, is_breaking
from lineage_assets.s3_schema.listing import S3Location, parse_s3_uri
from lineage_assets.s3_schema.sampler import DatasetSample, SamplingConfig, sample_dataset
from lineage_assets.s3_schema.union import ColumnSchema
from lineage_assets.s3_schema.versions import schema_version

__all__ = [
    "BudgetExhausted",
    "ColumnSchema",
    "CrawlBudget",
    "DatasetSample",
    "ReadCounter",
    "S3Location",
    "SamplingConfig",
    "SchemaChange",
    "diff",
    "is_breaking",
    "parse_s3_uri",
    "sample_dataset",
    "schema_version",
]
