"""The tutorial plugin of docs/plugins.md (sections 2 to 4) works as written: its code, taken
from the page, is registered with kapnotes.testing and renders a demo dosing session."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes.cli import cli
from kapnotes.model import SessionKind
from kapnotes.rendering import render
from kapnotes.serialization import dumps
from kapnotes.testing import registered_plugin

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL_SECTIONS = ("2.", "3.", "4.")


def tutorial_source() -> str:
    """The python blocks of the tutorial's sections, in page order."""
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    blocks: list[str] = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        if section.startswith(TUTORIAL_SECTIONS):
            blocks += re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 3, "the tutorial has a format, an exporter and their registration"
    return "\n\n".join(blocks)


@pytest.fixture
def tutorial() -> types.ModuleType:
    module = types.ModuleType("kapnotes_tutorial_plugin")
    exec(compile(tutorial_source(), "docs/plugins.md", "exec"), module.__dict__)
    return module


def _dosing_with_intention(doc):
    return next(
        (c, s) for c, s in doc.iter_sessions() if s.kind is SessionKind.DOSING and s.intention
    )


def test_the_tutorial_plugin_registers_and_renders(tutorial, demo_doc):
    _course, session = _dosing_with_intention(demo_doc)
    with registered_plugin(tutorial, "tutorial_clinic"):
        reg = plugins.registry()
        assert reg.note_formats.entry("handover").plugin == "tutorial_clinic"
        assert reg.exporters.entry("outline").plugin == "tutorial_clinic"
        assert plugins.plugin_warnings("tutorial_clinic") == []
        outline = render(session, document=demo_doc, format="handover", to="outline")
        assert outline.decode("utf-8").splitlines() == [
            "Dosing-day handover",
            "For the integration therapist",
        ]
        text = render(session, document=demo_doc, format="handover", to="text").decode("utf-8")
        assert " ".join(session.intention.split()) in " ".join(text.split())
        lines = text.splitlines()
        assert "Dosing-day handover" in lines  # the title, under the shared letterhead
        assert lines[0] == demo_doc.clinic.name
    assert "handover" not in plugins.registry().note_formats
    assert "outline" not in plugins.registry().exporters


def test_the_tutorial_command_line_works(tutorial, demo_doc, tmp_path, monkeypatch):
    """``kapnotes render <session> --format handover --to outline -o -``, as the page says."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "record.json").write_text(dumps(demo_doc), encoding="utf-8")
    _course, session = _dosing_with_intention(demo_doc)
    db = str(tmp_path / "kapnotes.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "record.json", "--db", db]).exit_code == 0
    with registered_plugin(tutorial, "tutorial_clinic"):
        formats = runner.invoke(cli, ["formats"])
        assert "handover" in formats.output and "plugin tutorial_clinic" in formats.output
        result = runner.invoke(
            cli, ["render", session.id, "--format", "handover", "--to", "outline", "-o", "-",
                  "--db", db],
        )
    assert result.exit_code == 0, result.output
    assert "Dosing-day handover" in result.output
    assert "For the integration therapist" in result.output
