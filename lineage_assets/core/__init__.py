"""The shared vocabulary every package speaks: node ids, storage URIs and the enums of edges.

Pure and dependency-free: sources, the store, the graph and the contract all build and read
ids here, so one spelling of a node exists in Python and in SQL.
"""
