"""The plugin module named by the entry point: kapnotes calls these hook implementations.

Each ``register_*`` hook receives a ``register`` callback. kapnotes checks what you register
(its type, a valid unique name) and names this plugin in any error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from kapnotes import hookimpl
from kapnotes.exporting import NoteExporter, RecordExporter
from kapnotes.model import Intervention
from kapnotes.notes.format import NoteFormat
from kapnotes_example_clinic.breathwork import Breathwork
from kapnotes_example_clinic.handover import HANDOVER
from kapnotes_example_clinic.html import HTML


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    register(HANDOVER)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    register(HTML)


@hookimpl
def register_intervention_types(register: Callable[[type[Intervention]], None]) -> None:
    register(Breathwork)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from kapnotes.cli.app import db_option, open_db

    @cli.command("handover-list")
    @click.argument("day")
    @db_option
    def handover_list(day: str, db_path: Any) -> None:
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
                (day,),
            ).fetchall()
        finally:
            store.close()
        for sid, client_id, start in rows:
            click.echo(f"{sid}\t{client_id}\t{start}")
        if not rows:
            click.echo(f"no dosing sessions on {day}", err=True)
