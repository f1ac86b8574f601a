"""Reads the hand-checked SQL lineage corpus: `-- case:` blocks with expected lineage.

A case is a header of `-- key: value` lines, then its SQL, up to the next `-- case:`:
`dialect`, `schema` (JSON), `targets` / `sources` (comma-separated, `none` for empty),
`edges` (`target <- source transform`, separated by ` | `, may repeat; `none` for no edges),
`kinds` (statement kinds in order), `errors` (how many statements must fail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent


@dataclass
class Case:
    """One hand-checked script and what its lineage must be."""

    file: str
    line: int
    name: str
    sql: str = ""
    dialect: str | None = None
    schema: dict | None = None
    targets: list[str] | None = None
    sources: list[str] | None = None
    edges: set[tuple[str, str, str]] | None = None
    kinds: list[str] | None = None
    errors: int = 0
    sql_lines: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """`file:line name`, for test ids and messages."""
        return f"{self.file}:{self.line} {self.name}"


def _names(value: str) -> list[str]:
    """A comma-separated list; `none` is empty."""
    value = value.strip()
    return [] if value in ("", "none") else [v.strip() for v in value.split(",")]


def _edges(value: str) -> set[tuple[str, str, str]]:
    """`t.a <- s.b identity | …` as (target, source, transform) triples."""
    edges = set()
    for part in value.split("|"):
        part = part.strip()
        if not part or part == "none":
            continue
        target, rest = part.split("<-")
        source, transform = rest.split()
        edges.add((target.strip(), source.strip(), transform.strip()))
    return edges


def load_cases(directory: Path = CORPUS) -> list[Case]:
    """Every case of every `*.sql` file in the corpus folder, in file order."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.sql")):
        current: Case | None = None
        in_header = False
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            line = raw.rstrip()
            if line.startswith("-- case:"):
                current = Case(path.name, number, line.split(":", 1)[1].strip())
                cases.append(current)
                in_header = True
                continue
            if current is None:
                continue
            if in_header and line.startswith("-- ") and ":" in line:
                key, value = line[3:].split(":", 1)
                key = key.strip()
                if key == "dialect":
                    current.dialect = value.strip() or None
                elif key == "schema":
                    current.schema = json.loads(value)
                elif key == "targets":
                    current.targets = _names(value)
                elif key == "sources":
                    current.sources = _names(value)
                elif key == "edges":
                    current.edges = (current.edges or set()) | _edges(value)
                elif key == "kinds":
                    current.kinds = _names(value)
                elif key == "errors":
                    current.errors = int(value)
                continue
            in_header = False
            current.sql_lines.append(raw)
    for case in cases:
        case.sql = "\n".join(case.sql_lines).strip("\n") + "\n"
    return cases
