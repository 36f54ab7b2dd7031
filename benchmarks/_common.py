"""Helpers shared by the benchmarks: timing with medians and a side-by-side report."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs (``setup`` runs before each, untimed)."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(title: str, ours: float, baseline: float, target: str, unit: str = "s") -> None:
    scale = 1000.0 if unit == "ms" else 1.0
    print(
        f"{title:<48} ours {ours * scale:9.3f} {unit}   baseline {baseline * scale:9.3f} {unit}   "
        f"ratio {ours / baseline:5.2f}x   (target {target})"
    )
