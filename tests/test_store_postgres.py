"""The throwaway PostgreSQL server the lake backend (and a Dagster instance) is tested on."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.postgres import PostgresServer, running_postgres, server_binaries


def test_databases_are_separate_and_usable(postgres: PostgresServer) -> None:
    first, second = postgres.create_database(), postgres.create_database()
    assert first != second
    postgres.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (7)", first)
    assert postgres.psql("SELECT sum(x) FROM t", first).strip() == "7"
    assert postgres.psql("SELECT count(*) FROM pg_tables WHERE tablename = 't'", second) == "0\n"
    assert f"port={postgres.port}" in postgres.conninfo(first)


@pytest.mark.skipif(server_binaries() is None, reason="PostgreSQL is not installed")
def test_password_server_refuses_a_wrong_password_and_leaves_nothing_behind() -> None:
    with running_postgres(password="s3cret-pw") as server:
        psql = [
            *server.as_postgres, str(server.binaries / "psql"), "-h", server.host,
            "-p", str(server.port), "-U", server.user, "-X", "-t", "-A", "-c", "SELECT 1",
        ]  # fmt: skip
        wrong = subprocess.run(
            ["env", "PGPASSWORD=wrong", *psql], capture_output=True, text=True, check=False
        )
        assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
        right = subprocess.run(
            ["env", "PGPASSWORD=s3cret-pw", *psql], capture_output=True, text=True, check=False
        )
        assert right.stdout.strip() == "1", right.stderr
        assert "s3cret-pw" not in server.conninfo()
        folder = server.socket_dir
    assert not folder.exists()
