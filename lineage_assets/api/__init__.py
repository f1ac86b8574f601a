"""The read-only HTTP API and the interactive viewer (`lineage-assets serve`)."""
