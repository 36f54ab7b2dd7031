"""The plugin module named by the entry point: kapnotes calls these hook implementations.

Each ``register_*`` hook receives a ``register`` callback. kapnotes checks what you register
(its type, a valid unique name) and names this plugin in any error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from kapnotes import hookimpl
from kapnotes.exporting import NoteExporter, RecordExporter
from kapnotes.instruments.base import Instrument
from kapnotes.model import Intervention
from kapnotes.model.extensions import Extension
from kapnotes.notes.format import NoteFormat
from kapnotes.notes.renderers import Renderer
from kapnotes.rules.base import Rule
from kapnotes.rules.plugin_config import ConfigSection
from kapnotes_example_clinic.breathwork import Breathwork
from kapnotes_example_clinic.fields import (
    DOSING_FIELDS,
    RENDERERS,
    REST_RULE,
    SESSION_FIELDS,
    SETTINGS,
)
from kapnotes_example_clinic.handover import HANDOVER
from kapnotes_example_clinic.html import HTML
from kapnotes_example_clinic.isi import ISI


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    register(HANDOVER)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    register(HTML)


@hookimpl
def register_instruments(register: Callable[[Instrument], None]) -> None:
    register(ISI)


@hookimpl
def register_intervention_types(register: Callable[[type[Intervention]], None]) -> None:
    register(Breathwork)


@hookimpl
def register_extensions(register: Callable[[Extension], None]) -> None:
    register(SESSION_FIELDS)
    register(DOSING_FIELDS)


@hookimpl
def register_config_sections(register: Callable[[ConfigSection], None]) -> None:
    register(SETTINGS)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    register(REST_RULE)


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    for renderer in RENDERERS:
        register(renderer)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from kapnotes.cli.app import db_option, open_db

    @cli.command("handover-list")
    @click.argument("day", metavar="DAY", type=click.DateTime(formats=["%Y-%m-%d"]))  # 2026-02-30, "": refused
    @db_option
    def handover_list(day: dt.datetime, db_path: Any) -> None:
        """List the dosing sessions of one day (YYYY-MM-DD) that need a handover note.

        \b
        Example:
          kapnotes handover-list 2026-01-12
        """
        store = open_db(db_path)
        try:
            rows = store.conn.execute(
                "SELECT id, client_id, start FROM sessions WHERE kind = 'dosing' "
                "AND substr(start, 1, 10) = ? ORDER BY start_utc",
                (day.date().isoformat(),),
            ).fetchall()
        finally:
            store.close()
        for sid, client_id, start in rows:
            click.echo(f"{sid}\t{client_id}\t{start}")
        if not rows:
            click.echo(f"no dosing sessions on {day.date().isoformat()}", err=True)
