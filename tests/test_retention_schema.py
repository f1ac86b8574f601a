"""The retention package's schema: registered with the store, in its version range, released
text pinned (a store made by this code must keep opening)."""

from __future__ import annotations

from lineage_assets.retention import schema
from lineage_assets.store.registry import SCHEMA_MODULES, default

RELEASED_CHECKSUMS = {100: "9768e41ffa205fca"}


def test_retention_migrations_are_registered_in_range_and_keep_their_checksums():
    assert "lineage_assets.retention.schema" in SCHEMA_MODULES
    assert all(100 <= m.version <= 119 for m in schema.MIGRATIONS)
    assert {m.version: m.checksum for m in schema.MIGRATIONS} == RELEASED_CHECKSUMS
    assert {m.version for m in default().migrations()} >= set(RELEASED_CHECKSUMS)
    assert schema.EDGES == () and schema.NODE_COLUMNS == ()
