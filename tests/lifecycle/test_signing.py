"""Sign and lock: the gate, the hash, and immutability enforced by SQLite itself."""

from __future__ import annotations

import io
import sqlite3

import attrs
import docx
import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.errors import ImmutableError
from kapnotes.lifecycle import (
    SigningError,
    SigningRefused,
    add_addendum,
    cosign,
    needs_cosignature,
    sign,
)
from kapnotes.model import AddendumKind, NoteStatus, SignatureRole
from kapnotes.rendering import render
from kapnotes.store import open_store, session_content_hash
from kapnotes.store.triggers import check_triggers


def _rows(store, sql, *args):
    return store.conn.execute(sql, args).fetchall()


def test_signing_is_refused_while_a_blocking_finding_stands(demo_store):
    with pytest.raises(SigningRefused) as exc:
        sign(demo_store, "cl-002-dose-03", "dr-ames")
    assert {f.code for f in exc.value.findings} == {"KAP-RISK-002", "KAP-RISK-003"}
    assert "KAP-RISK-002" in str(exc.value)
    assert _rows(demo_store, "SELECT status FROM sessions WHERE id = 'cl-002-dose-03'") == [("draft",)]
    assert _rows(demo_store, "SELECT count(*) FROM signatures WHERE session_id = 'cl-002-dose-03'") == [(0,)]


def test_sign_records_signer_credentials_time_and_content_hash(demo_store):
    _, before = demo_store.session("cl-001-dose-01")
    signed = sign(demo_store, "cl-001-dose-01", "dr-ames")
    _, stored = demo_store.session("cl-001-dose-01")
    assert stored == signed
    assert stored.status is NoteStatus.SIGNED
    g = stored.signatures[0]
    assert (g.clinician_id, g.signer_name, g.credentials, g.role) == ("dr-ames", "Dr. Lee Ames", "MD", SignatureRole.AUTHOR)
    assert g.content_hash == session_content_hash(before) == session_content_hash(stored)
    assert g.signed_at.tzinfo is not None
    text = render(stored, course=demo_store.course("course-cl-001"), format="kap-dosing", to="text").decode()
    assert g.content_hash in text
    assert "DRAFT" not in text


def test_only_a_clinician_of_the_session_signs_and_only_once(demo_store):
    with pytest.raises(SigningError, match="not a clinician of session"):
        sign(demo_store, "cl-001-integ-01", "dr-ames")
    sign(demo_store, "cl-001-integ-01", "th-ortiz")
    with pytest.raises(SigningError, match="already signed"):
        sign(demo_store, "cl-001-integ-01", "th-ortiz")


def test_a_signed_note_cannot_change_through_the_api(demo_store, demo_doc):
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    course = demo_store.course("course-cl-001")
    s = course.session("cl-001-dose-01")
    edited = attrs.evolve(s, intention="rewritten")
    doc = attrs.evolve(
        demo_doc,
        courses=tuple(
            attrs.evolve(c, sessions=tuple(edited if x.id == s.id else x for x in course.sessions))
            if c.id == course.id else c
            for c in demo_doc.courses
        ),
    )
    with pytest.raises(ImmutableError, match="is signed"):
        demo_store.save(doc)
    # Re-importing the original draft of a signed note is refused too (it would un-sign it).
    with pytest.raises(ImmutableError):
        demo_store.save(demo_doc)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sessions SET doc = replace(doc, 'curiosity', 'certainty') WHERE id = 'cl-001-dose-01'",
        "UPDATE sessions SET narrative_text = 'x' WHERE id = 'cl-001-dose-01'",
        "UPDATE sessions SET status = 'draft' WHERE id = 'cl-001-dose-01'",
        "UPDATE sessions SET start = '2026-01-13T09:00:00-07:00' WHERE id = 'cl-001-dose-01'",
        "DELETE FROM sessions WHERE id = 'cl-001-dose-01'",
        "UPDATE vitals SET systolic = 200 WHERE session_id = 'cl-001-dose-01'",
        "DELETE FROM vitals WHERE session_id = 'cl-001-dose-01'",
        "INSERT INTO vitals (session_id, seq, at_utc) VALUES ('cl-001-dose-01', 99, 'x')",
        "UPDATE measures SET total = 0 WHERE session_id = 'cl-001-dose-01'",
        "UPDATE measure_items SET value = 0 WHERE measure_id = 'cl-001-dose-01-phq9'",
        "DELETE FROM interventions WHERE session_id = 'cl-001-dose-01'",
        "UPDATE signatures SET signed_at = 'x'",
        "DELETE FROM signatures",
        "UPDATE audit SET actor = 'someone else' WHERE id = 1",
        "DELETE FROM audit WHERE id = 1",
    ],
)
def test_raw_sql_cannot_change_signed_content_or_the_audit_log(demo_store, sql):
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    with pytest.raises(sqlite3.IntegrityError, match="kapnotes:"):
        demo_store.conn.execute(sql)


