"""kapnotes.testing: a plugin registered for one test, even when it is also installed."""

from __future__ import annotations

import pytest

import kapnotes.plugins as plugins
from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.plugins import register_plugin, registry, unregister_plugin
from kapnotes.testing import registered_plugin, third_party_plugins_blocked


def _plugin_with(fmt_name: str) -> object:
    class P:
        @hookimpl
        def register_note_formats(self, register):
            register(NoteFormat(name=fmt_name, description="x", build=lambda ctx: None))

    return P()


@pytest.fixture
def installed():
    """Stands for an installed plugin named 'clinic' (registered outside the test's control)."""
    obj = _plugin_with("installed-note")
    register_plugin(obj, name="clinic")
    yield obj
    if plugins.pm.get_plugin("clinic") is obj:
        unregister_plugin("clinic")


def test_registered_plugin_replaces_an_installed_one_and_puts_it_back(installed):
    assert "installed-note" in registry().note_formats
    with registered_plugin(_plugin_with("test-note"), "clinic"):
        assert "test-note" in registry().note_formats
        assert "installed-note" not in registry().note_formats
    assert plugins.pm.get_plugin("clinic") is installed
    assert "installed-note" in registry().note_formats
    assert "test-note" not in registry().note_formats


def test_registered_plugin_unregisters_even_when_the_test_fails(installed):
    with pytest.raises(ZeroDivisionError), registered_plugin(_plugin_with("test-note"), "clinic"):
        raise ZeroDivisionError("the test fails")
    assert plugins.pm.get_plugin("clinic") is installed


def test_register_plugin_twice_is_a_clear_error(installed):
    with pytest.raises(plugins.PluginError, match=r"'clinic' is already registered.*kapnotes\.testing"):
        register_plugin(_plugin_with("other"), name="clinic")


def test_core_tests_see_only_the_builtin_plugins():
    names = {n for n, _ in plugins.pm.list_name_plugin()}
    assert names <= set(plugins.DEFAULT_PLUGINS)


def test_blocking_sets_aside_and_restores(installed):
    with third_party_plugins_blocked() as aside:
        assert "clinic" in aside
        assert "installed-note" not in registry().note_formats
    assert plugins.pm.get_plugin("clinic") is installed
