"""Plugin code that fails while kapnotes runs it is named, contained, and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import kapnotes
from kapnotes.cli import cli
from kapnotes.errors import PluginFailure
from kapnotes.exporting import NoteExporter, RecordExporter, RecordView, export_record
from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.store import open_store


def _raising_build(ctx):
    return {}["lot_number"]


class HarborLight:
    @hookimpl
    def register_note_formats(self, register):
        register(NoteFormat(name="hl-procedure", description="procedure note", build=_raising_build))
        register(NoteFormat(name="hl-text", description="returns text", build=lambda ctx: "a note"))

    @hookimpl
    def register_exporters(self, register):
        register(NoteExporter(name="hl-pdf", description="", media_type="application/pdf",
                              extension="pdf", export=lambda note, options: 1 / 0))
        register(NoteExporter(name="hl-str", description="", media_type="text/plain",
                              extension="txt", export=lambda note, options: "not bytes"))
        register(RecordExporter(name="hl-csv", description="", media_type="text/csv",
                                extension="csv", export=lambda view, options: [][1]))

    @hookimpl
    def register_commands(self, cli):
        @cli.command("hl-sync")
        def hl_sync():
            """Send notes to the harbour (always fails)."""
            raise ConnectionError("harbour unreachable")

        @cli.command("hl-ok")
        @click.argument("n", type=int)
        def hl_ok(n):
            """Works, and its usage errors stay click's."""
            click.echo(f"ok {n}")


@pytest.fixture
def harbor(plugin):
    plugin(HarborLight(), "harbor_light")
    cli._plugins_added = False  # type: ignore[attr-defined]
    yield
    for name in ("hl-sync", "hl-ok"):
        cli.commands.pop(name, None)  # type: ignore[attr-defined]
    cli._plugins_added = False  # type: ignore[attr-defined]


def test_a_raising_format_names_format_plugin_session_and_error(harbor, demo_doc):
    _, session = demo_doc.find_session("cl-001-dose-01")
    with pytest.raises(PluginFailure) as info:
        kapnotes.render(session, document=demo_doc, format="hl-procedure", to="text")
    assert str(info.value) == (
        "note format 'hl-procedure' (plugin harbor_light) failed on cl-001-dose-01: "
        "KeyError: 'lot_number'"
    )
    assert isinstance(info.value.__cause__, KeyError)


def test_a_format_returning_str_is_the_formats_broken_contract(harbor, demo_doc):
    _, session = demo_doc.find_session("cl-001-dose-01")
    with pytest.raises(PluginFailure, match=r"note format 'hl-text' \(plugin harbor_light\) failed on cl-001-dose-01: it returned str, expected Note"):
        kapnotes.render(session, document=demo_doc, format="hl-text", to="text")


def test_raising_and_wrong_type_exporters_are_named(harbor, demo_doc):
    _, session = demo_doc.find_session("cl-001-dose-01")
    with pytest.raises(PluginFailure, match=r"note exporter 'hl-pdf' \(plugin harbor_light\) failed on cl-001-dose-01: ZeroDivisionError"):
        kapnotes.render(session, document=demo_doc, format="soap", to="hl-pdf")
    with pytest.raises(PluginFailure, match=r"note exporter 'hl-str' .*returned str, expected bytes"):
        kapnotes.render(session, document=demo_doc, format="soap", to="hl-str")


def test_a_raising_record_exporter_is_named(harbor, demo_doc):
    with pytest.raises(PluginFailure, match=r"record exporter 'hl-csv' \(plugin harbor_light\) failed on the record: IndexError"):
        export_record(RecordView.of_document(demo_doc), "hl-csv")


@pytest.fixture
def db(tmp_path: Path, demo_doc) -> Path:
    path = tmp_path / "k.db"
    with open_store(path) as store:
        store.save(demo_doc)
    return path


def _invoke(args):
    result = CliRunner().invoke(cli, args)
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_cli_render_failure_is_one_error_line_and_writes_nothing(harbor, db, tmp_path):
    out = tmp_path / "note.txt"
    result, text = _invoke(["render", "cl-001-dose-01", "--db", str(db), "-f", "hl-procedure",
                            "--to", "text", "-o", str(out)])
    assert result.exit_code == 1
    assert "error: note format 'hl-procedure' (plugin harbor_light) failed on cl-001-dose-01: KeyError: 'lot_number'" in text
    assert "Traceback" not in text
    assert not out.exists()


def test_cli_failed_export_writes_no_file_and_no_audit_row(harbor, db, tmp_path):
    out = tmp_path / "record.csv"
    with open_store(db) as store:
        before = len(store.audit_log())
    result, text = _invoke(["export", "--db", str(db), "--to", "hl-csv", "-o", str(out)])
    assert result.exit_code == 1, text
    assert "error: record exporter 'hl-csv' (plugin harbor_light) failed" in text
    assert "Traceback" not in text
    assert not out.exists()
    with open_store(db) as store:
        assert len(store.audit_log()) == before


def test_a_raising_plugin_command_is_named_and_click_errors_stay_clicks(harbor):
    result, text = _invoke(["hl-sync"])
    assert result.exit_code == 1
    assert "error: command 'hl-sync' (plugin harbor_light) failed: ConnectionError: harbour unreachable" in text
    assert "Traceback" not in text
    result, text = _invoke(["hl-ok", "3"])
    assert result.exit_code == 0 and "ok 3" in text
    result, text = _invoke(["hl-ok", "three"])
    assert result.exit_code == 2 and "Invalid value" in text


def test_a_built_in_format_still_renders_beside_a_broken_plugin(harbor, db):
    result, text = _invoke(["render", "cl-001-dose-01", "--db", str(db), "-f", "soap", "--to",
                            "text", "-o", "-"])
    assert result.exit_code == 0, text
    assert "cl-001" in text or "SOAP" in text.upper()
    listed = json.loads(CliRunner().invoke(cli, ["plugins"]).output)
    assert any(p["name"] == "harbor_light" for p in listed)
