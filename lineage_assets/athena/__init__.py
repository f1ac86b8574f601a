"""Athena query history: the last days of query executions per workgroup, fetched
incrementally, and the lineage that successful statements observably made (table and column
edges tied to the execution that ran them; SELECT-only queries as reads). Result data is never
read."""
