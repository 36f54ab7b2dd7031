"""Who did what: the dosing record names its ordering clinician, the prescriber attests the
medical part, and every signature line (author, co-signer, prescriber attestation) is on the note."""

from __future__ import annotations

import attrs
import pytest

from kapnotes.lifecycle import SigningError, attest, sign
from kapnotes.model import NoteStatus, SignatureRole
from kapnotes.notes.document import SignatureBlock
from kapnotes.rendering import render
from kapnotes.rules.config import ClinicConfig
from kapnotes.rules.engine import check_session


@pytest.mark.parametrize("sid", ["cl-001-dose-01", "cl-004-dose-01"], ids=["im", "esketamine"])
def test_the_demo_dosing_drafts_show_the_prescriber_attestation_line(demo_store, sid) -> None:
    _, session = demo_store.session(sid)
    assert session.dosing is not None and session.dosing.ordering_clinician_id == "dr-ames"
    note = render_note(demo_store, sid)
    roles = {(b.role, b.signer) for b in note_signatures(note)}
    assert ("prescriber attestation", "Dr. Lee Ames") in roles
    assert any(r == "author" for r, _ in roles)


def render_note(store, sid):
    from kapnotes.rendering import build_note

    course, session = store.session(sid)
    doc = store.document(client_ids=[course.client_id])
    return build_note(session, format="kap-dosing", document=doc)


def note_signatures(note) -> list[SignatureBlock]:
    return list(note.signatures)


def test_attest_adds_the_prescriber_signature_after_the_author(demo_store) -> None:
    signed = sign(demo_store, "cl-001-dose-01", "th-ortiz")
    assert signed.status is NoteStatus.SIGNED
    attested = attest(demo_store, "cl-001-dose-01", "dr-ames")
    assert [s.role for s in attested.signatures] == [SignatureRole.AUTHOR,
                                                     SignatureRole.PRESCRIBER_ATTESTATION]
    _, stored = demo_store.session("cl-001-dose-01")
    assert stored.signatures == attested.signatures
    with pytest.raises(SigningError, match="already attested"):
        attest(demo_store, "cl-001-dose-01", "dr-ames")


def test_only_a_prescriber_attests_and_only_a_signed_note(demo_store) -> None:
    with pytest.raises(SigningError, match="no author signature"):
        attest(demo_store, "cl-003-dose-01", "dr-ames")
    sign(demo_store, "cl-003-dose-01", "th-ortiz")
    with pytest.raises(SigningError, match="not a prescriber"):
        attest(demo_store, "cl-003-dose-01", "rn-bell")


def test_the_clinic_policy_names_the_roles_a_dosing_note_needs(demo_store) -> None:
    course, _ = demo_store.session("cl-001-dose-01")
    signed = sign(demo_store, "cl-001-dose-01", "th-ortiz")
    doc = demo_store.document(client_ids=[course.client_id])
    found = [f for f in check_session(signed, course=course, document=doc)
             if f.code.startswith("KAP-ATTEST")]
    assert [(f.code, f.severity.value) for f in found] == [("KAP-ATTEST-003", "warning")]
    assert "prescriber attestation" in found[0].message
    only_author = ClinicConfig.from_data({"signing": {"dosing_roles": ["author"]}})
    assert [f for f in check_session(signed, only_author, course=course, document=doc)
            if f.code.startswith("KAP-ATTEST")] == []


def test_a_dosing_record_without_an_ordering_prescriber_cannot_be_signed(demo_store) -> None:
    course, s = demo_store.session("cl-001-dose-01")
    assert s.dosing is not None
    bare = attrs.evolve(s, dosing=attrs.evolve(s.dosing, ordering_clinician_id=None))
    doc = demo_store.document(client_ids=[course.client_id])
    codes = {(f.code, f.severity.value) for f in check_session(bare, course=course, document=doc)}
    assert ("KAP-ATTEST-001", "blocking") in codes
    nurse = attrs.evolve(s, dosing=attrs.evolve(s.dosing, ordering_clinician_id="rn-bell"))
    codes = {f.code for f in check_session(nurse, course=course, document=doc)}
    assert "KAP-ATTEST-001" in codes


def test_esketamine_needs_a_prescriber_among_the_session_clinicians(demo_store) -> None:
    course, s = demo_store.session("cl-004-dose-01")
    without = attrs.evolve(s, clinicians=tuple(c for c in s.clinicians if c.clinician_id != "dr-ames"))
    doc = demo_store.document(client_ids=[course.client_id])
    found = {(f.code, f.severity.value) for f in check_session(without, course=course, document=doc)}
    assert ("KAP-ATTEST-002", "blocking") in found
    assert render  # the Word rendering of attested notes is tested in tests/exporters


def test_cli_attest_with_keys_then_verify(tmp_path, demo_doc) -> None:
    """sign and attest from the command line, each with the signer's key; verify checks both."""
    from click.testing import CliRunner

    from kapnotes.cli import cli
    from kapnotes.store import open_store

    db = tmp_path / "k.db"
    with open_store(db) as s:
        s.save(demo_doc)
    run = CliRunner().invoke
    for who in ("th-ortiz", "dr-ames"):
        r = run(cli, ["keys", "new", "--clinician", who, "--out", str(tmp_path / f"{who}.pem"),
                      "--db", str(db)])
        assert r.exit_code == 0, r.output
    r = run(cli, ["sign", "cl-001-dose-01", "--clinician", "th-ortiz", "--key",
                  str(tmp_path / "th-ortiz.pem"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run(cli, ["attest", "cl-001-dose-01", "--clinician", "th-ortiz", "--db", str(db)])
    assert r.exit_code == 1 and "not a prescriber" in r.output
    r = run(cli, ["attest", "cl-001-dose-01", "--clinician", "dr-ames", "--key",
                  str(tmp_path / "dr-ames.pem"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "attested cl-001-dose-01 by Dr. Lee Ames" in r.output
    with open_store(db) as s:
        _, session = s.session("cl-001-dose-01")
    assert [g.role for g in session.signatures] == [SignatureRole.AUTHOR,
                                                    SignatureRole.PRESCRIBER_ATTESTATION]
    assert all(g.digital_signature for g in session.signatures)
    r = run(cli, ["verify", "--db", str(db)])
    assert r.exit_code == 0, r.output
    # Exported and verified elsewhere with only the public keys; a changed attestation fails.
    import json

    keys, record = tmp_path / "keys.json", tmp_path / "record.json"
    assert run(cli, ["keys", "export", "--out", str(keys), "--db", str(db)]).exit_code == 0
    assert run(cli, ["export", "--to", "json", "-o", str(record), "--db", str(db)]).exit_code == 0
    data = json.loads(record.read_text())  # only the key-signed note (the demo's are keyless)
    for c in data["courses"]:
        c["sessions"] = [s for s in c["sessions"] if s["id"] == "cl-001-dose-01"]
    record.write_text(json.dumps(data))
    r = run(cli, ["verify", str(record), "--keys", str(keys)])
    assert r.exit_code == 0, r.output
    session = next(s for c in data["courses"] for s in c["sessions"] if s["id"] == "cl-001-dose-01")
    session["signatures"][1]["signed_at"] = "2026-01-01T09:00:00+00:00"
    record.write_text(json.dumps(data))
    r = run(cli, ["verify", str(record), "--keys", str(keys)])
    assert r.exit_code == 1, r.output
    assert "cl-001-dose-01" in r.output
