"""moto's per-request lookups, remembered by the emulator: each host's backend is found once,
each response class's method names listed once, and a method added to a class later is still
dispatched to."""

from __future__ import annotations

import boto3
from moto import backends
from moto.core import responses
from moto.core.utils import method_names_from_class
from moto.sts.responses import TokenResponse

from lineage_dev.emulator import dispatch
from lineage_dev.emulator.seed import CREDENTIALS
from lineage_dev.emulator.server import EmulatorServer


def test_each_host_is_mapped_to_its_backend_once(monkeypatch):
    listed = []
    original = backends.list_of_moto_modules

    def counted():
        listed.append(1)
        return original()

    monkeypatch.setattr(backends, "list_of_moto_modules", counted)
    with EmulatorServer(seed=False) as server:
        sts = boto3.client(
            "sts", region_name="us-east-1", endpoint_url=server.endpoint_url, **CREDENTIALS
        )
        for _ in range(5):
            assert sts.get_caller_identity()["Account"]
        with server.counting_calls() as calls:
            assert sts.get_caller_identity()["Account"]
    assert calls["sts:GetCallerIdentity"] == 1
    # the first request maps the host (moto looks twice); the next five find it remembered
    assert 1 <= len(listed) <= 2, len(listed)


def test_method_names_follow_methods_added_after_the_first_lookup(monkeypatch):
    dispatch.install()
    assert responses.method_names_from_class is dispatch._remembered_method_names
    before = responses.method_names_from_class(TokenResponse)
    assert "get_caller_identity" in before and "an_added_operation" not in before

    def an_added_operation(self):  # what moto_ext.install adds to a response class
        return "{}"

    monkeypatch.setattr(TokenResponse, "an_added_operation", an_added_operation, raising=False)
    assert "an_added_operation" in responses.method_names_from_class(TokenResponse)
    monkeypatch.delattr(TokenResponse, "an_added_operation")
    assert responses.method_names_from_class(TokenResponse) == before


def test_the_remembered_names_are_moto_s_own():
    assert dispatch._remembered_method_names(TokenResponse) == method_names_from_class(
        TokenResponse
    )
