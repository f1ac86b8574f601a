"""Mutations of corpus statements for fuzzing: token drops and swaps, truncation, random bytes,
and very large statements. Deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Iterator


def mutate(statement: str, rng: random.Random) -> str:
    """One mutated copy of a statement."""
    words = statement.split()
    choice = rng.randrange(5)
    if choice == 0 and len(words) > 1:
        del words[rng.randrange(len(words))]
        return " ".join(words)
    if choice == 1 and len(words) > 2:
        i, j = rng.randrange(len(words)), rng.randrange(len(words))
        words[i], words[j] = words[j], words[i]
        return " ".join(words)
    if choice == 2:
        return statement[: rng.randrange(max(1, len(statement)))]
    if choice == 3:
        position = rng.randrange(max(1, len(statement)))
        noise = "".join(chr(rng.randrange(0, 0x250)) for _ in range(rng.randrange(1, 6)))
        return statement[:position] + noise + statement[position:]
    return statement.replace("(", "((", rng.randrange(1, 4))


def fuzz_statements(seeds: list[str], count: int, seed: int = 7) -> Iterator[str]:
    """`count` mutated statements drawn from `seeds`."""
    rng = random.Random(seed)
    for _ in range(count):
        yield mutate(rng.choice(seeds), rng)


def huge_statement(size: int = 1_000_000) -> str:
    """A valid INSERT … SELECT of about `size` characters (a long column list)."""
    columns = []
    total = 0
    index = 0
    while total < size:
        column = f"coalesce(a.col_{index}, b.col_{index}) AS c_{index}"
        columns.append(column)
        total += len(column) + 2
        index += 1
    # Generated SQL text for the parser; it is never executed.
    return "INSERT INTO t SELECT " + ", ".join(columns) + " FROM a JOIN b ON a.id = b.id"  # noqa: S608
