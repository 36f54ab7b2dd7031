"""Batch rendering (issue: Plugins, note formats and Word notes): 1,000 notes to .docx on two
cores versus one core, in the same run. Target: at least 1.6x faster on two cores.

Run: ``make bench`` (or ``python benchmarks/bench_batch.py [--notes N] [--repeat R]``).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
from pathlib import Path

from _common import median_time

from kapnotes.batch import render_all
from kapnotes.store import open_store
from kapnotes.synthetic import build_document

SESSIONS_PER_CLIENT = 11


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = open_store(tmp / "k.db")
        store.save(build_document(clients=math.ceil(args.notes / SESSIONS_PER_CLIENT)))
        n = len(store.session_ids())
        out = tmp / "notes"

        def run(workers: int) -> None:
            count = sum(1 for _ in render_all(store, out, to="docx", workers=workers))
            assert count == n

        def clean() -> None:
            shutil.rmtree(out, ignore_errors=True)

        one = median_time(lambda: run(1), args.repeat, setup=clean)
        cores = os.cpu_count() or 1
        many = median_time(lambda: run(cores), args.repeat, setup=clean)
        store.close()
    print(f"batch render of {n} Word notes: 1 core {one:7.2f} s ({n / one:6.1f} notes/s)   "
          f"{cores} cores {many:7.2f} s ({n / many:6.1f} notes/s)   speed-up {one / many:4.2f}x   (target >= 1.6x on 2 cores)")


if __name__ == "__main__":
    main()
