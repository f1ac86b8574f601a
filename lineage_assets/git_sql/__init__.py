"""SQL from git: incremental sync with commit provenance, dbt models and SQL embedded in Python."""
