"""SageMaker Pipelines lineage: definitions resolved (pure), pipelines crawled with boto3 into
store records, typed reads back. Import the modules themselves; this package imports nothing."""
