"""Run every benchmark, one after the other (``make bench``), then print every target in one table.

The benchmarks are ``benchmarks/bench_*.py`` and each first-party plugin's
``plugins/*/benchmarks/bench_*.py``. Each reports its targets through ``_common.ratio`` /
``_common.absolute``; they are collected here (``KAPNOTES_BENCH_RESULTS``) and printed at the end
with whether each is met, beside the machine's load average before and after (the benchmarks are
only meaningful on a quiet machine) and the busiest other processes when the run started.

    python benchmarks/run_all.py [--only NAME ...] [--quick]

``--quick`` passes ``--quick`` to the benchmarks that have one (smaller sizes, fewer repeats:
a smoke run, not a measurement).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scripts() -> list[Path]:
    return sorted(HERE.glob("bench_*.py")) + sorted(ROOT.glob("plugins/*/benchmarks/bench_*.py"))


def busiest_processes(limit: int = 5) -> list[str]:
    """The other processes using the most CPU right now (from ``ps``), to say what else ran;
    every process is listed (another Python's test run is the likeliest competitor) but this
    one and ``ps`` itself."""
    try:
        out = subprocess.run(["ps", "-eo", "pid,pcpu,comm", "--sort=-pcpu", "--no-headers"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    rows = []
    for line in out.splitlines():
        pid, _, rest = line.strip().partition(" ")
        if not pid.isdigit() or int(pid) == os.getpid() or rest.strip().endswith(" ps"):
            continue
        rows.append(rest.strip())
    return rows[:limit]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="benchmark file names (e.g. bench_docx)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
          f"{os.cpu_count()} CPUs; busiest processes: {'; '.join(busiest_processes()) or 'none'}")
    failed = []
    with tempfile.TemporaryDirectory() as d:
        results = Path(d) / "results.jsonl"
        env = {**os.environ, "KAPNOTES_BENCH_RESULTS": str(results)}
        for script in scripts():
            if args.only and script.stem not in args.only:
                continue
            print(f"\n== {script.relative_to(ROOT)}", flush=True)
            cmd = [sys.executable, str(script)]
            if args.quick:
                cmd.append("--quick")
            t0 = time.perf_counter()
            rc = subprocess.run(cmd, cwd=script.parent, env=env).returncode
            print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
            if rc != 0:
                failed.append(script.name)
        entries = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    load_after = os.getloadavg()
    print("\n== every target")
    for e in entries:
        shown = f"{e['value']:.2f}x" if e["kind"] == "ratio" else _shown(e)
        print(f"  {'MET    ' if e['met'] else 'NOT MET'}  {e['title']:<60} {shown:>12}  target {e['target']}")
    met = sum(1 for e in entries if e["met"])
    print(f"\n{met} of {len(entries)} targets met; load average after: "
          f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _shown(e: dict[str, object]) -> str:
    unit = str(e["unit"])
    k = {"s": 1.0, "ms": 1000.0, "us": 1_000_000.0}.get(unit, 1.0)
    return f"{float(e['value']) * k:.3f} {unit}"  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
