"""Checks that a store holds whole records only: what a crash or a race must never leave behind."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kapnotes.model import Client, Document, Session, TreatmentCourse
from kapnotes.plugins import registry
from kapnotes.serialization import unstructure
from kapnotes.store import Store, session_content_hash
from kapnotes.store.rows import course_without_sessions, utc_key, vitals_rows
from kapnotes.store.verify import verify
from kapnotes.store.writer import to_json


def one_client(doc: Document, client_id: str) -> tuple[Client, tuple[TreatmentCourse, ...]]:
    """A client of ``doc`` and its courses (with their sessions), courses by id."""
    courses = [c for c in doc.courses if c.client_id == client_id]
    return doc.client(client_id), tuple(sorted(courses, key=lambda c: c.id))


def _stored_record(store: Store, client_id: str) -> list[Any]:
    """A client as stored, in canonical JSON: client, courses, sessions (content hash, status,
    position), signatures and addenda; what :func:`_expected_record` gives for the same record."""
    conn = store.conn
    row = conn.execute("SELECT doc FROM clients WHERE id = ?", (client_id,)).fetchone()
    out: list[Any] = [row[0] if row else None]
    for course_id, doc in conn.execute(
        "SELECT id, doc FROM courses WHERE client_id = ? ORDER BY id", (client_id,)
    ).fetchall():
        sessions = conn.execute(
            "SELECT id, seq, status, content_hash FROM sessions WHERE course_id = ? ORDER BY seq",
            (course_id,),
        ).fetchall()
        lifecycle = [
            [
                [
                    d
                    for (d,) in conn.execute(
                        f"SELECT doc FROM {t} WHERE session_id = ? ORDER BY seq", (sid,)
                    )
                ]
                for t in ("signatures", "addenda")
            ]
            for sid, *_ in sessions
        ]
        out.append((course_id, doc, sessions, lifecycle))
    return out


def _expected_record(client: Client, courses: Sequence[TreatmentCourse]) -> list[Any]:
    out: list[Any] = [to_json(client)]
    for course in courses:
        sessions = [
            (s.id, seq, s.status.value, session_content_hash(s))
            for seq, s in enumerate(course.sessions)
        ]
        lifecycle = [
            [[to_json(unstructure(x)) for x in items] for items in (s.signatures, s.addenda)]
            for s in course.sessions
        ]
        out.append((course.id, to_json(course_without_sessions(course)), sessions, lifecycle))
    return out


def assert_client_whole(
    store: Store, client_id: str, candidates: Sequence[Document]
) -> tuple[int, tuple[TreatmentCourse, ...]]:
    """The stored client, with all its courses and all their sessions (content, position,
    status, signatures, addenda), is the client of one of ``candidates``, byte for byte in canonical
    JSON; returns that candidate's index and its courses (which are then what is stored)."""
    stored = _stored_record(store, client_id)
    for k, doc in enumerate(candidates):
        client, courses = one_client(doc, client_id)
        if stored == _expected_record(client, courses):
            return k, courses
    summary = [(c[0], [(sid, status) for sid, _, status, _ in c[2]]) for c in stored[1:]]
    raise AssertionError(f"client {client_id} is not stored whole: {summary}")


def assert_children_match(store: Store, courses: Iterable[TreatmentCourse]) -> int:
    """Every session of these courses (as :func:`assert_client_whole` found them stored) has
    exactly the child rows (vitals, measures and their items, interventions, signatures) of its
    stored JSON; returns the sessions checked."""
    conn = store.conn
    checked = 0
    for course in courses:
        for session in course.sessions:
            sid = session.id
            status, content_hash, doc = conn.execute(
                "SELECT status, content_hash, doc FROM sessions WHERE id = ?", (sid,)
            ).fetchone()
            _vitals(store, sid, session)
            _interventions(store, sid, json.loads(doc))
            _measures(store, sid, course.client_id, session)
            signatures = conn.execute(
                "SELECT seq, content_hash, doc FROM signatures WHERE session_id = ? ORDER BY seq",
                (sid,),
            ).fetchall()
            assert [seq for seq, _, _ in signatures] == list(range(len(signatures)))
            assert all(
                h == content_hash == json.loads(d)["content_hash"] for _, h, d in signatures
            ), f"session {sid}: a signature row does not cover the stored content"
            assert len(signatures) == len(session.signatures)
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


def _interventions(store: Store, sid: str, data: dict[str, Any]) -> None:
    rows = store.conn.execute(
        "SELECT seq, type, doc FROM interventions WHERE session_id = ? ORDER BY seq", (sid,)
    ).fetchall()
    assert [(seq, t, json.loads(d)) for seq, t, d in rows] == [
        (k, iv["type"], iv) for k, iv in enumerate(data.get("interventions", []))
    ], f"session {sid}: intervention rows differ from its JSON"


def _score(instrument: str, items: Sequence[int | None]) -> tuple[float | None, str | None]:
    """(total, band) as the store should have written them (an independent re-scoring)."""
    instruments = registry().instruments
    if instrument not in instruments:
        return None, None
    result = instruments.get(instrument).score(items)
    return (result.total, result.band) if result.complete else (None, None)


def _measures(store: Store, sid: str, client_id: str, session: Session) -> None:
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
            *_score(m.instrument, m.items),
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
    assert (
        conn.execute("SELECT count(*) FROM sessions_fts").fetchone()[0]
        == (conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
    )
    conn.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
    conn.rollback()


def assert_verifies(store: Store, path: Path, *, env: dict[str, str] | None = None, cli: bool = True) -> None:
    """:func:`verify` passes, and (``cli``) so does ``kapnotes verify`` (exit 0, ``ok:``), run
    with the environment ``env`` (``None``: the store has a raw key, which the CLI cannot take)."""
    report = verify(store)
    assert report.ok, report.problems
    if not cli or (env is None and store.conn.__class__.__module__.startswith("sqlcipher3")):
        return
    assert_cli_verifies(path, env=env)


def assert_cli_verifies(path: Path, *, env: dict[str, str] | None = None) -> None:
    """``kapnotes verify --db path`` exits 0 and says ``ok:``."""
    from kapnotes.cli import cli

    result = CliRunner().invoke(cli, ["verify", "--db", str(path)], env=env or {})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: "), result.output
