"""Signatures that prove who signed: import refuses what does not verify; an exported record
verifies on another machine with only the public keys, and fails after any change."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.store import open_store

from .conftest import COSIGNED, SIGNED


def export(db, tmp_path):
    record, keys = tmp_path / "record.json", tmp_path / "keys.json"
    r = CliRunner().invoke(cli, ["export", "--to", "json", "-o", str(record), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["keys", "export", "--out", str(keys), "--db", str(db)])
    assert r.exit_code == 0, r.output
    return record, keys


def only_signed_with_keys(record):
    """Keep the notes signed with Ed25519 (the demo's own signatures were made without keys)."""
    data = json.loads(record.read_text())
    for c in data["courses"]:
        c["sessions"] = [s for s in c["sessions"] if s["id"] in (SIGNED, COSIGNED) or "signatures" not in s]
    record.write_text(json.dumps(data))
    return data


def verify_record(record, keys):
    return CliRunner().invoke(cli, ["verify", str(record), "--keys", str(keys)])


def test_an_exported_record_verifies_elsewhere_and_fails_after_any_change(db, tmp_path):
    record, keys = export(db, tmp_path)
    data = only_signed_with_keys(record)
    r = verify_record(record, keys)
    assert r.exit_code == 0, r.output
    assert "2 signed note(s), every signature verified" in r.output

    def session(d, sid):
        return next(s for c in d["courses"] for s in c["sessions"] if s["id"] == sid)

    changes = {
        "dose": (lambda d: session(d, SIGNED)["dosing"].update(dose_mg=340.0), "does not match the content"),
        "signer name": (lambda d: session(d, SIGNED)["signatures"][0].update(signer_name="Dr. Other"), "Ed25519 signature does not verify"),
        "addendum text": (lambda d: session(d, SIGNED)["addenda"][0].update(text="No answer."), "does not match its signature"),
        "date of birth": (lambda d: d["clients"][0].update(date_of_birth="1990-01-01"), "differ from what the note showed when signed"),
        "author signature removed": (lambda d: session(d, COSIGNED)["signatures"].pop(0), "a signed note needs an author signature"),
    }
    for name, (change, message) in changes.items():
        altered = json.loads(json.dumps(data))
        change(altered)
        record.write_text(json.dumps(altered))
        r = verify_record(record, keys)
        assert r.exit_code == 1, name
        assert message in r.stderr, (name, r.stderr)


def test_verifying_a_record_needs_trusted_keys(db, tmp_path):
    record, _ = export(db, tmp_path)
    r = CliRunner().invoke(cli, ["verify", str(record)])
    assert r.exit_code == 2 and "needs --keys" in r.output


def test_import_refuses_a_made_up_signature_and_stores_the_note_as_a_draft(tmp_path, demo_doc):
    """The demo's signatures carry no digital signature: imported, each note becomes a draft."""
    from kapnotes.serialization import dumps

    record = tmp_path / "record.json"
    record.write_text(dumps(demo_doc))
    db = tmp_path / "new.db"
    r = CliRunner().invoke(cli, ["import", str(record), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "refused: session cl-001-intake-01: imported as a draft: signature 0 by th-ortiz refused: has no digital signature" in r.stderr
    s = open_store(db)
    try:
        assert s.conn.execute("SELECT count(*) FROM sessions WHERE status != 'draft'").fetchone()[0] == 0
        assert s.conn.execute("SELECT count(*) FROM signatures").fetchone()[0] == 0
    finally:
        s.close()


def test_import_accepts_signatures_that_verify_against_registered_keys(db, tmp_path, keys):
    from kapnotes.lifecycle import import_document
    from kapnotes.serialization import load
    from kapnotes.signatures import raw_public_key

    from .conftest import SINCE

    record, _ = export(db, tmp_path)
    only_signed_with_keys(record)
    doc = load(record)
    target = open_store(tmp_path / "other.db")
    try:
        target.save(doc.__class__(clinic=doc.clinic, clinicians=doc.clinicians))
        for cid, k in keys.items():
            target.register_public_key(cid, raw_public_key(k), valid_from=SINCE)
        result = import_document(target, doc)
        assert result.refused == ()
        status = dict(target.conn.execute("SELECT id, status FROM sessions"))
        assert status[SIGNED] == "signed" and status[COSIGNED] == "signed"
        from kapnotes.store.verify import verify

        assert verify(target).ok
    finally:
        target.close()


def test_import_refuses_a_signature_by_an_unregistered_key(db, tmp_path):
    from kapnotes.lifecycle import import_document
    from kapnotes.serialization import load

    record, _ = export(db, tmp_path)
    only_signed_with_keys(record)
    target = open_store(tmp_path / "other.db")
    try:
        result = import_document(target, load(record))
        assert any(f"session {SIGNED}: imported as a draft: signature 0 by dr-ames refused: key ed25519:" in r for r in result.refused)
        assert target.conn.execute("SELECT status FROM sessions WHERE id = ?", (SIGNED,)).fetchone()[0] == "draft"
    finally:
        target.close()
