"""Store benchmarks (issue: The KAP record), each side by side with a bare sqlite3 baseline.

1. Import of ~20,000 sessions with vitals, measures and interventions: ``Store.save`` versus
   ``sqlite3.executemany`` writing the very same rows into the same schema in one transaction.
2. Queries on a store of ~100,000 sessions: one client's course, and one instrument's scores.

Run: ``make bench`` (or ``python benchmarks/bench_store.py [--sessions N] [--big N]``).
Medians of several runs; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
from pathlib import Path

from _common import median_time, report

from kapnotes.store import open_store
from kapnotes.synthetic import build_document

SESSIONS_PER_CLIENT = 11  # intake, preparation, 4 x (dosing, integration), follow-up
TABLES = (
    "clinic", "clinicians", "clients", "courses", "sessions", "signatures", "addenda", "vitals",
    "interventions", "measures", "measure_items", "audit",
)


def fresh_store(path: Path):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_store(path)


def bench_import(tmp: Path, n_sessions: int, repeat: int) -> None:
    clients = math.ceil(n_sessions / SESSIONS_PER_CLIENT)
    doc = build_document(clients=clients)
    n = sum(len(c.sessions) for c in doc.courses)
    ours_path, base_path = tmp / "ours.db", tmp / "base.db"

    def ours() -> None:
        store = fresh_store(ours_path)
        store.save(doc)
        store.close()

    ours()  # warm up, and the rows the baseline will write
    src = sqlite3.connect(ours_path)
    rows = {t: src.execute(f"SELECT * FROM [{t}]").fetchall() for t in TABLES}
    status_col = [c[1] for c in src.execute("PRAGMA table_info(sessions)")].index("status")
    signed = [(r[status_col], r[0]) for r in rows["sessions"] if r[status_col] != "draft"]
    # Like the store, the baseline inserts sessions as drafts and marks them signed last (the
    # immutability triggers refuse rows added under a signed session).
    rows["sessions"] = [(*r[:status_col], "draft", *r[status_col + 1 :]) for r in rows["sessions"]]
    src.close()
    counts = {t: len(r) for t, r in rows.items()}

    def baseline_setup() -> None:
        fresh_store(base_path).close()  # same schema, indexes and FTS triggers

    def baseline() -> None:
        conn = sqlite3.connect(base_path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        for t in TABLES:
            if rows[t]:
                marks = ",".join("?" * len(rows[t][0]))
                conn.executemany(f"INSERT INTO [{t}] VALUES ({marks})", rows[t])
        conn.executemany("UPDATE sessions SET status = ? WHERE id = ?", signed)
        conn.execute("COMMIT")
        conn.close()

    t_ours = median_time(ours, repeat)
    t_base = median_time(baseline, repeat, setup=baseline_setup)
    print(f"import: {n} sessions, {counts['vitals']} vitals, {counts['measures']} measures "
          f"({counts['measure_items']} items), {counts['interventions']} interventions")
    report(f"Store.save of {n} sessions", t_ours, t_base, "<= 2x")


def bench_queries(tmp: Path, n_sessions: int, repeat: int) -> None:
    path = tmp / "big.db"
    store = fresh_store(path)
    clients = math.ceil(n_sessions / SESSIONS_PER_CLIENT)
    part = 1000
    for first in range(0, clients, part):
        store.save(build_document(clients=min(part, clients - first), first_client=first))
    n = store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    client = f"cl-{clients // 2:03d}"
    course_id = f"course-{client}"
    raw = sqlite3.connect(path)

    t_course = median_time(lambda: store.course(course_id), repeat)
    t_course_raw = median_time(
        lambda: (raw.execute("SELECT doc FROM courses WHERE id = ?", (course_id,)).fetchone(),
                 raw.execute("SELECT id, doc FROM sessions WHERE course_id = ? ORDER BY seq", (course_id,)).fetchall()),
        repeat,
    )
    t_sessions = median_time(lambda: store.client_sessions(client), repeat)
    q_client = ("SELECT id, client_id, session_id, administered_at_utc, context, total, band FROM measures "
                "WHERE client_id = ? AND instrument = ? ORDER BY administered_at_utc")
    t_scores_client = median_time(lambda: store.instrument_scores("phq9", client_id=client), repeat)
    t_scores_client_raw = median_time(lambda: raw.execute(q_client, (client, "phq9")).fetchall(), repeat)
    week = ("2026-02-02T00:00:00.000000Z", "2026-02-09T00:00:00.000000Z")
    t_scores_week = median_time(lambda: store.instrument_scores("phq9", since=week[0], until=week[1]), repeat)
    q_week = ("SELECT id, client_id, session_id, administered_at_utc, context, total, band FROM measures "
              "WHERE instrument = ? AND administered_at_utc >= ? AND administered_at_utc < ? ORDER BY administered_at_utc")
    t_scores_week_raw = median_time(lambda: raw.execute(q_week, ("phq9", *week)).fetchall(), repeat)
    week_rows = len(raw.execute(q_week, ("phq9", *week)).fetchall())
    t_all = median_time(lambda: store.instrument_scores("phq9"), max(3, repeat // 3))
    all_rows = len(store.instrument_scores("phq9"))
    print(f"queries on {n} sessions ({clients} clients):")
    report("one client's course (model objects)", t_course, t_course_raw, "single-digit ms", "ms")
    print(f"{'one client sessions in time order':<48} ours {t_sessions * 1000:9.3f} ms")
    report("one client's PHQ-9 scores", t_scores_client, t_scores_client_raw, "single-digit ms", "ms")
    report(f"PHQ-9 scores of all clients, one week ({week_rows} rows)", t_scores_week, t_scores_week_raw, "single-digit ms", "ms")
    print(f"{'PHQ-9 scores of all clients, all time':<48} ours {t_all * 1000:9.3f} ms ({all_rows} rows)")
    raw.close()
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20_000)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_import(tmp, args.sessions, max(3, args.repeat // 2 + 1))
        bench_queries(tmp, args.big, args.repeat * 4)


if __name__ == "__main__":
    main()
