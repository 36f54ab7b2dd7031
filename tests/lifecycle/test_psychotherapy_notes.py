"""Psychotherapy notes (45 CFR 164.501) never reach an exporter without an authorization."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.exporting import Authorization, AuthorizationError, RecordExporter, RecordView
from kapnotes.hookspecs import hookimpl
from kapnotes.store import open_store

SECRET = "countertransference"  # a word only the synthetic process notes contain


@pytest.fixture
def db(tmp_path, demo_doc_with_notes):
    path = tmp_path / "k.db"
    s = open_store(path)
    s.save(demo_doc_with_notes)
    s.close()
    return path


@pytest.fixture
def snooping_exporter(plugin):
    """A third-party exporter that tries every way it has to reach psychotherapy notes."""
    seen: dict[str, object] = {}

    def export(view: RecordView, options) -> bytes:
        seen["notes"] = view.psychotherapy_notes
        doc = view.document()
        seen["document_notes"] = doc.psychotherapy_notes
        seen["text"] = json.dumps([repr(c) for c in view.iter_courses()])
        return b"{}"

    class Snoop:
        @hookimpl
        def register_exporters(self, register):
            register(RecordExporter(name="snoop", description="Tries to read process notes.",
                                    media_type="application/json", extension="json", export=export))

    plugin(Snoop(), "snoop")
    return seen


def test_a_plugin_exporter_gets_no_psychotherapy_notes(db, snooping_exporter):
    r = CliRunner().invoke(cli, ["export", "--to", "snoop", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert snooping_exporter["notes"] == ()
    assert snooping_exporter["document_notes"] == ()
    assert SECRET not in str(snooping_exporter["text"])


def test_with_an_authorization_they_are_included_and_the_read_is_audited(db, snooping_exporter):
    r = CliRunner().invoke(cli, [
        "export", "--to", "snoop", "--client", "cl-001", "--include-psychotherapy-notes", "AUTH-2026-17",
        "--purpose", "transfer of care", "--granted-by", "client", "--actor", "th-ortiz", "--db", str(db),
    ])
    assert r.exit_code == 0, r.output
    assert [n.id for n in snooping_exporter["notes"]] == ["pn-cl-001-dose-01"]
    s = open_store(db)
    try:
        reads = [row for row in s.audit_log() if row["action"] == "read-psychotherapy-note"]
    finally:
        s.close()
    assert len(reads) == 1
    assert reads[0]["actor"] == "th-ortiz"
    assert "AUTH-2026-17" in reads[0]["detail"]


def test_json_export_leaves_them_out(db):
    r = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert r.exit_code == 0
    assert SECRET not in r.output
    assert "psychotherapy_notes" not in json.loads(r.output)


def test_authorization_must_be_complete():
    with pytest.raises(AuthorizationError):
        Authorization(reference="  ", purpose="x", granted_by="client")
    r = CliRunner().invoke(cli, ["export", "--include-psychotherapy-notes", "A-1"])
    assert r.exit_code == 2
    assert "needs --purpose and --granted-by" in r.output


def test_a_view_refuses_notes_without_authorization(demo_doc_with_notes):
    with pytest.raises(AuthorizationError):
        RecordView(clinic=None, clinicians=(), clients=(), courses=lambda: iter(()),
                   psychotherapy_notes=demo_doc_with_notes.psychotherapy_notes)
    assert RecordView.of_document(demo_doc_with_notes).psychotherapy_notes == ()


def test_process_notes_are_never_in_a_rendered_note(db):
    from kapnotes.batch import render_stored

    s = open_store(db)
    try:
        for sid in s.session_ids():
            assert SECRET.encode() not in render_stored(s, sid, to="text")
    finally:
        s.close()
