"""Asset keys and group names used across modules: an asset that depends on one defined in
another module names it through these, so a rename breaks at import, not silently."""

import dagster as dg

CRAWL_GROUP = "crawl"
SOURCES_GROUP = "sources"
SAGEMAKER_GROUP = "sagemaker"
GRAPH_GROUP = "graph"
STORE_GROUP = "store"

CRAWL_RUN = dg.AssetKey("crawl_run")
S3_BUCKET_POSTURE = dg.AssetKey("s3_bucket_posture")
SAGEMAKER_CRAWL = dg.AssetKey("sagemaker_crawl")
SQL_LINEAGE = dg.AssetKey("sql_lineage")
S3_DATASET_SCHEMAS = dg.AssetKey("s3_dataset_schemas")
LINEAGE_GRAPH = dg.AssetKey("lineage_graph")

# Every source asset of the nightly crawl: the graph and the store's health run after them.
SOURCE_ASSET_KEYS = (S3_BUCKET_POSTURE, SAGEMAKER_CRAWL, SQL_LINEAGE, S3_DATASET_SCHEMAS)
