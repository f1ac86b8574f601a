"""Shared fixtures: one seeded AWS emulator per test session (per xdist worker) and its env."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from lineage_assets.emulator.seed import SeededAccount
from lineage_assets.emulator.server import EmulatorServer

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
UNSET_AWS_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL_S3")


@pytest.fixture(scope="session")
def emulator() -> Iterator[tuple[EmulatorServer, SeededAccount]]:
    """A moto server on 127.0.0.1 in this process, extended and seeded (takes a few seconds)."""
    with EmulatorServer() as server:
        assert server.account is not None
        yield server, server.account


@pytest.fixture
def aws_env(
    monkeypatch: pytest.MonkeyPatch, emulator: tuple[EmulatorServer, SeededAccount]
) -> SeededAccount:
    """Point `boto3.client(...)` at the emulator with fake credentials; returns the account."""
    server, account = emulator
    for name in UNSET_AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
    return account
