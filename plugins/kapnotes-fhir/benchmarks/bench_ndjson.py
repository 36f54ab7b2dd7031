"""Benchmark: FHIR Bulk Data NDJSON written streaming, against building every resource in memory.

Builds (once, reused) a SQLite store of ~100,000 synthetic sessions, saved in parts of 1,000
clients (``kapnotes.synthetic.build_document(clients=1000, first_client=...)``), then exports the
first 10k, 50k and 100k sessions, each in a fresh process so that ``ru_maxrss`` is that export's:

* ``stream``: the ``fhir-ndjson`` exporter on ``RecordView.of_store(store)``;
* ``baseline``: the same resources built into one list, then written (the smaller sizes only).

It prints, for each, the tracemalloc peak (Python allocations during the export; the view's
clients are loaded before it starts), ``ru_maxrss`` (the whole process), and the time per 1,000
sessions (tracemalloc slows Python down: ``--no-trace`` times without it). Flat means the
streaming peak does not grow with the number of sessions.

Run: python plugins/kapnotes-fhir/benchmarks/bench_ndjson.py [--db PATH] [--notes text|none|docx,text]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

SESSIONS_PER_CLIENT = 11  # intake, preparation, 4 dosing + 4 integration, follow-up
PART = 1000  # clients per saved part


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
            print(f"  store: {have:,} sessions ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)


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


def export(db: Path, sessions: int, mode: str, notes: str, trace: bool, out: Path) -> dict[str, Any]:
    """One export, in this process: peak memory and time."""
    from kapnotes_fhir.context import ExportContext, Settings
    from kapnotes_fhir.ndjson import export_ndjson, line
    from kapnotes_fhir.record import record_entries

    from kapnotes.exporting import ExportOptions
    from kapnotes.store import open_store

    store = open_store(db, create=False)
    ids = store.client_ids()[: math.ceil(sessions / SESSIONS_PER_CLIENT)]
    view = view_of(store, ids)
    options = ExportOptions(extra={"note_content": notes})
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    if mode == "stream":
        paths = export_ndjson(view, options, out)
    else:  # baseline: every resource in one list, then written
        ctx = ExportContext(view, Settings.from_options(options, note_content=("text",)), mode="relative")
        resources = [e.resource for e in record_entries(ctx)]
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Any] = {}
        for r in resources:
            f = files.get(r["resourceType"]) or files.setdefault(
                r["resourceType"], (out / f"{r['resourceType']}.ndjson").open("w", encoding="utf-8")
            )
            f.write(line(r))
        for f in files.values():
            f.close()
        paths = sorted(out.glob("*.ndjson"))
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    store.close()
    encounters = out / "Encounter.ndjson"  # one Encounter per session
    return {
        "mode": mode,
        "sessions": sum(1 for _ in encounters.open(encoding="utf-8")),
        "seconds": elapsed,
        "tracemalloc_peak": peak,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
        "bytes_written": sum(p.stat().st_size for p in paths),
        "resources": sum(1 for p in paths for _ in p.open(encoding="utf-8")),
    }


def child(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = export(args.db, args.size, args.mode, args.notes, not args.no_trace, Path(tmp) / "out")
    print(json.dumps(result))


def mb(n: int | None) -> str:
    return "       -" if n is None else f"{n / 2**20:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "kapnotes-bench-100k.db")
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--baseline-sizes", default="10000,50000")
    parser.add_argument("--notes", default="text", help="note_content of the DocumentReferences [default: text]")
    parser.add_argument("--no-trace", action="store_true", help="time without tracemalloc")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline = {int(s) for s in args.baseline_sizes.split(",") if s}
    print(f"store {args.db}: building up to {max(sizes):,} sessions (reused when present)", file=sys.stderr)
    build_store(args.db, max(sizes))
    print(f"\nFHIR NDJSON export, note_content={args.notes!r}, tracemalloc {'off' if args.no_trace else 'on'}")
    print(f"{'sessions':>9} {'mode':<9} {'resources':>10} {'written MB':>10} {'tracemalloc peak MB':>20} "
          f"{'ru_maxrss MB':>13} {'s / 1000 sessions':>18}")
    for size in sizes:
        for mode in ("stream", "baseline"):
            if mode == "baseline" and size not in baseline:
                continue
            cmd = [sys.executable, __file__, "--child", "--db", str(args.db), "--size", str(size),
                   "--mode", mode, "--notes", args.notes]
            if args.no_trace:
                cmd.append("--no-trace")
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            print(f"{r['sessions']:>9,} {mode:<9} {r['resources']:>10,} {r['bytes_written'] / 2**20:>10.1f} "
                  f"{mb(r['tracemalloc_peak']):>20} {mb(r['ru_maxrss']):>13} "
                  f"{r['seconds'] / r['sessions'] * 1000:>18.2f}", flush=True)


if __name__ == "__main__":
    main()
