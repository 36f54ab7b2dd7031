"""register_demo_data: a plugin adds its part to the synthetic demo, only when asked for, and a
broken part names its plugin."""

from __future__ import annotations

import pytest

from kapnotes import hookimpl
from kapnotes.errors import PluginFailure
from kapnotes.model import evolve
from kapnotes.synthetic import DemoData, build_document


class _Plugin:
    def __init__(self, apply):
        self.apply = apply

    @hookimpl
    def register_demo_data(self, register):
        register(DemoData("clinic_demo", "a research id on every client", self.apply))


def _tag(doc):
    return evolve(doc, clinic=evolve(doc.clinic, name=doc.clinic.name + " + plugin data"))


def test_plugin_data_is_added_only_when_asked_for(plugin):
    plugin(_Plugin(_tag), "clinic_demo_plugin")
    assert build_document(clients=1).clinic.name.endswith("(synthetic)")
    assert build_document(clients=1, plugin_data=True).clinic.name.endswith("+ plugin data")


@pytest.mark.parametrize("apply", [lambda doc: 1 / 0, lambda doc: "not a document"])
def test_a_broken_part_names_its_plugin(plugin, apply):
    plugin(_Plugin(apply), "clinic_demo_plugin")
    with pytest.raises(PluginFailure, match="clinic_demo_plugin"):
        build_document(clients=1, plugin_data=True)
