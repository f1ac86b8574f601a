"""The lineage graph: stitching sources together, PII propagation, snapshots and pictures.

It reads the store only (the `lineage_edges` contract, column edges and classifications), so
a new source plugs in by writing its own tables and edges; nothing here knows a crawler.
"""
