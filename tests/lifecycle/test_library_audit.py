"""The library audits what leaves the store — exports and rendered notes — not only the CLI,
and only once it has succeeded."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.batch import render_all, render_stored
from kapnotes.cli import cli
from kapnotes.errors import PluginFailure
from kapnotes.exporting import RecordExporter, RecordView, export_record
from kapnotes.hookspecs import hookimpl


def _rows(store, action):
    return [r for r in store.audit_log() if r["action"] == action]


def test_export_record_of_a_store_is_audited_per_client(demo_store) -> None:
    before = len(_rows(demo_store, "export"))
    view = RecordView.of_store(demo_store, client_ids=["cl-001", "cl-003"])
    data = export_record(view, "json")
    assert data.startswith(b"{")
    rows = _rows(demo_store, "export")[before:]
    assert sorted(r["patient"] for r in rows) == ["cl-001", "cl-003"]


def test_export_record_of_a_document_writes_no_audit(demo_doc, demo_store) -> None:
    before = len(demo_store.audit_log())
    export_record(RecordView.of_document(demo_doc), "json")
    assert len(demo_store.audit_log()) == before


class Failing:
    @hookimpl
    def register_exporters(self, register):
        register(RecordExporter(name="t-fail", description="", media_type="text/csv",
                                extension="csv", export=lambda view, options: 1 / 0))


def test_a_failed_library_export_is_not_audited(demo_store, plugin) -> None:
    plugin(Failing(), "t-fail-plugin")
    before = len(demo_store.audit_log())
    with pytest.raises(PluginFailure):
        export_record(RecordView.of_store(demo_store), "t-fail")
    assert len(demo_store.audit_log()) == before


def test_render_stored_is_audited(demo_store) -> None:
    before = len(_rows(demo_store, "render"))
    render_stored(demo_store, "cl-001-dose-01", to="text")
    rows = _rows(demo_store, "render")[before:]
    assert [(r["object"], r["patient"]) for r in rows] == [("session:cl-001-dose-01", "cl-001")]


def test_render_all_audits_each_note_written(demo_store, tmp_path: Path) -> None:
    before = len(_rows(demo_store, "render"))
    paths = list(render_all(demo_store, tmp_path / "notes", to="text", client_id="cl-003", workers=2))
    rows = _rows(demo_store, "render")[before:]
    assert len(rows) == len(paths) == len(demo_store.session_ids("cl-003"))
    assert {r["object"] for r in rows} == {f"session:{s}" for s in demo_store.session_ids("cl-003")}


def test_cli_render_audits_after_writing_and_not_on_failure(demo_store, tmp_path: Path) -> None:
    db = str(demo_store.path)
    before = len(_rows(demo_store, "render"))
    out = tmp_path / "n.txt"
    r = CliRunner().invoke(cli, ["render", "cl-001-dose-01", "--to", "text", "-o", str(out), "--db", db])
    assert r.exit_code == 0, r.output
    assert len(_rows(demo_store, "render")) == before + 1
    (tmp_path / "f").write_text("a file")
    r = CliRunner().invoke(cli, ["render", "cl-001-dose-01", "--to", "text", "-o",
                                 str(tmp_path / "f" / "n.txt"), "--db", db])
    assert r.exit_code == 1
    assert len(_rows(demo_store, "render")) == before + 1


def test_verify_accepts_render_and_export_rows(demo_store) -> None:
    from kapnotes.store.verify import verify

    render_stored(demo_store, "cl-001-dose-01", to="text")
    export_record(RecordView.of_store(demo_store), "json")
    assert verify(demo_store).ok
