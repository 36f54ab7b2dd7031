"""Benchmark: the FHIR Bulk Data NDJSON export, against the 0.1 code, on the same machine, in one run.

Two stores of synthetic sessions, each built by its own code (kept and reused when present):
the current code's (up to the largest ``--sizes``, in parts of 1,000 clients) and 0.1's (the
``--compare`` size, built by 0.1's own ``kapnotes.synthetic``). Then, each export in a fresh
process so that ``ru_maxrss`` is that export's:

1. ``--rounds`` rounds, interleaved: 0.1's ``fhir-ndjson`` on its store, then the current one on
   the same number of sessions of its store; the medians of each and their ratio. The 0.1 code
   is ``git archive`` of ``--baseline-rev`` (the 0.1.0 release commit), put first on
   ``sys.path`` in its child processes; the current code is this checkout.
2. the current code on each of ``--sizes`` sessions, once: time per 1,000 sessions and peak
   memory (``ru_maxrss``). Flat memory means the peak does not grow with the number of sessions.

Time is wall-clock (``perf_counter``) and CPU (``process_time``, this process only): on a shared
machine the CPU time is the steadier figure, and the ratio is computed from both. Memory is
``ru_maxrss`` of the child (the whole process). ``--trace`` adds the tracemalloc peak (slower).

Run: python plugins/kapnotes-fhir/benchmarks/bench_ndjson.py [--sizes 100000] [--compare 2000]
     [--rounds 3] [--notes text] [--db PATH] [--baseline-db PATH] [--trace]
     (1,000,000 sessions: --sizes 1000000; building that store takes about 40 minutes here)
"""

from __future__ import annotations

import argparse
import json
import math
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


def build_store(path: Path, sessions: int) -> None:
    """A store with at least ``sessions`` sessions (kept and reused if already there)."""
    from kapnotes.store import open_store
    from kapnotes.synthetic import build_document

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


def export(db: Path, sessions: int, notes: str, trace: bool, out: Path) -> dict[str, Any]:
    """One ``fhir-ndjson`` export of the first ``sessions`` sessions, in this process."""
    from kapnotes_fhir.ndjson import export_ndjson

    import kapnotes
    from kapnotes.exporting import ExportOptions
    from kapnotes.store import open_store

    store = open_store(db, create=False)
    ids = store.client_ids()[: math.ceil(sessions / SESSIONS_PER_CLIENT)]
    view = view_of(store, ids)
    options = ExportOptions(extra={"note_content": notes})
    if trace:
        import tracemalloc

        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    paths = export_ndjson(view, options, out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
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
        "cpu": cpu,
        "tracemalloc_peak": peak,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
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
        result = export(args.db, args.size, args.notes, args.trace, Path(tmp) / "out")
    print(json.dumps(result))


def run_child(args: argparse.Namespace, db: Path, size: int, code_dir: Path | None, *, build: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--db", str(db), "--size", str(size), "--notes", args.notes]
    if code_dir is not None:
        cmd += ["--code-dir", str(code_dir)]
    if build:
        cmd.append("--build")
    if args.trace:
        cmd.append("--trace")
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout) if not build else {}


def mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.1f}"


def per_1000(r: dict[str, Any], key: str) -> float:
    return float(r[key]) / r["sessions"] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tmp = Path(tempfile.gettempdir())
    parser.add_argument("--db", type=Path, default=tmp / "kapnotes-bench-ndjson.db")
    parser.add_argument("--baseline-db", type=Path, default=tmp / "kapnotes-bench-ndjson-0.1.db")
    parser.add_argument("--baseline-rev", default=RELEASE_0_1, help="the 0.1 code [default: the 0.1.0 release]")
    parser.add_argument("--sizes", default="10000,100000", help="sessions exported by the current code")
    parser.add_argument("--compare", type=int, default=2000, help="sessions of the interleaved comparison")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--notes", default="text", help="note_content of the DocumentReferences [default: text]")
    parser.add_argument("--trace", action="store_true", help="also the tracemalloc peak (slower)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--code-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    old = baseline_code(args.baseline_rev)
    print(f"stores: {args.db} (current code, {max([*sizes, args.compare]):,} sessions), "
          f"{args.baseline_db} (0.1 code, {args.compare:,}); built when missing", file=sys.stderr)
    run_child(args, args.db, max([*sizes, args.compare]), None, build=True)
    run_child(args, args.baseline_db, args.compare, old, build=True)

    print(f"FHIR NDJSON export, note_content={args.notes!r}, tracemalloc {'on' if args.trace else 'off'}")
    print(f"\n1. 0.1 ({args.baseline_rev[:7]}) and current, {args.compare:,} sessions, {args.rounds} rounds interleaved")
    print(f"{'round':>5} {'code':<8} {'resources':>10} {'wall s/1000':>12} {'cpu s/1000':>11} {'ru_maxrss MB':>13}")
    runs: dict[str, list[dict[str, Any]]] = {"0.1": [], "current": []}
    for k in range(1, args.rounds + 1):
        for name, db, code in (("0.1", args.baseline_db, old), ("current", args.db, None)):
            r = run_child(args, db, args.compare, code)
            runs[name].append(r)
            print(f"{k:>5} {name:<8} {r['resources']:>10,} {per_1000(r, 'wall'):>12.2f} {per_1000(r, 'cpu'):>11.2f} "
                  f"{mb(r['ru_maxrss']):>13}", flush=True)
    med = {n: {key: statistics.median(per_1000(r, key) for r in rs) for key in ("wall", "cpu")} for n, rs in runs.items()}
    for key in ("wall", "cpu"):
        print(f"median {key}: 0.1 {med['0.1'][key]:.2f} s/1000, current {med['current'][key]:.2f} s/1000, "
              f"speed-up {med['0.1'][key] / med['current'][key]:.2f}x")

    print("\n2. current code, once per size")
    print(f"{'sessions':>9} {'resources':>11} {'written MB':>10} {'wall s':>8} {'wall s/1000':>12} {'cpu s/1000':>11} "
          f"{'ru_maxrss MB':>13} {'tracemalloc MB':>15}")
    for size in sizes:
        r = run_child(args, args.db, size, None)
        print(f"{r['sessions']:>9,} {r['resources']:>11,} {r['bytes_written'] / 2**20:>10.1f} {r['wall']:>8.1f} "
              f"{per_1000(r, 'wall'):>12.2f} {per_1000(r, 'cpu'):>11.2f} {mb(r['ru_maxrss']):>13} "
              f"{mb(r['tracemalloc_peak']):>15}", flush=True)


if __name__ == "__main__":
    main()
