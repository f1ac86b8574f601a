"""What every benchmark shares: timing, peak memory, and printing figures and ratio verdicts.

A benchmark prints its figures first and its ratio(s) last, each with its goal. Ratios compare
against a reference measured in the same run, so they hold on a slow laptop and a fast CI box
alike; absolute times are printed for context only.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_CLEAR_REFS = Path("/proc/self/clear_refs")
_LABEL_WIDTH = 48


@dataclass(frozen=True)
class Result:
    """One ratio against a same-run reference, and its goal (None: printed for information)."""

    benchmark: str
    what: str
    ratio: float
    goal: float | None = None
    at_least: bool = False  # True: the goal is a floor (>=); False: a ceiling (<=)

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets its goal; None when there is no goal."""
        if self.goal is None:
            return None
        return self.ratio >= self.goal if self.at_least else self.ratio <= self.goal

    def verdict(self) -> str:
        """`0.04 (goal >= 0.5): MISSED`: the ratio, its goal and whether it is met."""
        if self.goal is None:
            return f"{self.ratio:.3g} (no goal, for information)"
        sign = ">=" if self.at_least else "<="
        return f"{self.ratio:.3g} (goal {sign} {self.goal:g}): {'met' if self.met else 'MISSED'}"


# -- timing ---------------------------------------------------------------------------------


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Run `action` once; its wall time in seconds and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def median_time(action: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall time of `repeat` runs of `action`, after `warmup` untimed runs."""
    for _ in range(warmup):
        action()
    return statistics.median(timed(action)[0] for _ in range(repeat))


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- peak memory ----------------------------------------------------------------------------


def reset_peak_rss() -> bool:
    """Reset the process's peak RSS (Linux only); False where it cannot be reset."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mib() -> float:
    """The process's peak resident set size in MiB, as getrusage reports it (KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- printing -------------------------------------------------------------------------------


def seconds(value: float) -> str:
    """A duration with a unit that keeps three significant digits readable."""
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def mib(size_bytes: float) -> str:
    """A size in MiB."""
    return f"{size_bytes / 2**20:.1f} MiB"


def header(name: str, description: str) -> None:
    """The title of one benchmark and what it measures."""
    print(f"\n== {name}: {description}")


def figure(label: str, value: str) -> None:
    """One measured figure, aligned under the benchmark's title."""
    print(f"   {label:<{_LABEL_WIDTH}} {value}".rstrip())


def note(text: str) -> None:
    """A remark under the figures (a diagnosis, a check, a caveat)."""
    print(f"   - {text}")


def report(result: Result) -> Result:
    """Print a ratio with its goal (the last lines of a benchmark) and pass it on."""
    print(f"   RATIO {result.what:<{_LABEL_WIDTH - 6}} {result.verdict()}")
    return result


def peak_memory(label: str, was_reset: bool) -> None:
    """The peak RSS since the last reset (or of the whole process where resets do not work)."""
    scope = "peak RSS" if was_reset else "peak RSS (whole process so far)"
    figure(f"{scope}, {label}", f"{peak_rss_mib():.0f} MiB")
