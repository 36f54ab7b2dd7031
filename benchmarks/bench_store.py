"""Store benchmarks (issue #16, item 4: a million sessions), each beside a bare sqlite3 baseline.

1. ``Store.save`` of 20,000 and of 200,000 sessions (vitals, measures, interventions) into an
   empty store, against ``sqlite3.executemany`` writing the very same rows (every table the save
   fills, the outcome facts included) into the same schema, triggers and FTS in one
   transaction. Target: <= 1.25x at both sizes; the cost per session is printed for both (linear
   cost: no per-save query that grows with the store). The save is measured as called by
   default (its sessions prepared by a helper process where one is available,
   :mod:`kapnotes.store.save_helper`), and, for information, in one process
   (``helper=False``); CPU time includes the helper's, and its peak memory is printed.
2. Queries on the store of 1,000,000 synthetic sessions (``--big-db``; built by
   :func:`build_big` below when missing: saves of 1,000 clients each), opened
   read-only, through the public API:

   * one client's trajectory: the outcomes of each of the client's courses, all instruments,
     as ``kapnotes outcomes --client`` computes them (``Store.client_outcomes``: read from the
     rows, no course decoded), a different client each run, its rows read once untimed (in
     the OS cache): <= 5 ms. Beside it, the bare SQL of the client's scores, the decoding path
     it replaced (``course_outcomes`` of each of ``Store.courses_of``), CPU times, and the
     first touch of a client's rows;
   * one instrument's scores for one week across clients (``Store.instrument_scores("phq9",
     since=, until=)``, the week that starts at the median administration): <= 20 ms;
   * the clinic outcomes summary over every course (``Store.clinic_summary()``): <= 2 s.

   A store written by an older kapnotes needs migration ``m005_outcome_facts``: it is copied
   (SQLite's backup, the WAL included) to ``_common.CACHE/<name>-migrated.db`` once, migrated
   there, and that copy is opened read-only; the given file is never written.

Run: ``make bench`` (or ``python benchmarks/bench_store.py [--sessions N] [--big-sessions N]
[--big-db PATH] [--quick] [--save-only]``). ``--save-only``: part 1 alone (no big store is
read or built). ``--quick``: 2,000 and 20,000 sessions saved, queries on a cached
store of 11,000 sessions (a smoke run; the absolute targets are for a million). Medians of
runs interleaved with their baselines; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import CACHE, absolute, interleaved, median_time, ratio

from kapnotes.outcomes import clinic_summary, course_outcomes
from kapnotes.store import open_store, save_helper
from kapnotes.store.migrations import migrations
from kapnotes.synthetic import build_document

SESSIONS_PER_CLIENT = 11  # intake, preparation, 4 x (dosing, integration), follow-up
#: Every table a save fills, in an order the triggers accept (sessions as drafts, then the rows
#: under them; signatures before the status update, addenda after it; see the baseline).
TABLES = (
    "clinic", "clinicians", "clients", "courses", "sessions", "vitals", "interventions",
    "service_lines", "measures", "measure_items", "outcome_courses", "outcome_points",
    "signatures", "groups", "audit",
)


def fresh_store(path: Path):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_store(path)


# --- 1. Store.save -----------------------------------------------------------------------------


def bench_import(tmp: Path, n_sessions: int, repeat: int) -> float:
    """Store.save of ``n_sessions`` against the bare executemany of its rows; returns the
    seconds per session of the save."""
    clients = math.ceil(n_sessions / SESSIONS_PER_CLIENT)
    doc = build_document(clients=clients)
    n = sum(len(c.sessions) for c in doc.courses)
    ours_path, base_path = tmp / "ours.db", tmp / "base.db"

    def ours() -> None:
        store = open_store(ours_path)  # made empty by setup(), as the baseline's is
        store.save(doc)  # the default: a helper process prepares the sessions, where available
        store.close()

    def one_process() -> None:
        store = open_store(ours_path)
        store.save(doc, helper=False)
        store.close()

    fresh_store(ours_path).close()
    ours()  # warm up, and the rows the baseline will write
    src = sqlite3.connect(ours_path)
    rows = {t: src.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in TABLES}
    addenda = src.execute("SELECT * FROM addenda ORDER BY rowid").fetchall()
    status_col = [c[1] for c in src.execute("PRAGMA table_info(sessions)")].index("status")
    statuses = [(r[status_col], r[0]) for r in rows["sessions"] if r[status_col] != "draft"]
    # Like the store, the baseline inserts sessions as drafts, marks them signed once their
    # rows and signatures are in, adds addenda (which need a signed note), then marks amended.
    rows["sessions"] = [(*r[:status_col], "draft", *r[status_col + 1 :]) for r in rows["sessions"]]
    src.close()
    counts = {t: len(r) for t, r in rows.items()}

    def baseline_setup() -> None:
        fresh_store(base_path).close()  # same schema, indexes, triggers and FTS

    def baseline() -> None:
        conn = sqlite3.connect(base_path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        for t in TABLES:
            if rows[t]:
                marks = ",".join("?" * len(rows[t][0]))
                conn.executemany(f"INSERT INTO [{t}] VALUES ({marks})", rows[t])
        conn.executemany("UPDATE sessions SET status = 'signed' WHERE id = ?",
                         [(i,) for _, i in statuses])
        if addenda:
            conn.executemany(f"INSERT INTO addenda VALUES ({','.join('?' * len(addenda[0]))})",
                             addenda)
        conn.executemany("UPDATE sessions SET status = ? WHERE id = ?",
                         [(v, i) for v, i in statuses if v != "signed"])
        conn.execute("COMMIT")
        conn.close()

    def setup() -> None:
        baseline_setup()
        fresh_store(ours_path).close()  # the schema is made untimed for both

    helper = save_helper.wants_helper(doc, None)
    times, cpu = interleaved_with_cpu(
        {"ours": ours, "one process": one_process, "baseline": baseline}, repeat, setup=setup
    )
    print(f"import: {n} sessions, {counts['vitals']} vitals, {counts['measures']} measures "
          f"({counts['measure_items']} items), {counts['interventions']} interventions; "
          f"helper process: {'yes' if helper else 'no (' + str(save_helper.helper_unavailable()) + ')'}")
    ratio(f"Store.save of {n:,} sessions (vs bare executemany)", times["ours"],
          times["baseline"], at_most=1.25)
    per = times["ours"] / n
    print(f"{'':<4}per session: ours {per * 1e6:.1f} us, in one process "
          f"{times['one process'] / n * 1e6:.1f} us ({times['one process'] / times['baseline']:.2f}x), "
          f"baseline {times['baseline'] / n * 1e6:.1f} us")
    print(f"{'':<4}CPU a session (the helper's included): ours {cpu['ours'] / n * 1e6:.1f} us, "
          f"in one process {cpu['one process'] / n * 1e6:.1f} us, baseline "
          f"{cpu['baseline'] / n * 1e6:.1f} us (CPU ratio {cpu['ours'] / cpu['baseline']:.2f}x)")
    if helper:
        print(f"{'':<4}peak memory: this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, "
              f"the largest child waited for (the helpers) {_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB "
              "(pages shared copy-on-write counted in both)")
    return per


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def interleaved_with_cpu(contenders: dict[str, Callable[[], object]], repeat: int,
                         setup: Callable[[], object]) -> tuple[dict[str, float], dict[str, float]]:
    """Like ``_common.interleaved`` (median wall time, runs alternated, ``setup`` untimed before
    each), and the median CPU time of this process in each run (both contenders run in it:
    SQLite too) and of its children waited for (a save's helper process), which other work on a
    shared machine disturbs less."""
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            setup()
            c0, t0 = _cpu(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(_cpu() - c0)
    return ({k: statistics.median(v) for k, v in wall.items()},
            {k: statistics.median(v) for k, v in cpu.items()})


def _cpu() -> float:
    """CPU seconds of this process and of its children waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# --- 2. queries on the big store -----------------------------------------------------------------


def build_big(path: Path, sessions: int) -> None:
    """Saves of 1,000 synthetic clients each into ``path`` until it holds ``sessions`` sessions
    (resumed where an interrupted build stopped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_store(path) as store:
        have = store.counts()["sessions"]
        clients = len(store.client_ids())
        t0 = time.perf_counter()
        while have < sessions:
            n = min(1000, math.ceil((sessions - have) / SESSIONS_PER_CLIENT))
            store.save(build_document(clients=n, first_client=clients), actor="bench")
            clients += n
            have = store.counts()["sessions"]
            print(f"  built {have:,} sessions ({time.perf_counter() - t0:.0f} s)", flush=True)


def needs_migration(path: Path) -> bool:
    with open_store(path, create=False, migrate=False, read_only=True) as store:
        return bool(migrations.pending(store.db))


def readable_store(path: Path) -> Path:
    """``path``, or a migrated copy of it under CACHE when it needs a migration."""
    if not needs_migration(path):
        return path
    copy = CACHE / f"{path.stem}-migrated.db"
    if copy.exists() and copy.stat().st_mtime >= path.stat().st_mtime and not needs_migration(copy):
        return copy
    print(f"{path} needs a migration: copying it to {copy} and migrating the copy", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    t0 = time.perf_counter()
    open_store(copy, create=False).close()
    print(f"  migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    return copy


def bench_queries(big_db: Path, repeat: int, full_size: bool) -> None:
    path = readable_store(big_db)
    store = open_store(path, create=False, read_only=True)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    n = raw.execute("SELECT count(*) FROM sessions").fetchone()[0]
    clients = [r[0] for r in raw.execute("SELECT id FROM clients ORDER BY id")]
    print(f"queries on {n:,} sessions ({len(clients):,} clients) in {path}:")
    note = "" if full_size else f"(a smoke run on {n:,} sessions; the target is for 1,000,000)"

    # one client's trajectory: a different client each run and contender (decoded courses
    # are cached by the store). Each client's rows are read once, untimed, before its run, so
    # that every contender finds the pages in the OS cache (a server's steady state; the 1M
    # file is 8.6 GB and the machine's page cache is shared): the figures are the query's own
    # cost. The first touch (rows not read before by this run: cold unless an earlier run or
    # other work left them in the OS cache) is printed beside it.
    q_client = ("SELECT instrument, administered_at_utc, total, band FROM measures "
                "WHERE client_id = ? ORDER BY instrument, administered_at_utc")

    def warm(client: str) -> None:
        for sql in (
            "SELECT doc FROM clients WHERE id = ?",
            "SELECT doc FROM courses WHERE client_id = ?",
            "SELECT doc FROM sessions WHERE client_id = ?",
            "SELECT doc FROM signatures WHERE session_id IN "
            "(SELECT id FROM sessions WHERE client_id = ?)",
            "SELECT doc FROM addenda WHERE session_id IN "
            "(SELECT id FROM sessions WHERE client_id = ?)",
            "SELECT * FROM measures WHERE client_id = ?",
            "SELECT i.* FROM measures m JOIN measure_items i ON i.measure_id = m.id "
            "WHERE m.client_id = ?",
        ):
            raw.execute(sql, (client,)).fetchall()

    contenders = {
        "ours": store.client_outcomes,  # what kapnotes outcomes --client computes
        "sql": lambda client: raw.execute(q_client, (client,)).fetchall(),
        # the path client_outcomes replaced: decode every course
        "decoding": lambda client: [course_outcomes(c) for c in store.courses_of(client)],
    }
    step = max(1, len(clients) // (4 * repeat + 8))
    wall: dict[str, list[float]] = {name: [] for name in (*contenders, "first touch")}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    k = 1
    for _ in range(repeat):
        for name in ("first touch", *contenders):
            client = clients[(k * step) % len(clients)]
            k += 1
            if name != "first touch":
                warm(client)
            fn = contenders.get(name, store.client_outcomes)
            t0, c0 = time.perf_counter(), time.process_time()
            fn(client)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    t = {name: statistics.median(v) for name, v in wall.items()}
    c = {name: statistics.median(v) for name, v in cpu.items()}
    absolute("one client's trajectory (Store.client_outcomes, all instruments)", t["ours"],
             at_most=0.005,
             detail=f"bare SQL of its scores {t['sql'] * 1000:.3f} ms; decoding its courses "
                    f"(course_outcomes of courses_of) {t['decoding'] * 1000:.3f} ms {note}")
    print(f"{'':<4}CPU: ours {c['ours'] * 1000:.3f} ms, bare SQL {c['sql'] * 1000:.3f} ms, "
          f"decoding {c['decoding'] * 1000:.3f} ms; first touch (rows not read before by this "
          f"run; cold where not in the OS cache): "
          f"ours {t['first touch'] * 1000:.3f} ms wall, {c['first touch'] * 1000:.3f} ms CPU")

    # one instrument's scores for one week across clients
    (n_phq9,) = raw.execute("SELECT count(*) FROM measures WHERE instrument = 'phq9'").fetchone()
    (mid,) = raw.execute(
        "SELECT administered_at_utc FROM measures WHERE instrument = 'phq9' "
        "ORDER BY administered_at_utc LIMIT 1 OFFSET ?", (n_phq9 // 2,)
    ).fetchone()
    import datetime as dt

    start = dt.datetime.fromisoformat(mid[:10])
    since = start.strftime("%Y-%m-%dT00:00:00.000000Z")
    until = (start + dt.timedelta(days=7)).strftime("%Y-%m-%dT00:00:00.000000Z")
    q_week = ("SELECT id, client_id, session_id, administered_at_utc, context, total, band "
              "FROM measures WHERE instrument = ? AND administered_at_utc >= ? "
              "AND administered_at_utc < ? ORDER BY administered_at_utc, id")
    week_rows = len(store.instrument_scores("phq9", since=since, until=until))
    t = interleaved(
        {"ours": lambda: store.instrument_scores("phq9", since=since, until=until),
         "sql": lambda: raw.execute(q_week, ("phq9", since, until)).fetchall()},
        repeat * 2,
    )
    absolute(f"PHQ-9 scores of all clients, week of {since[:10]} ({week_rows:,} rows)", t["ours"],
             at_most=0.020, detail=f"bare SQL {t['sql'] * 1000:.3f} ms {note}")

    # the clinic outcomes summary
    summary = store.clinic_summary()
    t_summary = median_time(store.clinic_summary, max(3, repeat // 4))
    sample = 200
    course_ids = [r[0] for r in raw.execute(
        "SELECT id FROM courses ORDER BY id LIMIT ?", (sample,))]
    t0 = time.perf_counter()
    clinic_summary(store.course(i) for i in course_ids)
    per_course = (time.perf_counter() - t0) / max(1, len(course_ids))
    absolute(
        f"clinic outcomes summary ({summary.n_courses:,} courses)", t_summary, at_most=2.0,
        unit="s",
        detail=f"course by course ~{per_course * summary.n_courses:.0f} s (from {sample} courses) {note}",
    )
    raw.close()
    store.close()


def default_big_db(quick: bool) -> Path:
    """``CACHE/sessions-1m.db``; when it is missing but a migrated copy of another million-session
    store is cached (``readable_store``'s ``*-migrated.db``), that copy (it is not built again)."""
    if quick:
        return CACHE / "sessions-quick-11k.db"
    built = CACHE / "sessions-1m.db"
    migrated = sorted(CACHE.glob("sessions-1m*-migrated.db"))
    return built if built.exists() or not migrated else migrated[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20_000, help="the first Store.save size")
    ap.add_argument("--big-sessions", type=int, default=200_000, help="the second Store.save size")
    ap.add_argument("--big-db", type=Path, default=None,
                    help="the million-session store (default: CACHE/sessions-1m.db, or a cached migrated copy of "
                         "one, built if neither is there)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--save-only", action="store_true",
                    help="only Store.save against its baseline (part 1): no big store read or built")
    ap.add_argument("--queries-only", action="store_true",
                    help="only the queries on the million-session store (part 2): no Store.save")
    args = ap.parse_args()
    if args.save_only and args.queries_only:
        ap.error("--save-only and --queries-only exclude each other")
    if args.quick:
        args.sessions, args.big_sessions, args.repeat = 2_000, 20_000, 3
    big_db = args.big_db or default_big_db(args.quick)
    target = 11_000 if args.quick else 1_000_000
    if not big_db.exists() and not args.save_only:
        print(f"building {big_db} ({target:,} sessions; reused on later runs)", flush=True)
        # in a process of its own: the saves measured next would otherwise run in the heap that
        # building a million sessions left (2026-12-06: 1.82x after the build, 1.52x alone)
        builder = multiprocessing.get_context("spawn").Process(target=build_big,
                                                               args=(big_db, target))
        builder.start()
        builder.join()
        if builder.exitcode != 0:
            raise SystemExit(f"building {big_db} failed (exit code {builder.exitcode})")
    if not args.queries_only:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            small = bench_import(tmp, args.sessions, max(3, args.repeat // 2 + 1))
            large = bench_import(tmp, args.big_sessions, 1 if args.quick else 2)
            print(f"{'':<4}cost per session at {args.big_sessions:,} / at {args.sessions:,}: "
                  f"{large / small:.2f} (1.00 is linear)")
    if not args.save_only:
        bench_queries(big_db, args.repeat * 4, full_size=not args.quick)


if __name__ == "__main__":
    main()
