"""SageMaker serving: models, endpoint configs, endpoints, monitoring schedules and batch
transform jobs run outside pipelines, crawled per account and region."""
