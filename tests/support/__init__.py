"""Helpers shared by several test modules (fixtures that conftest.py registers)."""
