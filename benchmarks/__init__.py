"""Speed and memory benchmarks, run with `python -m benchmarks` (`make bench`).

Each `bench_NAME.py` module has `run(quick: bool) -> list[Result]`. Every figure that carries a
goal is a ratio against a reference measured in the same run, printed last in its benchmark
with the goal, never an absolute time; timings never go into the tests.
"""
