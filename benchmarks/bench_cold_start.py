"""Cold start (issue #16, item 1): ``kapnotes --help`` and ``import kapnotes``, side by side.

Each contender runs in a fresh process from this venv, the contenders of a target interleaved
(so that the machine's noise falls on all alike); the median of ``--repeat`` runs (>= 15) is
compared, and each process's CPU time (user + system, from ``getrusage``) is printed beside it.

1. ``kapnotes --help`` against ``sqlite-utils --help`` (another click CLI of the same venv):
   target <= 0.5x. The root help lists every command, plugin commands included, from the
   command cache (``KAPNOTES_CACHE_DIR``, a temporary folder here, filled by the warm-up run);
   with an empty cache (each run in a new folder) it is measured too, for information.
2. ``import kapnotes`` and loading a document's machinery, against ``import attrs, cattrs``:
   target <= 1.3x. *The machinery* is every module ``kapnotes.loads`` needs (the model classes
   built, the serialization edge) and the project converter built:
   ``import kapnotes; kapnotes.loads; kapnotes.serialization.converter()``.
   For information (no target): ``kapnotes.loads(<a minimal valid document>)``, which also
   loads the plugins (reading a document checks it against what they registered), and the
   machinery's phases timed inside one process (``import kapnotes``, the model, the
   serialization edge, ``converter()``).

Byte-code is written before timing (``PYTHONDONTWRITEBYTECODE`` is dropped from the child
environment and every contender runs twice untimed), as an installed kapnotes has it.

Run: ``python benchmarks/bench_cold_start.py [--repeat N] [--quick]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import ratio, report

BIN = Path(sys.executable).parent
PY = sys.executable

#: A minimal valid kapnotes document (format 1.0 is read and upgraded by every 1.x kapnotes).
MINIMAL_DOCUMENT = '{"format": "kapnotes", "format_version": "1.0"}'

MACHINERY = "import kapnotes; kapnotes.loads; kapnotes.serialization.converter()"
LOADS_MINIMAL = f"import kapnotes; kapnotes.loads({MINIMAL_DOCUMENT!r})"
BASELINE_IMPORT = "import attrs, cattrs"

#: The machinery's phases, timed inside one fresh process (for information: where the time goes).
PHASES = (
    ("attrs+cattrs", "import attrs, cattrs"),
    ("import kapnotes", "import kapnotes"),
    ("kapnotes.model", "import kapnotes.model"),
    ("serialization edge", "import kapnotes.serialization; kapnotes.loads"),
    ("converter()", "kapnotes.serialization.converter()"),
)
PHASES_SCRIPT = "\n".join(
    ["import time", "_t = [time.perf_counter()]"]
    + [f"{code}; _t.append(time.perf_counter())" for _, code in PHASES]
    + ["print(' '.join(f'{(b - a) * 1000:.3f}' for a, b in zip(_t, _t[1:])))"]
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def _executable(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            sys.exit(f"bench_cold_start: {name} is not installed in {BIN} (run make install)")
        return found
    return str(path)


class Contender:
    """One command line, run in a fresh process; wall and CPU time of each run are kept."""

    def __init__(self, name: str, argv: list[str], env: Callable[[], dict[str, str]]) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, *, timed: bool = True) -> None:
        env = self.env()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(self.argv, env=env, capture_output=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"bench_cold_start: {' '.join(self.argv)} failed ({done.returncode}):\n"
                     f"{done.stderr.decode(errors='replace')}")
        if timed:
            self.wall.append(wall)
            self.cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def interleave(contenders: list[Contender], repeat: int) -> None:
    for c in contenders:  # warm-up: byte-code written, caches filled
        c.run(timed=False)
        c.run(timed=False)
    for _ in range(repeat):
        for c in contenders:
            c.run()


def cpu_line(*contenders: Contender) -> None:
    shown = "   ".join(f"{c.name} {c.median_cpu * 1000:.1f} ms" for c in contenders)
    print(f"{'  CPU time (median)':<52} {shown}", flush=True)


def bench_help(repeat: int, cache: Path) -> bool:
    """Returns whether the help listed from the cache is the help without it."""
    env_cached = lambda: _env(KAPNOTES_CACHE_DIR=str(cache))  # noqa: E731
    empties: list[str] = []

    def env_empty() -> dict[str, str]:
        empties.append(tempfile.mkdtemp(prefix="empty-", dir=cache.parent))
        return _env(KAPNOTES_CACHE_DIR=empties[-1])

    ours = Contender("kapnotes --help", [_executable("kapnotes"), "--help"], env_cached)
    cold = Contender("kapnotes --help (empty cache)", [_executable("kapnotes"), "--help"], env_empty)
    theirs = Contender("sqlite-utils --help", [_executable("sqlite-utils"), "--help"], _env)
    interleave([ours, theirs, cold], repeat)
    ratio("cold `kapnotes --help` vs `sqlite-utils --help`", ours.median, theirs.median,
          at_most=0.5, unit="ms", baseline_name="sqlite-utils")
    cpu_line(ours, theirs)
    report("  the same with an empty command cache", cold.median, theirs.median,
           "no target: the first run after a plugin changed", "ms")
    listed = subprocess.run([_executable("kapnotes"), "--help"], env=env_cached(),
                            capture_output=True, text=True, check=True).stdout
    uncached = subprocess.run([_executable("kapnotes"), "--help"], env=env_empty(),
                              capture_output=True, text=True, check=True).stdout
    same = listed == uncached
    print(f"{'  help from the cache = help without it':<52} {'yes' if same else 'NO'}")
    return same


def bench_import(repeat: int) -> None:
    ours = Contender("kapnotes", [PY, "-c", MACHINERY], _env)
    theirs = Contender("attrs+cattrs", [PY, "-c", BASELINE_IMPORT], _env)
    loads = Contender("loads(minimal)", [PY, "-c", LOADS_MINIMAL], _env)
    interleave([ours, theirs, loads], repeat)
    ratio("`import kapnotes` + loads machinery vs attrs+cattrs", ours.median, theirs.median,
          at_most=1.3, unit="ms", baseline_name="attrs+cattrs")
    cpu_line(ours, theirs)
    report("  `kapnotes.loads(minimal document)` (plugins too)", loads.median, theirs.median,
           "no target: reading a document loads every plugin", "ms")
    cpu_line(loads)


def bench_phases(repeat: int) -> None:
    """The median of each phase of the machinery over ``repeat`` fresh processes."""
    runs: list[list[float]] = []
    for i in range(repeat + 1):  # the first run is a warm-up
        done = subprocess.run([PY, "-c", PHASES_SCRIPT], env=_env(), capture_output=True,
                              text=True, check=True)
        if i:
            runs.append([float(x) for x in done.stdout.split()])
    medians = [statistics.median(r[i] for r in runs) for i in range(len(PHASES))]
    shown = "   ".join(f"{name} {ms:.1f}" for (name, _), ms in zip(PHASES, medians, strict=True))
    print(f"{'  phases in one process (median ms)':<52} {shown}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15, help="runs per contender (default 15)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 3 runs per contender")
    args = ap.parse_args()
    repeat = 3 if args.quick else max(args.repeat, 1)
    print(f"cold start: medians of {repeat} fresh processes per contender, interleaved; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kapnotes-cold-") as d:
        cache = Path(d) / "cache"
        cache.mkdir()
        same = bench_help(repeat, cache)
    bench_import(repeat)
    bench_phases(repeat)
    if not same:
        sys.exit("bench_cold_start: the help listed from the command cache differs from the help")


if __name__ == "__main__":
    main()
