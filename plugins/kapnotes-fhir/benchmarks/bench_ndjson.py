"""Benchmark: the FHIR Bulk Data NDJSON export, against the 0.1 code, on the same machine, in one run.

Two stores of synthetic sessions, each built by its own code (kept and reused when present, in
``benchmarks/.cache/``): the current code's (up to the largest ``--sizes``, in parts of 1,000
clients) and 0.1's (the ``--compare`` size, built by 0.1's own ``kapnotes.synthetic``). Then,
each export in a fresh process so that ``ru_maxrss`` is that export's:

1. ``--rounds`` rounds, interleaved: 0.1's ``fhir-ndjson`` on its store, then the current one on
   the same number of sessions of its store (with ``--workers``, default every CPU); the medians
   of each and their ratio. The target is the rate in **wall time** (a network waits on the
   wall clock): at least 5x the 0.1 rate (``_common.ratio``). Beside it, without a target, the
   rate in **total CPU** (this process and its worker processes), so that parallelism is not
   mistaken for efficiency. The 0.1 code is ``git archive`` of ``--baseline-rev`` (the 0.1.0
   release commit), put first on ``sys.path`` in its child processes; the current code is this
   checkout.
2. the current code on each of ``--sizes`` sessions, once: time per 1,000 sessions and peak
   memory. Flat memory means the peak does not grow with the number of sessions: the peak at
   the largest size is reported against the peak at the smallest (at most 1.5x).
3. ``--million``: one export of 1,000,000 sessions of the store ``--million-db`` (default: the
   shared store ``benchmarks/.cache/sessions-1m-migrated.db``, else
   ``/work/bench-cache/sessions-1m.db``; opened read-only, never built here), with its time and
   peak memory (no target of its own; the 0.1 comparison is step 1).

Time is wall-clock (``perf_counter``) and CPU: ``process_time`` of the exporting process plus
``RUSAGE_CHILDREN`` of its workers (they are waited for when the export ends, so their CPU is
all counted). Memory is the **sum of the peaks**, bounded from above: the exporting process's
``ru_maxrss`` plus, for an export on workers, the number of workers times the largest worker's
``ru_maxrss`` (``RUSAGE_CHILDREN`` gives the largest child's peak, not each one's). ``--trace``
adds the tracemalloc peak of the exporting process (slower). Every store is opened read-only.

Run: python plugins/kapnotes-fhir/benchmarks/bench_ndjson.py [--sizes 10000,100000] [--compare 2000]
     [--rounds 3] [--notes text] [--workers N] [--db PATH] [--baseline-db PATH] [--trace]
     [--million [--million-db PATH]]
     [--quick]   (a smoke run: 1,000 sessions, 500 compared, one round)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

SESSIONS_PER_CLIENT = 11  # intake, preparation, 4 dosing + 4 integration, follow-up
PART = 1000  # clients per saved part
#: The 0.1.0 release ("Changelog: 0.1.0 released", CHANGELOG ``## [0.1.0] - 2026-12-02``).
RELEASE_0_1 = "ec1c34f7d9e5bae68a97f0f11cacd15e0b74d304"
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
import _common  # noqa: E402 - benchmarks/_common.py, the targets' one way of reporting

#: The shared stores of 1,000,000 synthetic sessions (read-only; built by main's code elsewhere):
#: the first that exists, migrated to the current schema first (a read-only store is refused
#: when it needs a migration).
MILLION_DBS = (_common.CACHE / "sessions-1m-migrated.db", Path("/work/bench-cache/sessions-1m.db"))
MILLION_DB = next((p for p in MILLION_DBS if p.is_file()), MILLION_DBS[0])
#: The issue's target: the NDJSON export at least 5x the 0.1 rate.
TARGET_SPEED_UP = 5.0
#: Flat memory: the peak at the largest size at most this many times the peak at the smallest.
FLAT_MEMORY = 1.5


def build_store(path: Path, sessions: int) -> None:
    """A store with at least ``sessions`` sessions (kept and reused if already there)."""
    from kapnotes.store import open_store
    from kapnotes.synthetic import build_document

    if path.exists() and _sessions_in(path) >= sessions:  # enough: never opened for writing
        return
    with open_store(path) as store:
        have = store.counts()["sessions"]
        clients = len(store.client_ids())
        t0 = time.perf_counter()
        while have < sessions:
            n = min(PART, math.ceil((sessions - have) / SESSIONS_PER_CLIENT))
            store.save(build_document(clients=n, first_client=clients), actor="bench")
            clients += n
            have = store.counts()["sessions"]
            print(f"  store {path.name}: {have:,} sessions ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)


def _sessions_in(path: Path) -> int:
    """The sessions of a store, read without writing to it (it may be shared, or 0.1's)."""
    import sqlite3

    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def view_of(store: Any, client_ids: list[str]) -> Any:
    """A streaming view of some clients (``RecordView.of_store``, or built by hand on an older store)."""
    from kapnotes.exporting import RecordView

    if hasattr(store, "iter_courses") and hasattr(store, "clients"):
        return RecordView.of_store(store, client_ids=client_ids)
    return RecordView(
        clinic=store.clinic(),
        clinicians=list(store.clinicians().values()),
        clients=[store.client(c) for c in client_ids],
        courses=lambda: (course for cid in client_ids for course in store.courses_of(cid)),
    )


def export(db: Path, sessions: int, notes: str, workers: int | None, trace: bool, out: Path) -> dict[str, Any]:
    """One ``fhir-ndjson`` export of the first ``sessions`` sessions, from this process (on its
    worker processes when the code has them)."""
    import inspect

    from kapnotes_fhir import context
    from kapnotes_fhir.ndjson import export_ndjson

    import kapnotes
    from kapnotes.exporting import ExportOptions
    from kapnotes.store import open_store

    if "read_only" in inspect.signature(open_store).parameters:  # never written: may be shared
        store = open_store(db, create=False, read_only=True)
    else:  # the 0.1 code's store (its own copy)
        store = open_store(db, create=False)
    ids = store.client_ids()[: math.ceil(sessions / SESSIONS_PER_CLIENT)]
    view = view_of(store, ids)
    extra: dict[str, Any] = {"note_content": notes}
    n_workers = 0
    if "workers" in getattr(context, "OPTION_NAMES", ()):  # the current code (0.1 refuses the option)
        from kapnotes_fhir.ndjson_workers import parallel_plan

        if workers is not None:
            extra["workers"] = workers
        plan = parallel_plan(view, context.Settings.from_options(ExportOptions(extra=extra), note_content=("text",)))
        n_workers = plan[2] if plan is not None else 0
    options = ExportOptions(extra=extra)
    if trace:
        import tracemalloc

        tracemalloc.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    paths = export_ndjson(view, options, out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    peak = None
    if trace:
        import tracemalloc

        peak = tracemalloc.get_traced_memory()[1]
    store.close()
    encounters = out / "Encounter.ndjson"  # one Encounter per session
    return {
        "code": str(Path(kapnotes.__file__).parent),
        "sessions": sum(1 for _ in encounters.open(encoding="utf-8")),
        "wall": wall,
        "cpu": cpu + workers_cpu,  # this process and its workers
        "cpu_parent": cpu,
        "workers": n_workers,
        "tracemalloc_peak": peak,
        # the sum of the peaks, from above: this process's, and each worker's at most the largest
        "ru_maxrss": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                      + n_workers * after.ru_maxrss) * 1024,  # Linux: KiB
        "parent_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "worker_maxrss": after.ru_maxrss * 1024 if n_workers else None,
        "bytes_written": sum(p.stat().st_size for p in paths),
        "resources": sum(1 for p in paths for _ in p.open(encoding="utf-8")),
    }


def baseline_code(rev: str) -> Path:
    """The 0.1 sources (``src`` and the FHIR plugin's ``src``), extracted once per revision."""
    target = Path(tempfile.gettempdir()) / f"kapnotes-bench-code-{rev[:12]}"
    if not (target / "src" / "kapnotes").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src", "plugins/kapnotes-fhir/src"],
            check=True, capture_output=True,
        ).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target


