"""Plugin loading: once, lazily, each plugin on its own; broken plugins are named, not fatal."""

from __future__ import annotations

import json
import warnings

import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes.cli import cli
from kapnotes.errors import UnknownNameError
from kapnotes.exporting import NoteExporter
from kapnotes.hookspecs import hookimpl
from kapnotes.plugins import PluginLoadWarning, registry

GOOD = '''
from kapnotes import hookimpl
from kapnotes.exporting import NoteExporter
@hookimpl
def register_exporters(register):
    register(NoteExporter(name="shout", description="Upper-case text.", media_type="text/plain",
                          extension="txt", export=lambda note, options: note.title.upper().encode()))
'''


def test_an_installed_plugin_is_loaded_once(entry_points):
    entry_points("good", GOOD)
    plugins._invalidate()
    assert registry().exporters.entry("shout").plugin == "good"
    plugins.load_plugins()
    assert sum(1 for n, _ in plugins.pm.list_name_plugin() if n == "good") == 1


def test_plugin_that_raises_on_import_is_named_and_the_rest_works(entry_points):
    entry_points("broken", "raise RuntimeError('missing licence file')")
    entry_points("good", GOOD)
    plugins._invalidate()
    with pytest.warns(PluginLoadWarning, match=r"'broken'.*RuntimeError: missing licence file"):
        reg = registry()
    assert "shout" in reg.exporters
    assert "soap" in reg.note_formats
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        result = CliRunner().invoke(cli, ["formats"])
    assert result.exit_code == 0
    assert "soap" in result.output


def test_cli_help_works_with_a_broken_plugin(entry_points):
    entry_points("broken", "import a_module_that_does_not_exist")
    cli._plugins_added = False  # type: ignore[attr-defined]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "render" in result.output
    assert any("'broken'" in str(w.message) for w in caught)


def test_strict_mode_re_raises(entry_points, monkeypatch):
    entry_points("broken", "raise RuntimeError('boom')")
    monkeypatch.setenv("KAPNOTES_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="boom"):
        plugins.load_plugins()


def test_load_plugins_restricts_by_name(entry_points, monkeypatch):
    entry_points("good", GOOD)
    entry_points("broken", "raise RuntimeError('never loaded')")
    monkeypatch.setenv("KAPNOTES_LOAD_PLUGINS", "good")
    plugins.load_plugins()
    names = {n for n, _ in plugins.pm.list_name_plugin()}
    assert "good" in names
    assert "broken" not in names


def test_a_plugin_failing_inside_a_hook_is_skipped_with_a_warning(plugin):
    class D:
        @hookimpl
        def register_exporters(self, register):
            register(NoteExporter(name="half", description="", media_type="x/y", extension="x", export=lambda n, o: b""))
            raise ValueError("config missing")

    plugin(D(), "clinic-d")
    with pytest.warns(PluginLoadWarning, match=r"'clinic-d' failed in register_exporters"):
        reg = registry()
    assert "half" not in reg.exporters  # nothing half-registered
    assert "docx" in reg.exporters


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownNameError, match=r"unknown note format 'soapy'; known: .*soap"):
        registry().note_formats.get("soapy")


def test_plugins_command_json(entry_points):
    entry_points("good", GOOD)
    plugins._invalidate()
    out = CliRunner().invoke(cli, ["plugins"]).output
    listed = {p["name"]: p for p in json.loads(out)}
    assert listed["good"]["hooks"] == ["register_exporters"]
    assert not any(p["builtin"] for p in listed.values())
    out_all = json.loads(CliRunner().invoke(cli, ["plugins", "--all"]).output)
    assert any(p["name"] == "kapnotes.default_plugins.note_formats" for p in out_all)


def test_builtins_are_registered_through_the_same_hooks():
    reg = registry()
    for kind, names in {
        "note_formats": {"soap", "dap", "birp", "girp", "pirp", "kap-dosing", "integration"},
        "exporters": {"docx", "markdown", "text", "json"},
        "record_exporters": {"json"},
        "intervention_types": {"cbt_reframing", "integration", "safety_planning"},
        "instruments": {"phq9", "gad7", "pcl5"},
    }.items():
        entries = {e.name: e.plugin for e in getattr(reg, kind).entries()}
        for n in names:
            assert entries[n].startswith("kapnotes.default_plugins."), (kind, n)
