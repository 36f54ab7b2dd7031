"""Batch rendering on two cores (issue #16, item 3): 1,000 stored sessions to Word notes with
one worker and with two, interleaved, each repeated; then the same while another process keeps
one core busy.

Targets: on a quiet machine two workers render at least 1.8x the notes per second of one; with
one core busy, two workers are never slower than one (at least 1.0x). The busy process is a
Python busy loop started in its own session (so the kernel schedules it like an unrelated
service, not as part of this benchmark) before the runs and killed after them.

Besides the targets it prints the CPU time each contender used per note (this process and its
workers together): a design that scales spends no more CPU with two workers than with one.

    python benchmarks/bench_batch.py [--notes N] [--repeat R] [--to docx] [--quick]
    python benchmarks/bench_batch.py --threshold     # re-measure kapnotes.batch.PARALLEL_THRESHOLD

The store is built once into ``_common.CACHE`` and copied for each run of the benchmark (the
batches audit their notes into the copy). A full run takes about 15 minutes with Word notes.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import CACHE, ratio, report

import kapnotes.batch
from kapnotes.batch import render_all
from kapnotes.store import Store, open_store
from kapnotes.synthetic import build_document

SESSIONS_PER_CLIENT = 11  # what kapnotes.synthetic builds per client


def cached_store(clients: int) -> Path:
    """A store of ``clients`` synthetic clients in ``_common.CACHE``, built once."""
    path = CACHE / f"batch-{clients}-clients.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        with open_store(tmp) as store:
            store.save(build_document(clients=clients))
        os.replace(tmp, path)
    return path


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the workers) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def busy_core() -> Iterator[None]:
    """One core kept busy by a process of its own session for as long as the block runs."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    try:
        time.sleep(0.5)  # let it get going
        yield
    finally:
        proc.kill()
        proc.wait()


def compare(store: Store, out: Path, to: str, repeat: int) -> dict[int, tuple[float, float]]:
    """Median wall time and median CPU time of a batch with 1 and with 2 workers, interleaved."""
    n = len(store.session_ids())
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for workers in (1, 2):
            shutil.rmtree(out, ignore_errors=True)
            c0, t0 = cpu_seconds(), time.perf_counter()
            count = sum(1 for _ in render_all(store, out, to=to, workers=workers))
            walls[workers].append(time.perf_counter() - t0)
            cpus[workers].append(cpu_seconds() - c0)
            assert count == n, (count, n)
    return {w: (statistics.median(walls[w]), statistics.median(cpus[w])) for w in (1, 2)}


def targets(label: str, n: int, result: dict[int, tuple[float, float]], at_least: float) -> None:
    (one, cpu_one), (two, cpu_two) = result[1], result[2]
    ratio(f"batch {n} notes, 2 workers vs 1, {label}", n / two, n / one, at_least=at_least,
          unit="notes/s", baseline_name="1 worker")
    report(f"  CPU per note, 2 workers vs 1, {label}", cpu_two / n, cpu_one / n,
           "ms of CPU, this process and its workers; about 1.0x: no overhead", unit="ms")


def threshold(to_all: list[str], repeat: int) -> None:
    """Time 1 against 2 workers on small batches with the threshold out of the way."""
    kapnotes.batch.PARALLEL_THRESHOLD = 0
    print(f"{'notes':>6} {'exporter':>9} {'1 worker s':>11} {'2 workers s':>12} {'speed-up':>9}")
    for clients in (1, 2, 3, 4, 6):
        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "k.db"
            shutil.copy(cached_store(clients), db)
            with open_store(db, create=False) as store:
                n = len(store.session_ids())
                for to in to_all:
                    result = compare(store, Path(d) / "notes", to, repeat)
                    one, two = result[1][0], result[2][0]
                    print(f"{n:>6} {to:>9} {one:>11.3f} {two:>12.3f} {one / two:>8.2f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--to", default="docx", help="note exporter [docx]")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 110 notes, once each")
    ap.add_argument("--threshold", action="store_true", help="re-measure PARALLEL_THRESHOLD")
    args = ap.parse_args()
    if args.quick:
        args.notes, args.repeat = 110, 1
    if args.threshold:
        threshold(["docx", "markdown"], args.repeat)
        return
    clients = math.ceil(args.notes / SESSIONS_PER_CLIENT)
    load: Callable[[], str] = lambda: "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())  # noqa: E731
    print(f"{os.cpu_count()} CPUs; {load()}", flush=True)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "k.db"
        shutil.copy(cached_store(clients), db)
        with open_store(db, create=False) as store:
            n = len(store.session_ids())
            out = Path(d) / "notes"
            quiet = compare(store, out, args.to, args.repeat)
            targets("quiet", n, quiet, 1.8)
            print(f"  ({load()})", flush=True)
            with busy_core():
                busy = compare(store, out, args.to, args.repeat)
            targets("one core busy", n, busy, 1.0)
            print(f"  ({load()})", flush=True)


if __name__ == "__main__":
    main()
