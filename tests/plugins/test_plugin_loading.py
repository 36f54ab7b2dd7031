"""Plugin loading: once, lazily, each plugin on its own; broken plugins are named, not fatal."""

from __future__ import annotations

import importlib.metadata
import json
import sys
import types
import warnings

import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes.cli import cli
from kapnotes.errors import PluginError, UnknownNameError
from kapnotes.exporting import NoteExporter
from kapnotes.hookspecs import hookimpl
from kapnotes.plugins import PluginLoadWarning, registry


class FakeEntryPoint:
    """Stands for an installed distribution's entry point in group ``kapnotes``."""

    def __init__(self, name: str, module: str) -> None:
        self.name, self.value, self.group, self.dist = name, module, "kapnotes", None

    def load(self) -> object:
        return importlib.import_module(self.value)


@pytest.fixture
def entry_points(monkeypatch):
    """Install fake entry points for one test; plugin state is restored afterwards."""
    plugins.load_plugins()  # built-ins and real entry points stay; only the fakes are removed
    before = {name for name, _ in plugins.pm.list_name_plugin()}
    installed: list[FakeEntryPoint] = []
    real = importlib.metadata.entry_points

    def fake(**kw):
        if kw.get("group") == plugins.ENTRY_POINT_GROUP:
            return list(real(**kw)) + installed
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    monkeypatch.setattr(plugins, "_entry_points_loaded", False)

    def add(name: str, module_source: str) -> None:
        modname = f"_kapnotes_test_plugin_{name}"
        mod = types.ModuleType(modname)
        sys.modules[modname] = mod
        try:
            exec(compile(module_source, modname, "exec"), mod.__dict__)
        except Exception:  # noqa: BLE001 - any import-time failure
            del sys.modules[modname]
            # a module that fails at import: load() re-runs the failing source
            installed.append(_Failing(name, module_source))
            return
        installed.append(FakeEntryPoint(name, modname))

    yield add
    for name, _ in list(plugins.pm.list_name_plugin()):
        if name not in before:
            plugins.pm.unregister(name=name)
    plugins._invalidate()
    for ep in installed:
        sys.modules.pop(f"_kapnotes_test_plugin_{ep.name}", None)


class _Failing(FakeEntryPoint):
    def __init__(self, name: str, source: str) -> None:
        super().__init__(name, f"_kapnotes_test_plugin_{name}")
        self.source = source

    def load(self) -> object:
        exec(compile(self.source, self.value, "exec"), {})
        raise AssertionError("unreachable")  # pragma: no cover


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


def test_duplicate_name_is_an_error_naming_both(plugin):
    class A:
        @hookimpl
        def register_note_formats(self, register):
            from kapnotes.notes.format import NoteFormat

            register(NoteFormat(name="soap", description="mine", build=lambda ctx: None))

    plugin(A(), "clinic-a")
    with pytest.raises(PluginError, match=r"'soap' is registered by both 'kapnotes.default_plugins.note_formats' and 'clinic-a'"):
        registry()


def test_wrong_type_is_an_error_naming_the_plugin(plugin):
    class B:
        @hookimpl
        def register_exporters(self, register):
            register("docx2")

    plugin(B(), "clinic-b")
    with pytest.raises(PluginError, match=r"plugin 'clinic-b' registered 'docx2' as an exporter"):
        registry()


def test_invalid_name_is_refused(plugin):
    class C:
        @hookimpl
        def register_exporters(self, register):
            register(NoteExporter(name="Bad Name", description="", media_type="x/y", extension="x", export=lambda n, o: b""))

    plugin(C(), "clinic-c")
    with pytest.raises(PluginError, match="invalid name 'Bad Name'"):
        registry()


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
