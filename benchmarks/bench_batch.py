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
    python benchmarks/bench_batch.py --timeline      # only the fixed cost of a 2-worker batch

It starts with a timeline of a 2-worker batch (the fixed cost measured directly): when the
first note is written in this process, when the workers are forked and ready, when they begin
their first unit and end their last, and how long the earlier worker waits for the later.

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


@contextmanager
def timeline_events(folder: Path) -> Iterator[Callable[[], list[tuple[float, str, str]]]]:
    """Record when each worker starts and ends its set-up and each unit (``time.perf_counter``,
    the same clock in every process): kapnotes.batch's worker functions wrapped (forked workers
    inherit the wrappers); yields a function returning the events so far as (time, process,
    what), process ``parent`` or ``w1``, ``w2``... in order of first event."""
    start, work = kapnotes.batch._start_worker, kapnotes.batch._work
    me = os.getpid()

    def log(what: str) -> None:
        with open(folder / f"{os.getpid()}.txt", "a", encoding="utf-8") as f:
            f.write(f"{time.perf_counter():.6f} {what}\n")

    def timed_start(*args):  # type: ignore[no-untyped-def]
        log("init-start")
        start(*args)
        log("init-end")

    def timed_work(unit):  # type: ignore[no-untyped-def]
        log("unit-start")
        done = work(unit)
        log("unit-end")
        return done

    # sent to the workers by name: pickled as kapnotes.batch._work, which it is meanwhile
    timed_work.__module__, timed_work.__qualname__ = work.__module__, work.__qualname__

    def events() -> list[tuple[float, str, str]]:
        found = []
        for f in folder.glob("*.txt"):
            pid = int(f.stem)
            for line in f.read_text(encoding="utf-8").splitlines():
                t, what = line.split(" ", 1)
                found.append((float(t), pid, what))
        found.sort()
        names: dict[int, str] = {me: "parent"}
        for _t, pid, _what in found:
            names.setdefault(pid, f"w{len(names)}")
        return [(t, names[pid], what) for t, pid, what in found]

    kapnotes.batch._start_worker, kapnotes.batch._work = timed_start, timed_work
    try:
        yield events
    finally:
        kapnotes.batch._start_worker, kapnotes.batch._work = start, work


def timeline(store: Store, out: Path, to: str, repeat: int) -> None:
    """The fixed cost of a 2-worker batch, measured directly: when the workers start and are
    ready, when they begin their first unit and end their last, and when the batch ends."""
    n = len(store.session_ids())
    rows: dict[str, list[float]] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d, timeline_events(Path(d)) as events:
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            first = None
            for _path in render_all(store, out, to=to, workers=2):
                first = first or time.perf_counter()
            end = time.perf_counter()
            found = events()
        workers = sorted({who for _t, who, _w in found if who != "parent"})
        at = {(who, what): [t - t0 for t, w, what_ in found if w == who and what_ == what]
              for who in workers for what in ("init-start", "init-end", "unit-start", "unit-end")}
        starts = [at[(w, "init-start")][0] for w in workers]
        ready = [at[(w, "init-end")][0] for w in workers]
        first_unit = [at[(w, "unit-start")][0] for w in workers]
        last_end = [at[(w, "unit-end")][-1] for w in workers]
        busy = sum(
            sum(e - s for s, e in zip(at[(w, "unit-start")], at[(w, "unit-end")], strict=True))
            for w in workers
        )
        wall = end - t0
        for key, value in (
            ("first note (this process, before the pool)", (first or end) - t0),
            ("first worker forked", min(starts)),
            ("last worker ready (store open)", max(ready)),
            ("first unit begun", min(first_unit)),
            ("first worker out of units", min(last_end)),
            ("last unit ended", max(last_end)),
            ("batch ended", wall),
            ("idle at the end (last - first worker out)", max(last_end) - min(last_end)),
            ("workers' units, share of 2 x wall", busy / (2 * wall)),
        ):
            rows.setdefault(key, []).append(value)
    print(f"timeline of a 2-worker batch of {n} notes ({to}), medians of {repeat}:")
    for key, values in rows.items():
        value = statistics.median(values)
        text = f"{value:.1%}" if key.startswith("workers'") else f"{value * 1000:8.1f} ms"
        print(f"  {key:<46} {text}")


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
    ap.add_argument("--timeline", action="store_true",
                    help="only the timeline of a 2-worker batch (its fixed cost)")
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
            timeline(store, out, args.to, args.repeat)
            if args.timeline:
                return
            quiet = compare(store, out, args.to, args.repeat)
            targets("quiet", n, quiet, 1.8)
            print(f"  ({load()})", flush=True)
            with busy_core():
                busy = compare(store, out, args.to, args.repeat)
            targets("one core busy", n, busy, 1.0)
            print(f"  ({load()})", flush=True)


if __name__ == "__main__":
    main()
