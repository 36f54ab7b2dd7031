"""Probe: can ``Store.save`` prepare rows in a Python thread while SQLite writes the last ones?

A design question for issue #16 (``Store.save`` within 1.25x of a bare ``executemany``), not a
target: ``make bench`` does not run it. The save's own Python work (unstructuring, canonical
JSON, scoring, audit rows) is about as long as SQLite's, so a pipeline that prepared the next
chunk of courses in a second thread while ``executemany`` wrote the previous one could hide most
of it -- if ``executemany`` really runs without the GIL. ``sqlite3`` releases the GIL around each
``sqlite3_step``, but takes it back for every row (binding the row's values), and a thread that
gives the GIL up and wants it back a few microseconds later waits for the running thread to
drop it: at the latest after the switch interval (``sys.setswitchinterval``, 5 ms by default).

It writes rows shaped like the save's (a session-like row with an FTS5 trigger and an index;
nine small ``measure_items``-like rows per session) in chunks of 500, inside one transaction,
first alone, then beside a thread that runs pure Python (``json.dumps``, as the save's
preparation does), at several switch intervals; each run lasts at most ``--budget`` seconds.
It prints the SQL rate against the rate alone, and the share of a core the Python thread got.

Measured 2026-12-04 on the 2-core machine, quiet (load 0.1), 20,000 sessions, every run to
the end: alone 1.22 s; beside the thread the SQL took 506x as long at a 5 ms switch interval,
65x at 1 ms, 16x at 0.2 ms and 6.2x at 0.05 ms, while the thread got 0.95 to 0.82 of a core.
With the default 3 s budget: 279x, 44x, 18x and 7.1x. A threaded pipeline would make the save many times
slower, so it was not built (docs/performance.md).

Run: python benchmarks/probe_sqlite_gil.py [--sessions 20000] [--budget 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE s (id TEXT PRIMARY KEY, course TEXT, seq INT, doc TEXT, narrative TEXT);
CREATE INDEX s_course ON s (course, seq);
CREATE TABLE mi (mid TEXT, item INT, v INT, PRIMARY KEY (mid, item));
CREATE VIRTUAL TABLE f USING fts5 (narrative, content='s', content_rowid='rowid');
CREATE TRIGGER s_fts AFTER INSERT ON s BEGIN
  INSERT INTO f (rowid, narrative) VALUES (new.rowid, new.narrative);
END;
"""
WORDS = ("calm", "dose", "breath", "music", "integration", "anxious")
CHUNK = 500


def session_rows(n: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """``n`` synthetic session rows (about 2 kB of JSON each) and nine item rows per session."""
    rng = random.Random(1)
    rows = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(200))
        doc = json.dumps({"id": f"s{i}", "narrative": text, "vitals": [{"t": j, "bp": [120, 80]} for j in range(8)]})
        rows.append((f"s{i}", f"c{i // 11}", i % 11, doc, text))
    items = [(f"s{i}", j, j % 4) for i in range(n) for j in range(9)]
    return rows, items


def write(path: Path, rows: list[tuple[object, ...]], items: list[tuple[object, ...]], budget: float) -> float:
    """Sessions written per second, in one transaction, until done or ``budget`` seconds pass."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    start = time.perf_counter()
    conn.execute("BEGIN")
    written = 0
    for k in range(0, len(rows), CHUNK):
        conn.executemany("INSERT INTO s VALUES (?,?,?,?,?)", rows[k : k + CHUNK])
        conn.executemany("INSERT INTO mi VALUES (?,?,?)", items[k * 9 : (k + CHUNK) * 9])
        written += len(rows[k : k + CHUNK])
        if time.perf_counter() - start > budget:
            break
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return written / elapsed


class Spinner(threading.Thread):
    """Pure Python work (``json.dumps`` of a small dict, keys sorted) until stopped."""

    SAMPLE = {"a": [1, 2, 3], "b": "x" * 50, "c": {"d": 1.5, "e": None}, "f": [{"g": i} for i in range(10)]}

    def __init__(self, limit: int | None = None) -> None:
        super().__init__(daemon=True)
        self.limit, self.done, self.stopped = limit, 0, False

    def run(self) -> None:
        while not self.stopped and (self.limit is None or self.done < self.limit):
            json.dumps(self.SAMPLE, sort_keys=True)
            self.done += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20_000)
    ap.add_argument("--budget", type=float, default=3.0, help="seconds at most per run (default 3)")
    args = ap.parse_args()
    rows, items = session_rows(args.sessions)
    path = Path(tempfile.mkdtemp(prefix="kapnotes-gil-")) / "probe.db"
    write(path, rows, items, args.budget)  # warm-up
    alone = write(path, rows, items, args.budget)
    ref = Spinner(limit=200_000)
    t0 = time.perf_counter()
    ref.run()
    py_rate = ref.done / (time.perf_counter() - t0)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.sessions:,} sessions")
    print(f"alone: {alone:,.0f} sessions/s written; Python thread alone {py_rate:,.0f} dumps/s")
    default = sys.getswitchinterval()
    try:
        for interval in (0.005, 0.001, 0.0002, 0.00005):
            sys.setswitchinterval(interval)
            spinner = Spinner()
            spinner.start()
            t0 = time.perf_counter()
            rate = write(path, rows, items, args.budget)
            elapsed = time.perf_counter() - t0
            spinner.stopped = True
            spinner.join()
            print(f"switch interval {interval * 1e3:5.2f} ms: SQL {alone / rate:6.1f}x as long as alone; "
                  f"the Python thread got {spinner.done / elapsed / py_rate:.2f} of a core")
    finally:
        sys.setswitchinterval(default)


if __name__ == "__main__":
    main()
