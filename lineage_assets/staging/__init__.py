"""Fan out, fan in: crawls stage their writes as Parquet batches with a manifest (no database),
and one ingest, the store's single writer, applies the ready batches exactly once.

Modules: `location` (a folder or S3 prefix), `manifest` (a batch's description, the commit
marker), `columns` (the store's column types for staged rows), `sink` (the `RecordSink` that
stages), `batch` (reading a staged batch back, bounded), `apply` and `ingest` (the writer's side),
`settings`, `schema` (the ledger of applied batches) and `views` (its reads).
"""
