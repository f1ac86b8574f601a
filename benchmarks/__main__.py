"""`python -m benchmarks [--quick] [NAME ...]`: run every `bench_NAME` module, or those named.

Prints each benchmark's figures and ratios, then a summary of every ratio against its goal.
The exit status is 0 even when a goal is missed: benchmarks report, they do not gate.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import time

import duckdb

import benchmarks
from benchmarks.harness import Result

PREFIX = "bench_"


def available() -> list[str]:
    """Names of the benchmark modules in this package (`bench_store` → `store`)."""
    return sorted(
        module.name.removeprefix(PREFIX)
        for module in pkgutil.iter_modules(benchmarks.__path__)
        if module.name.startswith(PREFIX)
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: benchmark names (default all) and --quick."""
    names = available()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(names)}")
    args.names = args.names or names
    return args


def print_summary(results: list[Result], elapsed: float) -> None:
    """Every ratio with its goal, and how many goals were missed."""
    missed = sum(result.met is False for result in results)
    print(f"\n== summary: {len(results)} ratios, {missed} goals missed, {elapsed:.0f} s in all")
    for result in results:
        print(f"   {result.benchmark:<18} {result.what:<32} {result.verdict()}")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks in order and print their summary."""
    args = parse_args(argv)
    print(
        f"benchmarks {' '.join(args.names)}{' (quick)' if args.quick else ''}: "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )
    start = time.perf_counter()
    results: list[Result] = []
    for name in args.names:
        module = importlib.import_module(f"benchmarks.{PREFIX}{name}")
        results += module.run(quick=args.quick)
        sys.stdout.flush()
    print_summary(results, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
