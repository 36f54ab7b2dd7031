"""Checks that a store holds whole records only: what a crash or a race must never leave behind."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from click.testing import CliRunner

from kapnotes.model import Client, Document, Session, TreatmentCourse
from kapnotes.serialization import structure
from kapnotes.store import Store
from kapnotes.store.rows import utc_key, vitals_rows
from kapnotes.store.scores import score_document
from kapnotes.store.verify import verify


def one_client(doc: Document, client_id: str) -> tuple[Client, tuple[TreatmentCourse, ...]]:
    """A client of ``doc`` and its courses (with their sessions), courses by id."""
    courses = [c for c in doc.courses if c.client_id == client_id]
    return doc.client(client_id), tuple(sorted(courses, key=lambda c: c.id))


def assert_client_whole(store: Store, client_id: str, candidates: Sequence[Document]) -> int:
    """The stored client, with all its courses and all their sessions (content, status,
    signatures), equals the client in one of ``candidates``; returns that candidate's index."""
    courses = tuple(sorted(store.courses_of(client_id), key=lambda c: c.id))
    stored = (store.client(client_id), courses)
    for k, doc in enumerate(candidates):
        if stored == one_client(doc, client_id):
            return k
    found = [(c.id, [(s.id, s.status.value, s.intention) for s in c.sessions]) for c in courses]
    raise AssertionError(f"client {client_id} is not stored whole: {found}")


def assert_children_match(store: Store, client_ids: Iterable[str]) -> int:
    """Every stored session of these clients has exactly the child rows (vitals, measures and
    their items, interventions, signatures) of its stored JSON; returns the sessions checked."""
    conn = store.conn
    checked = 0
    for client_id in client_ids:
        scores = score_document(store.document(client_ids=[client_id]))
        for sid, status, content_hash, doc in conn.execute(
            "SELECT id, status, content_hash, doc FROM sessions WHERE client_id = ?", (client_id,)
        ).fetchall():
            data = json.loads(doc)
            session = structure(data, Session)
            _vitals(store, sid, session)
            _interventions(store, sid, data)
            _measures(store, sid, client_id, session, scores)
            signatures = conn.execute(
                "SELECT seq, content_hash, doc FROM signatures WHERE session_id = ? ORDER BY seq",
                (sid,),
            ).fetchall()
            assert [seq for seq, _, _ in signatures] == list(range(len(signatures)))
            assert all(h == content_hash == json.loads(d)["content_hash"] for _, h, d in signatures), (
                f"session {sid}: a signature row does not cover the stored content"
            )
            assert (status == "draft") == (not signatures), (
                f"session {sid}: {status} with {len(signatures)} signature(s)"
            )
            checked += 1
    return checked


def _vitals(store: Store, sid: str, session: Session) -> None:
    rows = store.conn.execute(
        "SELECT session_id, seq, at_utc, minutes_after_dose, systolic, diastolic, heart_rate, "
        "spo2, respiratory_rate FROM vitals WHERE session_id = ? ORDER BY seq",
        (sid,),
    ).fetchall()
    assert rows == vitals_rows(session), f"session {sid}: vitals rows differ from its JSON"


def _interventions(store: Store, sid: str, data: dict[str, object]) -> None:
    rows = store.conn.execute(
        "SELECT seq, type, doc FROM interventions WHERE session_id = ? ORDER BY seq", (sid,)
    ).fetchall()
    expected = data.get("interventions", [])
    assert isinstance(expected, list)
    assert [(seq, t, json.loads(d)) for seq, t, d in rows] == [
        (k, iv["type"], iv) for k, iv in enumerate(expected)
    ], f"session {sid}: intervention rows differ from its JSON"


def _measures(
    store: Store,
    sid: str,
    client_id: str,
    session: Session,
    scores: dict[str, tuple[float | None, str | None]],
) -> None:
    rows = store.conn.execute(
        "SELECT id, client_id, instrument, administered_at_utc, context, respondent, total, band "
        "FROM measures WHERE session_id = ? ORDER BY id",
        (sid,),
    ).fetchall()
    expected = sorted(
        (
            m.id,
            client_id,
            m.instrument,
            utc_key(m.administered_at),
            m.context.value,
            m.respondent.value,
            *scores[m.id],
        )
        for m in session.measures
    )
    assert rows == expected, f"session {sid}: measure rows differ from its JSON"
    for m in session.measures:
        items = store.conn.execute(
            "SELECT item, value FROM measure_items WHERE measure_id = ? ORDER BY item", (m.id,)
        ).fetchall()
        assert items == [(n, v) for n, v in enumerate(m.items, start=1) if v is not None], (
            f"measure {m.id}: item rows differ from its JSON"
        )


def assert_no_orphans(store: Store) -> None:
    """No child row without its session, no session without its course, none of a course
    without its client (``foreign_key_check`` covers this too; counted here so a failure reads)."""
    conn = store.conn
    for sql in (
        "SELECT count(*) FROM courses WHERE client_id NOT IN (SELECT id FROM clients)",
        "SELECT count(*) FROM sessions WHERE course_id NOT IN (SELECT id FROM courses)",
        "SELECT count(*) FROM vitals WHERE session_id NOT IN (SELECT id FROM sessions)",
        "SELECT count(*) FROM measures WHERE session_id NOT IN (SELECT id FROM sessions)",
        "SELECT count(*) FROM measure_items WHERE measure_id NOT IN (SELECT id FROM measures)",
        "SELECT count(*) FROM interventions WHERE session_id NOT IN (SELECT id FROM sessions)",
        "SELECT count(*) FROM signatures WHERE session_id NOT IN (SELECT id FROM sessions)",
    ):
        assert conn.execute(sql).fetchone()[0] == 0, sql


def assert_audit_covers(store: Store) -> None:
    """The audit log has a write row (with its patient) for every stored client, course and
    session, and no write row for anything that is not stored (a rolled-back write)."""
    conn = store.conn
    audited = {
        (obj, patient)
        for obj, patient in conn.execute("SELECT object, patient FROM audit WHERE action = 'write'")
    }
    stored = {(f"client:{i}", i) for (i,) in conn.execute("SELECT id FROM clients")}
    stored |= {(f"course:{i}", c) for i, c in conn.execute("SELECT id, client_id FROM courses")}
    stored |= {(f"session:{i}", c) for i, c in conn.execute("SELECT id, client_id FROM sessions")}
    people = {(o, p) for o, p in audited if o.startswith(("clinic:", "clinician:"))}
    assert stored - audited == set(), f"stored but never audited: {sorted(stored - audited)[:5]}"
    assert audited - people - stored == set(), (
        f"audited but not stored: {sorted(audited - people - stored)[:5]}"
    )


def assert_fts_intact(store: Store) -> None:
    """The full-text index agrees with the sessions table (FTS5 ``integrity-check``)."""
    conn = store.conn
    assert conn.execute("SELECT count(*) FROM sessions_fts").fetchone()[0] == (
        conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    )
    conn.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
    conn.rollback()


def assert_verifies(store: Store, path: Path) -> None:
    """:func:`verify` passes, and so does ``kapnotes verify`` (exit 0, ``ok:``)."""
    report = verify(store)
    assert report.ok, report.problems
    from kapnotes.cli import cli

    result = CliRunner().invoke(cli, ["verify", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: "), result.output
