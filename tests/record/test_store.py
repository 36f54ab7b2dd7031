"""The SQLite store: lossless, queryable, all-or-nothing writes, psychotherapy notes apart."""

from __future__ import annotations

import json
import sqlite3

import attrs
import pytest

from kapnotes.errors import ImmutableError, InvalidError, StoreError
from kapnotes.model import Addendum, AddendumKind, Document
from kapnotes.serialization import dumps, from_data
from kapnotes.store import db as store_db
from kapnotes.store import open_store
from kapnotes.store import writer as store_writer
from kapnotes.store.migrations import migrations

TABLES = {
    "clinic",
    "clinicians",
    "clients",
    "courses",
    "sessions",
    "addenda",
    "measures",
    "measure_items",
    "vitals",
    "interventions",
    "service_lines",
    "psychotherapy_notes",
}


def snapshot(store) -> dict[str, list]:
    """Every row of every kapnotes table (to prove a failed write changed nothing)."""
    return {
        t: store.conn.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in sorted(TABLES)
    }


def test_schema_from_migrations_on_memory_db(store):
    names = set(store.db.table_names())
    assert names >= TABLES
    assert "sessions_fts" in names
    fks = {(fk.table, fk.column, fk.other_table) for fk in store.db["sessions"].foreign_keys}
    assert ("sessions", "course_id", "courses") in fks
    assert ("sessions", "client_id", "clients") in fks
    assert {"client_id", "start_utc"} <= set(store.db["sessions"].columns_dict)
    assert [m.name for m in migrations.applied(store.db)] == [
        "m001_initial", "m002_public_keys", "m003_billing_and_groups", "m004_course_measures",
        "m005_outcome_facts", "m006_home_outcome_facts", "m007_measures_by_instrument_covering",
    ]
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_file_store_pragmas(file_store):
    c = file_store.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] == store_db.BUSY_TIMEOUT_MS
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_json_store_json_is_byte_identical(store, demo_doc):
    text = dumps(demo_doc)
    store.save(from_data(json.loads(text)))
    assert dumps(store.document()) == text


def test_saving_twice_changes_nothing(store, demo_doc):
    store.save(demo_doc)
    before = snapshot(store)
    summary = store.save(demo_doc)
    assert summary.sessions_written == 0
    assert summary.sessions_unchanged == sum(len(c.sessions) for c in demo_doc.courses)
    assert snapshot(store) == before


def test_relational_rows(store, demo_doc):
    store.save(demo_doc)
    counts = store.counts()
    n_sessions = sum(len(c.sessions) for c in demo_doc.courses)
    assert counts["sessions"] == n_sessions
    n_vitals = sum(len(s.dosing.vitals()) for _, s in demo_doc.iter_sessions() if s.dosing)
    assert counts["vitals"] == n_vitals
    row = store.conn.execute(
        "SELECT minutes_after_dose FROM vitals WHERE session_id = 'cl-001-dose-01' ORDER BY seq"
    ).fetchall()
    assert row[0][0] == -10.0  # pre-dose vitals 10 minutes before the dose
    assert [r[0] for r in row[1:4]] == [0.0, 15.0, 30.0]
    scores = store.instrument_scores("phq9")
    assert scores[0]["band"] and scores[0]["total"] is not None
    assert scores == sorted(scores, key=lambda r: r["administered_at_utc"])


def test_client_sessions_in_time_order_by_index(store, demo_doc):
    store.save(demo_doc)
    sessions = store.client_sessions("cl-002")
    assert [s.start for s in sessions] == sorted(s.start for s in sessions)
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM sessions WHERE client_id = ? ORDER BY start_utc",
        ("cl-002",),
    ).fetchall()
    assert any("idx_sessions_client_id_start_utc" in str(r) for r in plan)
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT total FROM measures WHERE instrument = ? ORDER BY administered_at_utc",
        ("phq9",),
    ).fetchall()
    assert any("idx_measures_by_instrument" in str(r) for r in plan)


