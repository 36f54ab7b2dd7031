"""The plugin object kapnotes loads (entry point ``kapnotes_rems.plugin:plugin``).

Everything the plugin registers is built from its state — the clock the deadline rule and
``rems due`` read, and the clinic settings a note format needs — passed in at construction, so
tests make a plugin with a fixed clock instead of patching globals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from kapnotes import hookimpl
from kapnotes.model.extensions import Extension
from kapnotes.notes.renderers import Renderer
from kapnotes.rules.config import ClinicConfig
from kapnotes.rules.plugin_config import ConfigSection
from kapnotes.synthetic import DemoData
from kapnotes_rems import outputs
from kapnotes_rems.answers import NAMESPACE, ClinicianContact, RemsAnswers, RemsEnrolment
from kapnotes_rems.demo import add_demo_data
from kapnotes_rems.rules import rules
from kapnotes_rems.settings import CONFIG_SECTION, RemsSettings

__all__ = ["EXTENSIONS", "RemsPlugin", "plugin"]

_URL = "https://kapnotes.example/fhir/StructureDefinition/rems-"

#: The plugin's extension fields, one per host.
EXTENSIONS = (
    Extension(NAMESPACE, "session", RemsAnswers, _URL + "session",
              "SPRAVATO REMS monitoring answers"),
    Extension(NAMESPACE, "course", RemsEnrolment, _URL + "enrolment", "SPRAVATO REMS enrolment"),
    Extension(NAMESPACE, "clinician", ClinicianContact, _URL + "provider",
              "SPRAVATO REMS provider contact"),
)


def _today() -> dt.date:
    return dt.date.today()


class RemsPlugin:
    """The REMS plugin; ``today`` is its clock, ``config`` the clinic configuration its note
    format and CSV exporter use (rules get the configuration from kapnotes itself)."""

    def __init__(self, *, today: Callable[[], dt.date] = _today,
                 config: Callable[[], ClinicConfig] = ClinicConfig.default) -> None:
        self.today = today
        self.config = config

    def _settings(self) -> tuple[ClinicConfig, RemsSettings]:
        config = self.config()
        settings: RemsSettings = config.section(CONFIG_SECTION)
        return config, settings

    @hookimpl
    def register_extensions(self, register: Callable[[Extension], None]) -> None:
        for ext in EXTENSIONS:
            register(ext)

    @hookimpl
    def register_config_sections(self, register: Callable[[ConfigSection], None]) -> None:
        register(CONFIG_SECTION)

    @hookimpl
    def register_rules(self, register: Callable[[Any], None]) -> None:
        for rule in rules(self.today):
            register(rule)

    @hookimpl
    def register_note_formats(self, register: Callable[[Any], None]) -> None:
        register(outputs.monitoring_form_format(self._settings))

    @hookimpl
    def register_exporters(self, register: Callable[[Any], None]) -> None:
        register(outputs.record_csv_exporter(self._settings))

    @hookimpl
    def register_renderers(self, register: Callable[[Renderer], None]) -> None:
        register(Renderer.for_extension(EXTENSIONS[0], outputs.dosing_note_section(self._settings)))

    @hookimpl
    def register_demo_data(self, register: Callable[[DemoData], None]) -> None:
        register(DemoData("rems", "SPRAVATO REMS answers, enrolment and provider contact",
                          add_demo_data))

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        from kapnotes_rems import cli as rems_cli  # here: it imports the kapnotes CLI

        rems_cli.add_commands(cli, self.today)


#: The instance the entry point names.
plugin = RemsPlugin()
