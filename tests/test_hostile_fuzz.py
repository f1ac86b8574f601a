"""A fast slice of the hostile-input fuzz (the full run is `python -m benchmarks hostile`):
crafted extremes and mutated inputs through the SQL engine, the SageMaker resolver and the S3
sampler; no exception may escape any of them."""

from __future__ import annotations

import logging
import random

import pytest

from benchmarks.hostile_fuzz import (
    Tally,
    definition_cases,
    run_case,
    s3_cases,
    sql_cases,
)
from tests.conftest import account_s3

SCALE = 0.25  # crafted extremes at a quarter of the benchmark's size: still past every bound


@pytest.fixture(autouse=True)
def quiet_sqlglot(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="sqlglot")


def _run(cases) -> Tally:
    tally = Tally()
    for case in cases:
        run_case(case, tally, cap_s=None, hang_s=None)
    return tally


def test_hostile_sql_never_raises() -> None:
    tally = _run(sql_cases(150, random.Random(1), SCALE))
    assert tally.runs["sql"] == 150
    assert tally.escaped == []


def test_hostile_pipeline_definitions_never_raise() -> None:
    tally = _run(definition_cases(150, random.Random(2), SCALE))
    assert tally.runs["sagemaker"] == 150
    assert tally.escaped == []


def test_hostile_s3_objects_never_raise(aws_env) -> None:
    """In the session's emulator, in an account of its own (an in-process moto mock would reset
    the emulator every other test of this worker uses)."""
    tally = _run(s3_cases(SCALE, account_s3("210987654326")))
    assert tally.runs["s3"] > 30
    assert tally.escaped == []


def test_an_escaping_exception_is_counted() -> None:
    """The harness itself can fail: a case that raises is reported, not swallowed."""
    from benchmarks.hostile_fuzz import Case

    def deep(n: int) -> int:
        return deep(n + 1)

    tally = _run([Case("probe", "recursion", lambda: deep(0)), Case("probe", "fine", int)])
    assert tally.runs["probe"] == 2
    assert len(tally.escaped) == 1 and "RecursionError" in tally.escaped[0]