def test_one_instruments_scores_across_clients_are_read_from_the_index_alone(store, demo_doc):
    """``instrument_scores`` over a time window (one week across a clinic network's clients) reads
    its columns from the index on (instrument, time), in order: no lookup of each row in the
    table, which on a store of a million sessions is most of the query's time (m007)."""
    store.save(demo_doc)
    sql, params = store_db.instrument_scores_query(
        "phq9", since="2026-01-01T00:00:00.000000Z", until="2026-02-01T00:00:00.000000Z")
    plan = " | ".join(r[-1] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert plan == (
        "SEARCH measures USING COVERING INDEX idx_measures_by_instrument "
        "(instrument=? AND administered_at_utc>? AND administered_at_utc<?)"
    ), plan  # covering, and in the query's order (no temporary B-tree)
    sql, params = store_db.instrument_scores_query("phq9", client_id="cl-002")
    plan = " | ".join(r[-1] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "INDEX idx_measures_client_id_instrument_administered_at_utc" in plan, plan
    every = store.instrument_scores("phq9")
    assert every and [(r["administered_at_utc"], r["id"]) for r in every] == sorted(
        (r["administered_at_utc"], r["id"]) for r in every)
    window = store.instrument_scores("phq9", since=every[1]["administered_at_utc"],
                                     until=every[-1]["administered_at_utc"])
    assert window == [r for r in every
                      if every[1]["administered_at_utc"] <= r["administered_at_utc"]
                      < every[-1]["administered_at_utc"]]
    one = store.instrument_scores("phq9", client_id="cl-002")
    assert one and one == [r for r in every if r["client_id"] == "cl-002"]
    # a store whose indexes were dropped (verify reports it) answers the same, only slower
    store.conn.execute("DROP INDEX idx_measures_by_instrument")
    store.conn.execute("DROP INDEX idx_measures_client_id_instrument_administered_at_utc")
    assert store.instrument_scores("phq9") == every
    assert store.instrument_scores("phq9", client_id="cl-002") == one


def test_full_text_search(store, demo_doc):
    store.save(demo_doc)
    hits = store.search("oceans")  # porter stemming: ocean
    assert {h.session_id for h in hits} >= {"cl-001-dose-01"}
    assert "[ocean]" in hits[0].snippet
    assert store.search('"unbalanced (quote* NEAR') == []  # user text is never FTS syntax
    assert {h.session_id for h in store.search("OR")} == {h.session_id for h in store.search("or")}
    assert store.search("   ") == []


def test_invalid_document_changes_nothing(store, demo_doc):
    store.save(demo_doc)
    before = snapshot(store)
    doc = demo_doc  # a valid model object, but a PHQ-9 item out of its 0-3 range:
    s0 = doc.courses[0].sessions[0]
    m0 = attrs.evolve(s0.measures[0], items=(9, *s0.measures[0].items[1:]))
    course = attrs.evolve(
        doc.courses[0],
        sessions=(attrs.evolve(s0, measures=(m0, *s0.measures[1:])), *doc.courses[0].sessions[1:]),
    )
    with pytest.raises(InvalidError) as exc:
        store.save(attrs.evolve(doc, courses=(course, *doc.courses[1:])))
    assert exc.value.problems[0].path == "$.courses[0].sessions[0].measures[0].items[0]"
    assert snapshot(store) == before


def test_failure_half_way_rolls_everything_back(store, demo_doc, monkeypatch):
    store.save(demo_doc)
    before = snapshot(store)
    changed = attrs.evolve(
        demo_doc,
        courses=tuple(
            attrs.evolve(
                c,
                sessions=tuple(
                    attrs.evolve(s, intention=(s.intention or "") + " (edited)")
                    if s.status.value == "draft"
                    else s
                    for s in c.sessions
                ),
            )
            for c in demo_doc.courses
        ),
    )
    calls = {"n": 0}
    original = store_writer._Children.write

    def explode(self, conn):
        calls["n"] += 1
        # the sessions are written; fail while writing their vitals
        conn.executemany("INSERT INTO vitals VALUES (?,?,?,?,?,?,?,?,?)", self.vitals[:5])
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(store_writer._Children, "write", explode)
    with pytest.raises(sqlite3.OperationalError):
        store.save(changed)
    assert calls["n"] == 1
    assert original is not explode
    assert snapshot(store) == before
    assert not store.conn.in_transaction


def test_signed_session_cannot_change_but_takes_addenda(store, demo_doc):
    store.save(demo_doc)
    course = demo_doc.courses[0]
    signed = course.sessions[0]
    assert signed.status.value == "signed"
    edited = attrs.evolve(signed, intention="rewritten after signing")
    bad = attrs.evolve(
        demo_doc,
        courses=(
            attrs.evolve(course, sessions=(edited, *course.sessions[1:])),
            *demo_doc.courses[1:],
        ),
    )
    before = snapshot(store)
    with pytest.raises(ImmutableError, match="is signed"):
        store.save(bad)
    assert snapshot(store) == before
    add = Addendum(
        id="add-1",
        kind=AddendumKind.ADDENDUM,
        author_id="th-ortiz",
        written_at=signed.end,
        text="Late entry: called client.",
    )
    with_add = attrs.evolve(signed, addenda=(*signed.addenda, add))
    doc2 = attrs.evolve(
        demo_doc,
        courses=(
            attrs.evolve(course, sessions=(with_add, *course.sessions[1:])),
            *demo_doc.courses[1:],
        ),
    )
    assert store.save(doc2).addenda_added == 1
    _, back = store.session(signed.id)
    assert back.addenda == (*signed.addenda, add)
    changed_add = attrs.evolve(add, text="rewritten")
    doc3 = attrs.evolve(
        demo_doc,
        courses=(
            attrs.evolve(
                course,
                sessions=(attrs.evolve(signed, addenda=(*signed.addenda, changed_add)), *course.sessions[1:]),
            ),
            *demo_doc.courses[1:],
        ),
    )
    with pytest.raises(ImmutableError, match="cannot change"):
        store.save(doc3)


def test_psychotherapy_notes_are_kept_apart(store, demo_doc_with_notes: Document):
    store.save(demo_doc_with_notes)
    assert store.conn.execute("SELECT count(*) FROM psychotherapy_notes").fetchone()[0] == 4
    plain = store.document()
    assert plain.psychotherapy_notes == ()
    assert "countertransference" not in dumps(plain)
    session_docs = [r[0] for r in store.conn.execute("SELECT doc FROM sessions")]
    assert not any("countertransference" in d for d in session_docs)
    from kapnotes.exporting import Authorization, AuthorizationError

    with pytest.raises(AuthorizationError):
        store.psychotherapy_notes(store.client_ids(), authorization=None)
    auth = Authorization(reference="ROI-2026-0001", purpose="transfer of care", granted_by="client")
    full = store.psychotherapy_notes(store.client_ids(), authorization=auth, actor="th-ortiz")
    assert len(full) == 4
    only_one = store.psychotherapy_notes(["cl-001"], authorization=auth, actor="th-ortiz")
    assert {n.session_id.split("-dose")[0] for n in only_one} == {"cl-001"}
    reads = [r for r in store.audit_log() if r["action"] == "read-psychotherapy-note"]
    assert len(reads) == 5
    assert reads[-1]["actor"] == "th-ortiz"
    assert reads[-1]["patient"] == "cl-001"


def test_course_cannot_move_between_clients(store, demo_doc):
    store.save(demo_doc)
    course = attrs.evolve(demo_doc.courses[0], client_id="cl-002")
    with pytest.raises(StoreError, match="belongs to client"):
        store.save(attrs.evolve(demo_doc, courses=(course, *demo_doc.courses[1:])))


def test_open_store_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(junk)
    with pytest.raises(StoreError, match="no kapnotes database"):
        open_store(tmp_path / "missing.db", create=False)


def test_default_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KAPNOTES_DB", str(tmp_path / "x.db"))
    assert store_db.default_path() == tmp_path / "x.db"
    monkeypatch.delenv("KAPNOTES_DB")
    assert str(store_db.default_path()) == "kapnotes.db"


def test_memoised_reads_see_writes_from_another_connection(tmp_path, demo_doc):
    path = tmp_path / "k.db"
    writer, reader = open_store(path), open_store(path)
    try:
        writer.save(demo_doc)
        course = demo_doc.courses[0]
        draft = next(s for s in course.sessions if s.status.value == "draft")
        assert reader.session(draft.id)[1].intention == draft.intention
        edited = attrs.evolve(draft, intention="changed elsewhere")
        sessions = tuple(edited if s.id == draft.id else s for s in course.sessions)
        writer.save(attrs.evolve(demo_doc, courses=(attrs.evolve(course, sessions=sessions), *demo_doc.courses[1:])))
        assert reader.session(draft.id)[1].intention == "changed elsewhere"
        reader.save(demo_doc)  # and its own writes
        assert reader.session(draft.id)[1].intention == draft.intention
    finally:
        writer.close()
        reader.close()


def test_m007_gives_an_older_store_the_covering_index(tmp_path, demo_doc):
    """A store made before m007 (the index on (instrument, time) without the columns) gets the
    covering index when it is next opened for writing; its rows and answers are unchanged, and
    ``verify`` sees the old index as a schema that differs before the migration."""
    from kapnotes.store.verify import verify

    path = tmp_path / "m006.db"
    with open_store(path) as s:
        s.save(demo_doc)
        want = s.instrument_scores("phq9")
    raw = sqlite3.connect(path)
    raw.executescript(
        "DROP INDEX idx_measures_by_instrument;"
        'CREATE INDEX "idx_measures_instrument_administered_at_utc"\n'
        '    ON "measures" ("instrument", "administered_at_utc");'
        "DELETE FROM _sqlite_migrations WHERE name = 'm007_measures_by_instrument_covering';"
    )
    raw.close()
    with open_store(path, migrate=False) as s:
        problems = [p for p in verify(s).problems if "idx_measures" in p]
        assert any("idx_measures_by_instrument is missing" in p for p in problems), problems
        assert any("unexpected index idx_measures_instrument_administered_at_utc" in p
                   for p in problems), problems
    with open_store(path) as s:
        assert "m007_measures_by_instrument_covering" in [m.name for m in migrations.applied(s.db)]
        assert verify(s).ok
        assert s.instrument_scores("phq9") == want
        names = {r[0] for r in s.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'measures'")}
        assert "idx_measures_by_instrument" in names
        assert "idx_measures_instrument_administered_at_utc" not in names
