"""The hand-checked corpus (tests/sql_corpus/*.sql): every case's tables, kinds, errors and
column edges must match the expectations written by reading the SQL, not by running it."""

from __future__ import annotations

import pytest
from sql_corpus.corpus import Case, load_cases

from lineage_assets.sql import extract_lineage

CASES = load_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    lineage = extract_lineage(case.sql, case.dialect, case.schema)
    failed = [s for s in lineage.statements if s.error]
    assert len(failed) == case.errors, [s.error for s in failed]
    if case.kinds is not None:
        assert [s.kind for s in lineage.statements] == case.kinds
    if case.targets is not None:
        assert sorted(lineage.targets) == sorted(case.targets)
    if case.sources is not None:
        assert sorted(lineage.sources) == sorted(case.sources)
    if case.edges is not None:
        found = {(e.target, e.source, e.transform) for e in lineage.column_lineage}
        assert sorted(found) == sorted(case.edges)