def child(args: argparse.Namespace) -> None:
    if args.code_dir:  # the 0.1 code, ahead of the installed one
        base = Path(args.code_dir)
        sys.path[:0] = [str(base / "src"), str(base / "plugins" / "kapnotes-fhir" / "src")]
    if args.build:
        build_store(args.db, args.size)
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = export(args.db, args.size, args.notes, args.workers, args.trace, Path(tmp) / "out")
    print(json.dumps(result))


def run_child(args: argparse.Namespace, db: Path, size: int, code_dir: Path | None, *, build: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--db", str(db), "--size", str(size), "--notes", args.notes]
    if code_dir is not None:
        cmd += ["--code-dir", str(code_dir)]
    if build:
        cmd.append("--build")
    if args.trace:
        cmd.append("--trace")
    if args.workers is not None:
        cmd += ["--workers", str(args.workers)]
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout) if not build else {}


def mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.1f}"


def per_1000(r: dict[str, Any], key: str) -> float:
    return float(r[key]) / r["sessions"] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=_common.CACHE / "ndjson-current.db")
    parser.add_argument("--baseline-db", type=Path, default=_common.CACHE / "ndjson-0.1.db")
    parser.add_argument("--baseline-rev", default=RELEASE_0_1, help="the 0.1 code [default: the 0.1.0 release]")
    parser.add_argument("--sizes", default="10000,100000", help="sessions exported by the current code")
    parser.add_argument("--compare", type=int, default=2000, help="sessions of the interleaved comparison")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--notes", default="text", help="note_content of the DocumentReferences [default: text]")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the current code's export [default: every CPU; 1: one process]")
    parser.add_argument("--trace", action="store_true", help="also the tracemalloc peak (slower)")
    parser.add_argument("--million", action="store_true", help="also export 1,000,000 sessions of --million-db, once")
    parser.add_argument("--million-db", type=Path, default=MILLION_DB, help="a store of at least 1,000,000 sessions")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, one round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--code-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.quick:
        args.sizes, args.compare, args.rounds = "1000", 500, 1
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million and not args.million_db.is_file():
        parser.error(f"--million needs the store {args.million_db} (see --million-db)")
    old = baseline_code(args.baseline_rev)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    print(f"stores: {args.db} (current code, {max([*sizes, args.compare]):,} sessions), "
          f"{args.baseline_db} (0.1 code, {args.compare:,}); built when missing", file=sys.stderr)
    run_child(args, args.db, max([*sizes, args.compare]), None, build=True)
    run_child(args, args.baseline_db, args.compare, old, build=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"FHIR NDJSON export, note_content={args.notes!r}, tracemalloc {'on' if args.trace else 'off'}, "
          f"load average {load}, {os.cpu_count()} CPUs")

    print(f"\n1. 0.1 ({args.baseline_rev[:7]}) and current, {args.compare:,} sessions, {args.rounds} rounds interleaved")
    print(f"{'round':>5} {'code':<8} {'resources':>10} {'wall s/1000':>12} {'cpu s/1000':>11} {'workers':>8} "
          f"{'peak MB':>8}")
    runs: dict[str, list[dict[str, Any]]] = {"0.1": [], "current": []}
    for k in range(1, args.rounds + 1):
        for name, db, code in (("0.1", args.baseline_db, old), ("current", args.db, None)):
            r = run_child(args, db, args.compare, code)
            runs[name].append(r)
            print(f"{k:>5} {name:<8} {r['resources']:>10,} {per_1000(r, 'wall'):>12.2f} {per_1000(r, 'cpu'):>11.2f} "
                  f"{r.get('workers', 0):>8} {mb(r['ru_maxrss']):>8}", flush=True)
    med = {n: {key: statistics.median(per_1000(r, key) for r in rs) for key in ("wall", "cpu")} for n, rs in runs.items()}
    # the rate: sessions per second (the speed-up is the ratio of rates); the target is wall time
    _common.ratio(f"NDJSON export rate vs 0.1 (wall, {args.compare:,} sessions)",
                  1000 / med["current"]["wall"], 1000 / med["0.1"]["wall"], at_least=TARGET_SPEED_UP,
                  unit="sessions/s", baseline_name="0.1")
    _common.report(f"NDJSON export rate vs 0.1 (total CPU, {args.compare:,})",
                   1000 / med["current"]["cpu"], 1000 / med["0.1"]["cpu"],
                   "no target: CPU of the export and its workers, sessions per CPU second", unit="sessions/s")

    print("\n2. current code, once per size")
    print(f"{'sessions':>9} {'resources':>11} {'written MB':>10} {'wall s':>8} {'wall s/1000':>12} {'cpu s/1000':>11} "
          f"{'workers':>8} {'peak MB':>8} {'parent MB':>10} {'worker MB':>10} {'tracemalloc MB':>15}")
    by_size = {}
    for size in sizes:
        by_size[size] = r = run_child(args, args.db, size, None)
        _print_size(r)
    small, large = by_size[min(sizes)], by_size[max(sizes)]
    _common.report(f"NDJSON export, {large['sessions']:,} sessions (total CPU s / 1,000)",
                   per_1000(large, "cpu"), med["0.1"]["cpu"], "baseline: 0.1 at the compare size")
    if len(sizes) > 1:
        _common.ratio(f"NDJSON peak RSS, {large['sessions']:,} vs {small['sessions']:,} sessions",
                      large["ru_maxrss"] / 2**20, small["ru_maxrss"] / 2**20, at_most=FLAT_MEMORY,
                      unit="MB", baseline_name=f"{small['sessions']:,}")

    if args.million:
        print(f"\n3. current code, 1,000,000 sessions of {args.million_db} (read-only), once")
        r = run_child(args, args.million_db, 1_000_000, None)
        _print_size(r)
        print(f"1,000,000-session export: {r['sessions']:,} sessions, {r['resources']:,} resources, "
              f"wall {r['wall']:.0f} s, CPU {r['cpu']:.0f} s (workers included), {r['workers']} workers, "
              f"peak RSS {mb(r['ru_maxrss'])} MB (sum of the peaks, from above)", flush=True)
        _common.ratio(f"NDJSON peak RSS, {r['sessions']:,} vs {small['sessions']:,} sessions",
                      r["ru_maxrss"] / 2**20, small["ru_maxrss"] / 2**20, at_most=FLAT_MEMORY,
                      unit="MB", baseline_name=f"{small['sessions']:,}")


def _print_size(r: dict[str, Any]) -> None:
    print(f"{r['sessions']:>9,} {r['resources']:>11,} {r['bytes_written'] / 2**20:>10.1f} {r['wall']:>8.1f} "
          f"{per_1000(r, 'wall'):>12.2f} {per_1000(r, 'cpu'):>11.2f} {r['workers']:>8} {mb(r['ru_maxrss']):>8} "
          f"{mb(r['parent_maxrss']):>10} {mb(r['worker_maxrss']):>10} {mb(r['tracemalloc_peak']):>15}", flush=True)


if __name__ == "__main__":
    main()
