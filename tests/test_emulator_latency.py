"""The emulator's optional latency: configured by argument, variable or at run time, bounded,
and every call still answered through it."""

from __future__ import annotations

import boto3
import pytest

from lineage_dev.emulator.latency import LATENCY_VARIABLE, Delayed, latency_from_env
from lineage_dev.emulator.seed import CREDENTIALS
from lineage_dev.emulator.server import EmulatorServer, parse_args


def test_the_latency_comes_from_the_variable_and_is_bounded(monkeypatch):
    monkeypatch.delenv(LATENCY_VARIABLE, raising=False)
    assert latency_from_env() == 0.0
    monkeypatch.setenv(LATENCY_VARIABLE, "50")
    assert latency_from_env() == 50.0
    for bad in ("-1", "600000"):
        monkeypatch.setenv(LATENCY_VARIABLE, bad)
        with pytest.raises(ValueError, match=LATENCY_VARIABLE):
            latency_from_env()
    assert parse_args(["--latency-ms", "25"]).latency_ms == 25.0


def test_the_delayed_app_answers_what_the_wrapped_app_answers():
    seen = []

    def app(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return [b"ok"]

    delayed = Delayed(app, 1)
    assert delayed({"PATH_INFO": "/x"}, lambda *_: None) == [b"ok"] and seen == ["/x"]
    with pytest.raises(ValueError):
        Delayed(app, -5)


def test_a_running_emulator_takes_a_new_latency_and_still_answers(monkeypatch):
    monkeypatch.delenv(LATENCY_VARIABLE, raising=False)
    with EmulatorServer(seed=False, latency_ms=0) as server:
        assert server.latency_ms == 0.0
        server.latency_ms = 5
        sts = boto3.client(
            "sts", region_name="us-east-1", endpoint_url=server.endpoint_url, **CREDENTIALS
        )
        assert sts.get_caller_identity()["Account"]
        with pytest.raises(ValueError):
            server.latency_ms = -1
        assert server.latency_ms == 5.0
