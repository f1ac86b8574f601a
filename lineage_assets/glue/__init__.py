"""The AWS Glue Data Catalog as a lineage source: databases, tables, views, declared columns."""
