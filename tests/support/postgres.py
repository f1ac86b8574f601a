"""A throwaway PostgreSQL server for tests: Debian's binaries, a data folder in a fresh temporary
directory, a Unix socket there and TCP on 127.0.0.1 at a free port, stopped and deleted after.

As root, `initdb` refuses to run, so the server runs as the `postgres` user through `runuser`
(the temporary directory is chowned to it; pytest's `tmp_path` is 0700, hence `mkdtemp`). With a
password the server asks for it over TCP (scram-sha-256) and trusts the local socket only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "PostgreSQL is not installed: apt-get install -y postgresql"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and as whom to connect."""

    host: str
    port: int
    user: str
    password: str | None
    socket_dir: Path
    binaries: Path
    as_postgres: tuple[str, ...]

    def conninfo(self, dbname: str = "postgres", *, with_password: bool = False) -> str:
        """A libpq keyword/value string (`host=… port=… user=… dbname=…`); the password is
        left out unless asked for (pass it as PGPASSWORD instead)."""
        parts = [f"host={self.host}", f"port={self.port}", f"user={self.user}", f"dbname={dbname}"]
        if with_password and self.password is not None:
            parts.append(f"password={self.password}")
        return " ".join(parts)

    def url(self, dbname: str = "postgres") -> str:
        """A `postgresql://` URL without the password (SQLAlchemy, Dagster)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL as the superuser over the trusted local socket; returns psql's output."""
        done = subprocess.run(
            [*self.as_postgres, str(self.binaries / "psql"), "-h", str(self.socket_dir),
             "-p", str(self.port), "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1",
             "-X", "-q", "-t", "-A", "-c", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def create_database(self, prefix: str = "test", template: str | None = None) -> str:
        """A new database with a unique name (one per test keeps tests apart): empty, or a
        copy of `template` (which must have no connection open)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        self.psql(f'CREATE DATABASE "{name}" OWNER "{self.user}"{copy}')
        return name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_postgres(password: str | None = None) -> Iterator[PostgresServer]:
    """Start a server in a new temporary directory; stop it and delete everything after."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(INSTALL_HINT)
    tmp = Path(tempfile.mkdtemp(prefix="pg-"))
    as_postgres: tuple[str, ...] = ()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(tmp, user.pw_uid, user.pw_gid)
        as_postgres = ("runuser", "-u", "postgres", "--")
    data, port = tmp / "data", _free_port()

    def run(*args: str | Path) -> None:
        subprocess.run([*as_postgres, *map(str, args)], check=True, capture_output=True)

    auth = ["-A", "trust"]
    if password is not None:
        pwfile = tmp / "pwfile"
        pwfile.write_text(password + "\n")
        if as_postgres:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        auth = [f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256"]
    try:
        run(binaries / "initdb", "-D", data, "-U", "postgres", *auth, "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        if password is not None:
            (tmp / "pwfile").unlink()
        run(binaries / "pg_ctl", "-D", data, "-l", tmp / "log", "-w", "-o",
            f"-F -k {tmp} -p {port} -c listen_addresses=127.0.0.1", "start")  # fmt: skip
        try:
            yield PostgresServer(
                "127.0.0.1", port, "postgres", password, tmp, binaries, as_postgres
            )
        finally:
            subprocess.run(
                [*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                 "stop"],
                capture_output=True, check=False,
            )  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
