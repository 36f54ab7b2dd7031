"""The built-in exporters plugin: registered through the hook, imported lazily."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from kapnotes.default_plugins import exporters as plugin
from kapnotes.exporting import ExportOptions, NoteExporter
from kapnotes.notes.document import Note

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_plugin_registers_the_four_note_exporters_through_the_hook() -> None:
    registered: list[object] = []
    plugin.register_exporters(register=registered.append)
    assert [e.name for e in registered if isinstance(e, NoteExporter)] == [
        "docx",
        "markdown",
        "text",
        "json",
    ]
    assert {e.extension for e in registered} == {"docx", "md", "txt", "json"}


@pytest.mark.parametrize("name", ["docx", "markdown", "text", "json"])
def test_registry_exporters_work(name: str, note: Note) -> None:
    from kapnotes import plugins

    try:
        registry = plugins.registry()
    except Exception as exc:  # noqa: BLE001 - other built-in plugins may not be written yet
        pytest.skip(f"the plugin registry cannot load yet: {type(exc).__name__}: {exc}")
    exporter = registry.exporters.get(name)
    assert isinstance(exporter, NoteExporter)
    data = exporter.export(note, ExportOptions())
    if name == "docx":
        assert docx.Document(io.BytesIO(data)).paragraphs
    elif name == "json":
        assert json.loads(data)["kapnotes_note_version"] == "1"
    else:
        assert note.title in data.decode("utf-8")


def test_python_docx_is_not_imported_until_a_docx_export() -> None:
    code = (
        "import sys, kapnotes, kapnotes.default_plugins.exporters, kapnotes.exporters;"
        "assert 'docx' not in sys.modules, 'python-docx imported at import time'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
