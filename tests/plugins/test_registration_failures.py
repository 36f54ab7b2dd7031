"""Mistakes a plugin author makes at registration are named and contained: the rest works."""

from __future__ import annotations

import json
import warnings

import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes.cli import cli
from kapnotes.errors import PluginError
from kapnotes.exporting import NoteExporter
from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.plugins import PluginLoadWarning, registry


def _fmt(name: str) -> NoteFormat:
    return NoteFormat(name=name, description="mine", build=lambda ctx: None)


def _quiet_invoke(args: list[str]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        return CliRunner().invoke(cli, args)


class Misspelled:
    @hookimpl
    def register_note_format(self, register):  # singular: not a kapnotes hook
        register(_fmt("never-registered"))


class Undecorated:
    def register_exporters(self, register):  # forgot @hookimpl
        raise AssertionError("never called")


def test_a_misspelled_hook_is_a_warning_with_a_suggestion(plugin):
    plugin(Misspelled(), "misspelled")  # recorded now, warned when the registry is built
    with pytest.warns(PluginLoadWarning, match=r"'misspelled'.*register_note_format.*did you mean register_note_formats\?"):
        registry()
    assert "never-registered" not in registry().note_formats


def test_a_hook_without_hookimpl_is_a_warning(plugin):
    plugin(Undecorated(), "undecorated")
    with pytest.warns(PluginLoadWarning, match=r"'undecorated'.*register_exporters.*@kapnotes.hookimpl"):
        registry()


def test_a_misspelled_hook_is_an_error_in_strict_mode(plugin, monkeypatch):
    monkeypatch.setenv("KAPNOTES_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"did you mean register_note_formats\?"):
        plugin(Misspelled(), "misspelled")


def test_a_builtin_name_stays_the_builtins_and_the_clash_is_a_warning(plugin):
    class A:
        @hookimpl
        def register_note_formats(self, register):
            register(_fmt("soap"))
            register(_fmt("clinic-a-note"))

    plugin(A(), "clinic-a")
    with pytest.warns(PluginLoadWarning, match=r"note format 'soap'.*'clinic-a'.*already registered by 'kapnotes.default_plugins.note_formats'"):
        reg = registry()
    assert reg.note_formats.entry("soap").plugin == "kapnotes.default_plugins.note_formats"
    assert reg.note_formats.entry("clinic-a-note").plugin == "clinic-a"  # the rest is kept


def test_two_plugins_with_one_name_keep_the_first(plugin):
    class One:
        @hookimpl
        def register_note_formats(self, register):
            register(_fmt("shared"))

    class Two:
        @hookimpl
        def register_note_formats(self, register):
            register(_fmt("shared"))

    plugin(One(), "clinic-one")
    plugin(Two(), "clinic-two")
    with pytest.warns(PluginLoadWarning, match=r"'shared'.*'clinic-two'.*already registered by 'clinic-one'"):
        reg = registry()
    assert reg.note_formats.entry("shared").plugin == "clinic-one"


def test_a_clash_is_an_error_in_strict_mode(plugin, monkeypatch):
    class A:
        @hookimpl
        def register_note_formats(self, register):
            register(_fmt("soap"))

    plugin(A(), "clinic-a")
    monkeypatch.setenv("KAPNOTES_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"'soap'.*'clinic-a'"):
        registry()


def test_a_wrong_type_skips_that_registration_only(plugin):
    class B:
        @hookimpl
        def register_exporters(self, register):
            register("docx2")
            register(NoteExporter(name="b-ok", description="", media_type="x/y", extension="x", export=lambda n, o: b""))

    plugin(B(), "clinic-b")
    with pytest.warns(PluginLoadWarning, match=r"plugin 'clinic-b' registered 'docx2' as an exporter"):
        reg = registry()
    assert "b-ok" in reg.exporters


def test_an_invalid_name_skips_that_registration_only(plugin):
    class C:
        @hookimpl
        def register_exporters(self, register):
            register(NoteExporter(name="Bad Name", description="", media_type="x/y", extension="x", export=lambda n, o: b""))

    plugin(C(), "clinic-c")
    with pytest.warns(PluginLoadWarning, match="invalid name 'Bad Name'"):
        reg = registry()
    assert "docx" in reg.exporters


class Raising:
    @hookimpl
    def register_commands(self, cli):
        raise RuntimeError("no licence")


def test_help_works_when_register_commands_raises(plugin):
    plugin(Raising(), "raising-commands")
    cli._plugins_added = False  # type: ignore[attr-defined]
    with pytest.warns(PluginLoadWarning, match=r"'raising-commands' failed in register_commands.*RuntimeError: no licence"):
        result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    assert "render" in result.output


class ClashingFormat:
    @hookimpl
    def register_note_formats(self, register):
        register(_fmt("soap"))


class BadType:
    @hookimpl
    def register_exporters(self, register):
        register(object())


@pytest.mark.parametrize("args", [["formats"], ["plugins"], ["--help"], ["instruments"], ["rules"]])
def test_every_listing_works_with_every_kind_of_broken_plugin(plugin, args):
    plugin(Misspelled(), "misspelled")
    plugin(ClashingFormat(), "clashing")
    plugin(BadType(), "bad-type")
    plugin(Raising(), "raising-commands")
    cli._plugins_added = False  # type: ignore[attr-defined]
    result = _quiet_invoke(args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_the_plugins_listing_shows_each_plugins_warnings_once(plugin):
    plugin(Misspelled(), "misspelled")
    plugin(ClashingFormat(), "clashing")
    plugin(BadType(), "bad-type")
    plugin(Raising(), "raising-commands")
    cli._plugins_added = False  # type: ignore[attr-defined]
    result = _quiet_invoke(["plugins"])
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.output)}
    assert len(listed["misspelled"]["warnings"]) == 1
    assert "did you mean register_note_formats?" in listed["misspelled"]["warnings"][0]
    assert len(listed["clashing"]["warnings"]) == 1
    assert "'soap'" in listed["clashing"]["warnings"][0]
    assert len(listed["bad-type"]["warnings"]) == 1
    assert len(listed["raising-commands"]["warnings"]) == 1
    assert "register_commands" in listed["raising-commands"]["warnings"][0]


def test_a_plugin_that_failed_to_import_is_listed_with_its_error(entry_points):
    entry_points("broken", "raise RuntimeError('missing licence file')")
    plugins._invalidate()
    result = _quiet_invoke(["plugins"])
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.output)}
    assert listed["broken"]["loaded"] is False
    assert "RuntimeError: missing licence file" in listed["broken"]["warnings"][0]
