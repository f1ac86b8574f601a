"""Precision and recall of the SQL lineage engine over the hand-checked corpus.

Run: `.venv/bin/python tests/sql_corpus/score.py`. Tables are scored on script targets and
sources; columns on (target, source) pairs, and separately on the transform of matched pairs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from corpus import load_cases

from lineage_assets.sql import extract_lineage


@dataclass
class Tally:
    """True positives, false positives and false negatives of one measure."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: set, found: set) -> None:
        """Count one case's expected against found items."""
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)

    def precision(self) -> float:
        """Share of found items that were expected."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        """Share of expected items that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score() -> dict[str, object]:
    """Tallies for tables, column pairs and transforms over every case that states them."""
    tables, columns = Tally(), Tally()
    transforms_right = transforms_total = 0
    cases = load_cases()
    for case in cases:
        lineage = extract_lineage(case.sql, case.dialect, case.schema)
        if case.targets is not None:
            tables.add({("t", n) for n in case.targets}, {("t", n) for n in lineage.targets})
        if case.sources is not None:
            tables.add({("s", n) for n in case.sources}, {("s", n) for n in lineage.sources})
        if case.edges is not None:
            found = {(e.target, e.source): e.transform for e in lineage.column_lineage}
            expected = {(t, s): x for t, s, x in case.edges}
            columns.add(set(expected), set(found))
            for pair, transform in expected.items():
                if pair in found:
                    transforms_total += 1
                    transforms_right += found[pair] == transform
    return {
        "cases": len(cases),
        "tables": tables,
        "columns": columns,
        "transform_accuracy": transforms_right / transforms_total if transforms_total else 1.0,
    }


def main() -> None:
    """Print the scores."""
    result = score()
    tables, columns = result["tables"], result["columns"]
    print(f"cases: {result['cases']}")
    print(f"tables:  precision {tables.precision():.3f}  recall {tables.recall():.3f}  ({tables})")
    print(
        f"columns: precision {columns.precision():.3f}  recall {columns.recall():.3f}  ({columns})"
    )
    print(f"transform class right on matched column pairs: {result['transform_accuracy']:.3f}")


if __name__ == "__main__":
    main()
