"""OpenLineage export: the store's SageMaker, SQL and S3 lineage as OpenLineage events, sent
through the official client's transports (file, HTTP, Kafka, console) by its standard config."""
