"""Shared fixtures: one seeded AWS emulator per test session (per xdist worker) and its env,
and a migrated store in a temporary folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lineage_assets import aws
from lineage_assets.store import LineageStore
from lineage_dev.emulator import NOT_FOR_EMULATOR, emulator_environment
from lineage_dev.emulator.seed import SeededAccount
from lineage_dev.emulator.server import EmulatorServer
from tests.support.demo_crawl import demo_crawl  # noqa: F401 (a session fixture, shared)
from tests.support.postgres import INSTALL_HINT, PostgresServer, running_postgres, server_binaries
from tests.support.store_backends import BACKENDS, LakeTemplate, StoreBackend


@pytest.fixture(autouse=True)
def fresh_boto3_default_session() -> Iterator[None]:
    """boto3's default session keeps the credentials it first resolved: a test that sets an
    assumed role's keys (and code it runs that calls `boto3.client`) must not hand them to the
    next test of the same worker, which would then act in the other account."""
    yield
    boto3.DEFAULT_SESSION = None


@pytest.fixture(scope="session")
def emulator() -> Iterator[tuple[EmulatorServer, SeededAccount]]:
    """A moto server on 127.0.0.1 in this process, extended and seeded (takes a few seconds)."""
    with EmulatorServer() as server:
        assert server.account is not None
        yield server, server.account


def point_at_emulator(patch: pytest.MonkeyPatch, endpoint_url: str) -> None:
    """Set (and undo after the test) the environment that sends every AWS client to it."""
    for name in NOT_FOR_EMULATOR:
        patch.delenv(name, raising=False)
    for name, value in emulator_environment(endpoint_url, {}).items():
        patch.setenv(name, value)


@pytest.fixture
def aws_env(
    monkeypatch: pytest.MonkeyPatch, emulator: tuple[EmulatorServer, SeededAccount]
) -> SeededAccount:
    """Point `boto3.client(...)` at the emulator with fake credentials; returns the account."""
    server, account = emulator
    point_at_emulator(monkeypatch, server.endpoint_url)
    return account


def account_s3(account: str) -> Any:
    """An S3 client acting in an emulated account of its own (an assumed role), so buckets made
    there never show in the seeded account that other tests list."""
    role = f"arn:aws:iam::{account}:role/tests"
    credentials = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="tests")[
        "Credentials"
    ]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return session.client("s3")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this session (per xdist worker) in a temporary directory;
    `postgres.create_database()` gives each test its own database. Skipped where PostgreSQL
    is not installed (`.ci/run` installs it)."""
    if server_binaries() is None:
        pytest.skip(INSTALL_HINT)
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def lake_template(postgres: PostgresServer) -> Iterator[LakeTemplate]:
    """A migrated empty lake that each lake-backed test copies (see store_backends)."""
    folder = Path(tempfile.mkdtemp(prefix="lake-template-"))
    try:
        yield LakeTemplate(postgres, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StoreBackend:
    """The store's backends in turn: the embedded DuckDB file, and DuckLake on a real
    PostgreSQL catalog (its own database and data folder per test)."""
    if request.param == "file":
        return StoreBackend("file", tmp_path)
    template: LakeTemplate = request.getfixturevalue("lake_template")
    data = tmp_path / "lake-data"
    data.mkdir()
    return StoreBackend("lake", tmp_path, template.copy(data))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LineageStore]:
    """A migrated store in a real DuckDB file, with the path of its published copy."""
    with LineageStore.open(tmp_path / "lineage.duckdb", tmp_path / "published.duckdb") as opened:
        yield opened
