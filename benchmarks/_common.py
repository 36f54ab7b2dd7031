"""Helpers shared by the benchmarks: timing with medians, and targets reported as met or not.

Every benchmark states its result through :func:`ratio` (ours against a baseline measured in the
same run) or :func:`absolute` (a time or size against a limit). Each prints one line with the
target and ``MET`` / ``NOT MET``, and, when ``KAPNOTES_BENCH_RESULTS`` names a file (``make
bench`` sets it), appends the result to that file as one JSON line, so that
``benchmarks/run_all.py`` can print every target of every benchmark in one table at the end.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

#: Where built benchmark stores are kept and reused between runs (not in git).
CACHE = Path(os.environ.get("KAPNOTES_BENCH_CACHE", Path(__file__).resolve().parent / ".cache"))


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


def interleaved(contenders: dict[str, Callable[[], object]], repeat: int,
                setup: Callable[[], object] | None = None) -> dict[str, float]:
    """Median wall time of each contender, run in alternation ``repeat`` times (so that the
    machine's noise falls on all alike); ``setup`` runs untimed before every single run."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            if setup is not None:
                setup()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _scale(unit: str) -> float:
    return {"s": 1.0, "ms": 1000.0, "us": 1_000_000.0}.get(unit, 1.0)


def _record(entry: dict[str, object]) -> None:
    target = os.environ.get("KAPNOTES_BENCH_RESULTS")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def ratio(title: str, ours: float, baseline: float, *, at_most: float | None = None,
          at_least: float | None = None, unit: str = "s", baseline_name: str = "baseline") -> bool:
    """Report ``ours / baseline`` against a target (``at_most`` or ``at_least`` times); True if met."""
    r = ours / baseline
    if at_most is not None:
        met, target = r <= at_most, f"<= {at_most:g}x"
    elif at_least is not None:
        met, target = r >= at_least, f">= {at_least:g}x"
    else:
        met, target = True, "none"
    k = _scale(unit)
    print(
        f"{title:<52} ours {ours * k:10.3f} {unit}   {baseline_name} {baseline * k:10.3f} {unit}   "
        f"ratio {r:6.2f}x   target {target:<8} {'MET' if met else 'NOT MET'}",
        flush=True,
    )
    _record({"title": title, "kind": "ratio", "ours": ours, "baseline": baseline, "value": r,
             "target": target, "met": met, "unit": unit})
    return met


def absolute(title: str, value: float, *, at_most: float, unit: str = "ms",
             detail: str = "") -> bool:
    """Report a measured time (in seconds) against a limit (in seconds); True if met."""
    met = value <= at_most
    k = _scale(unit)
    print(
        f"{title:<52} {value * k:10.3f} {unit}   target <= {at_most * k:g} {unit}   "
        f"{'MET' if met else 'NOT MET'}{'   ' + detail if detail else ''}",
        flush=True,
    )
    _record({"title": title, "kind": "absolute", "value": value, "target": f"<= {at_most * k:g} {unit}",
             "met": met, "unit": unit})
    return met


def report(title: str, ours: float, baseline: float, target: str, unit: str = "s") -> None:
    """An informative side-by-side figure without a pass/fail target."""
    k = _scale(unit)
    print(
        f"{title:<52} ours {ours * k:10.3f} {unit}   baseline {baseline * k:10.3f} {unit}   "
        f"ratio {ours / baseline:6.2f}x   ({target})",
        flush=True,
    )