def test_drafts_stay_editable_in_sql(demo_store):
    demo_store.conn.execute("UPDATE vitals SET systolic = 121 WHERE session_id = 'cl-001-dose-02' AND seq = 0")


def test_cosignature_by_the_supervisor_of_a_pre_licensed_author(demo_store):
    signed = sign(demo_store, "cl-002-integ-01", "th-kim")  # AMFT, supervised by th-ortiz
    assert needs_cosignature(demo_store, signed)
    with pytest.raises(SigningError, match="not the supervisor"):
        cosign(demo_store, "cl-002-integ-01", "dr-ames")
    done = cosign(demo_store, "cl-002-integ-01", "th-ortiz")
    assert [g.role for g in done.signatures] == [SignatureRole.AUTHOR, SignatureRole.COSIGNER]
    assert not needs_cosignature(demo_store, done)
    with pytest.raises(SigningError, match="already co-signed"):
        cosign(demo_store, "cl-002-integ-01", "th-ortiz")
    sign(demo_store, "cl-001-integ-01", "th-ortiz")
    with pytest.raises(SigningError, match="is licensed"):
        cosign(demo_store, "cl-001-integ-01", "th-ortiz")


def test_addenda_are_signed_appended_and_shown_after_the_original(demo_store):
    with pytest.raises(SigningError, match="draft"):
        add_addendum(demo_store, "cl-001-dose-01", "dr-ames", "too early")
    sign(demo_store, "cl-001-dose-01", "dr-ames")
    a1 = add_addendum(demo_store, "cl-001-dose-01", "dr-ames", "Late entry: client called next day, doing well.")
    a2 = add_addendum(
        demo_store, "cl-001-dose-01", "rn-bell", "Discharge time was 11:55, not 11:50.",
        kind=AddendumKind.AMENDMENT, reason="transcription error",
    )
    course, s = demo_store.session("cl-001-dose-01")
    assert [a.id for a in s.addenda] == [a1.id, a2.id]
    assert s.status is NoteStatus.AMENDED
    assert all(a.signature is not None for a in s.addenda)
    data = render(s, course=course, document=demo_store.document(client_ids=["cl-001"]), format="kap-dosing", to="docx")
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    tables = "\n".join(c.text for t in docx.Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells)
    everything = body + "\n" + tables
    assert "Late entry: client called next day, doing well." in everything
    assert "transcription error" in everything
    assert everything.index("Late entry") > everything.index("Monitoring timeline")


def test_cli_sign_addendum_cosign(tmp_path, demo_doc):
    db = tmp_path / "k.db"
    open_store(db).save(demo_doc)
    run = CliRunner()
    r = run.invoke(cli, ["sign", "cl-002-dose-03", "--clinician", "dr-ames", "--db", str(db)])
    assert r.exit_code == 1
    assert "KAP-RISK-002" in r.stderr
    r = run.invoke(cli, ["sign", "cl-002-integ-02", "--clinician", "th-kim", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "awaiting the supervisor's co-signature" in r.output
    r = run.invoke(cli, ["cosign", "cl-002-integ-02", "--clinician", "th-ortiz", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["addendum", "cl-002-integ-02", "--clinician", "th-kim", "--text", "Follow-up call done.", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["addendum", "cl-002-integ-02", "--clinician", "th-kim", "--amendment", "--text", "x", "--db", str(db)])
    assert r.exit_code == 2
    assert "needs --reason" in r.output
    r = run.invoke(cli, ["verify", "--db", str(db)])
    assert r.exit_code == 0, r.output


def test_migrations_recreate_triggers_that_transform_dropped(tmp_path, demo_doc):
    path = tmp_path / "k.db"
    s = open_store(path)
    s.save(demo_doc)
    s.db.table("vitals").transform(types={"systolic": float})  # sqlite-utils drops triggers here
    assert set(check_triggers(s.db)) >= {"vitals_signed_no_update", "vitals_signed_no_delete"}
    s.close()
    s = open_store(path)  # every open re-checks (and re-creates) the triggers
    try:
        assert check_triggers(s.db) == []
        sign(s, "cl-001-dose-01", "dr-ames")
        with pytest.raises(sqlite3.IntegrityError, match="kapnotes:"):
            s.conn.execute("UPDATE vitals SET systolic = 1 WHERE session_id = 'cl-001-dose-01'")
    finally:
        s.close()
