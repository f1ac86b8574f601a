"""Apply the schema migrations in order; re-running is a no-op."""

from __future__ import annotations

import duckdb

from lineage_assets.store import registry
from lineage_assets.store.errors import StoreVersionError
from lineage_assets.store.lake_schema import lake_sql, translate
from lineage_assets.store.migration import Migration

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    checksum   VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
)
"""


def applied_versions(conn: duckdb.DuckDBPyConnection, *, lake: bool = False) -> dict[int, str]:
    """Versions already applied to this store, with their checksums."""
    conn.execute(translate(_LEDGER).sql if lake else _LEDGER)
    return dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())


def migrate(
    conn: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] | None = None,
    *,
    lake: bool = False,
) -> list[int]:
    """Apply every migration not yet applied (by default the registry's), each in its own
    transaction; return their versions. On the `lake` each runs with its keys and indexes
    taken out (DuckLake has none; the writer enforces the keys), under the same checksum."""
    if migrations is None:
        migrations = registry.default().migrations()
    applied = applied_versions(conn, lake=lake)
    known = {m.version for m in migrations}
    newer = sorted(v for v in applied if v not in known)
    if newer:
        raise StoreVersionError(
            f"store has schema versions {newer} that this code does not know; upgrade the code"
        )
    done: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise StoreVersionError(
                    f"migration {migration.version} ({migration.name}) changed after it was "
                    "applied; add a new migration instead of editing an old one"
                )
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(lake_sql(migration) if lake else migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done.append(migration.version)
    return done
