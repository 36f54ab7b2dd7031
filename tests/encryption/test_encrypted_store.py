"""An encrypted store does everything a plain one does: save, read, search, sign, co-sign,
addenda, psychotherapy notes with an authorization, audit, verify, immutability in SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from kapnotes.exporting import Authorization
from kapnotes.lifecycle import add_addendum, cosign, sign
from kapnotes.model import Document, NoteStatus
from kapnotes.serialization import dumps
from kapnotes.store import Store, open_store
from kapnotes.store.verify import verify
from kapnotes.synthetic import build_document
from tests.encryption.conftest import PASSPHRASE, RAW_KEY


def test_read_back_exactly_what_was_saved(encrypted: Store, demo_doc: Document) -> None:
    assert encrypted.conn.__class__.__module__.startswith("sqlcipher3")
    assert dumps(encrypted.document()) == dumps(demo_doc)
    assert encrypted.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert encrypted.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert [h.session_id for h in encrypted.search("ocean")]
    assert encrypted.instrument_scores("phq9")


def test_sign_cosign_addendum_and_verify(encrypted: Store, db_path: Path) -> None:
    signed = sign(encrypted, "cl-001-dose-01", "dr-ames")
    assert signed.status is NoteStatus.SIGNED
    sign(encrypted, "cl-002-integ-01", "th-kim")  # pre-licensed: needs a co-signature
    cosign(encrypted, "cl-002-integ-01", "th-ortiz")
    add_addendum(encrypted, "cl-001-dose-01", "dr-ames", "Late entry: BP rechecked, normal.")
    report = verify(encrypted)
    assert report.ok, report.problems
    actions = [r["action"] for r in encrypted.audit_log()]
    assert actions.count("sign") >= 3 and "addendum" in actions
    encrypted.close()

    with open_store(db_path, key=PASSPHRASE, create=False) as again:
        assert verify(again).ok
        _, s = again.session("cl-001-dose-01")
        assert s.status is NoteStatus.SIGNED and len(s.addenda) == 1
        assert len(again.session("cl-002-integ-01")[1].signatures) == 2


def test_signed_content_is_immutable_in_the_encrypted_database(encrypted: Store) -> None:
    sign(encrypted, "cl-001-dose-01", "dr-ames")
    from sqlcipher3 import dbapi2 as sqlcipher

    with pytest.raises(sqlcipher.IntegrityError, match="kapnotes: session is signed"):
        encrypted.conn.execute("UPDATE sessions SET doc = '{}' WHERE id = 'cl-001-dose-01'")
    with pytest.raises(sqlcipher.IntegrityError, match="append-only"):
        encrypted.conn.execute("DELETE FROM audit")
    encrypted.conn.rollback()
    assert verify(encrypted).ok


def test_psychotherapy_notes_stay_apart_and_their_reads_are_audited(db_path: Path) -> None:
    doc = build_document(clients=2, with_process_notes=True)
    with open_store(db_path, key=RAW_KEY) as s:
        s.save(doc)
        assert dumps(s.document()) == dumps(
            Document(
                clinic=doc.clinic,
                clinicians=doc.clinicians,
                clients=doc.clients,
                courses=doc.courses,
            )
        )
        auth = Authorization(reference="AUTH-1", purpose="continuity of care", granted_by="client")
        notes = s.psychotherapy_notes([c.id for c in doc.clients], authorization=auth)
        assert notes == doc.psychotherapy_notes
        reads = [r for r in s.audit_log() if r["action"] == "read-psychotherapy-note"]
        assert len(reads) == len(notes)
        assert verify(s).ok


def test_many_saves_and_reopens(db_path: Path) -> None:
    """Batches saved across several opens of the same encrypted file, with a raw key."""
    for b in range(4):
        with open_store(db_path, key=RAW_KEY) as s:
            s.save(build_document(clients=2, first_client=2 * b))
    with open_store(db_path, key=RAW_KEY, create=False) as s:
        assert s.counts()["clients"] == 8
        assert verify(s).ok
