"""``kapnotes rems due`` and ``kapnotes rems mark-submitted``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kapnotes.cli.app import db_option, open_db
from kapnotes.errors import KapnotesError
from kapnotes.rules.config import ClinicConfig
from kapnotes_rems.context import filled_forms
from kapnotes_rems.settings import CONFIG_SECTION, RemsSettings
from kapnotes_rems.submission import submission_of, submission_text

__all__ = ["add_commands"]


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _config(path: Path | None) -> tuple[ClinicConfig, RemsSettings]:
    config = ClinicConfig.from_path(path) if path else ClinicConfig.default()
    settings: RemsSettings = config.section(CONFIG_SECTION)
    return config, settings


_config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Clinic configuration (JSON) [default: the cited defaults].",
)


def due_rows(store: Any, config: ClinicConfig, settings: RemsSettings, today: dt.date,
             include_submitted: bool = False) -> list[dict[str, Any]]:
    """One row per esketamine session whose form is not submitted (or every one)."""
    doc = store.document()
    rows = []
    for course, session, filled in filled_forms(
        courses=doc.courses, config=config, settings=settings, clinic=doc.clinic,
        clients=doc.clients, clinicians=doc.clinicians,
    ):
        sub = submission_of(session)
        if filled is None or (sub is not None and not include_submitted):
            continue
        rows.append({
            "session_id": session.id,
            "client_id": course.client_id,
            "form_version": filled.form.version,
            "treatment_date": filled.treatment_date.isoformat(),
            "due_on": filled.due_on.isoformat(),
            "days_left": (filled.due_on - today).days,
            "note_status": session.status.value,
            "complete": filled.complete,
            "missing": [v.field.key for v in filled.missing],
            "submitted_on": sub.on.isoformat() if sub else None,
            "confirmation": sub.confirmation if sub else None,
        })
    rows.sort(key=lambda r: (r["due_on"], r["session_id"]))
    return rows


def add_commands(cli: click.Group, today: Callable[[], dt.date]) -> None:
    """Add the ``rems`` command group to ``cli``; ``today`` is the plugin's clock."""

    @cli.group("rems")
    def rems() -> None:
        """SPRAVATO REMS Patient Monitoring Forms: what is due, and recording submission."""

    @rems.command("due")
    @click.option("--today", "on", callback=_date, help="Count days from this date (YYYY-MM-DD).")
    @click.option("--all", "include_submitted", is_flag=True, help="Include submitted forms.")
    @click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
    @_config_option
    @db_option
    def due(on: dt.date | None, include_submitted: bool, as_json: bool,
            config_path: Path | None, db_path: Path | None) -> None:
        """List the forms to submit, soonest deadline first (7 days after treatment).

        \b
        Example:
          kapnotes rems due
        """
        config, settings = _config(config_path)
        store = open_db(db_path)
        try:
            rows = due_rows(store, config, settings, on or today(), include_submitted)
        finally:
            store.close()
        for r in rows:
            if as_json:
                click.echo(json.dumps(r, sort_keys=True))
                continue
            left = r["days_left"]
            when = f"{left} day(s) left" if left >= 0 else f"OVERDUE by {-left} day(s)"
            state = "submitted " + r["submitted_on"] if r["submitted_on"] else (
                "complete" if r["complete"] else f"incomplete ({len(r['missing'])} missing)")
            click.echo(f"{r['session_id']}\t{r['client_id']}\tdue {r['due_on']}\t{when}\t"
                       f"{r['note_status']}\t{state}")
        if not rows and not as_json:
            click.echo("no REMS forms due", err=True)

    @rems.command("mark-submitted")
    @click.argument("session_id")
    @click.option("--on", "on", callback=_date, required=True, help="Submission date (YYYY-MM-DD).")
    @click.option("--confirmation", required=True, help="The REMS confirmation number.")
    @click.option("--clinician", "clinician_id", required=True, help="Who submitted it.")
    @click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="The clinician's signing key (kapnotes keys new).")
    @_config_option
    @db_option
    def mark_submitted(session_id: str, on: dt.date, confirmation: str, clinician_id: str,
                       key_path: Path | None, config_path: Path | None,
                       db_path: Path | None) -> None:
        """Record that a session's form was submitted (a signed, audited addendum).

        The note must be signed and its form complete.

        \b
        Example:
          kapnotes rems mark-submitted cl-004-dose-01 --on 2026-02-03 --confirmation PMF-1 --clinician dr-ames
        """
        from kapnotes.keys import load_private_key
        from kapnotes.lifecycle import add_addendum

        config, settings = _config(config_path)
        store = open_db(db_path)
        try:
            rows = {r["session_id"]: r for r in due_rows(store, config, settings, on, True)}
            row = rows.get(session_id)
            if row is None:
                raise KapnotesError(f"{session_id!r} is not an esketamine session with a REMS form")
            if row["submitted_on"]:
                raise KapnotesError(
                    f"the form of {session_id} is already recorded as submitted on "
                    f"{row['submitted_on']} (confirmation {row['confirmation']})")
            if not row["complete"]:
                raise KapnotesError(
                    f"the form of {session_id} is incomplete: {', '.join(row['missing'])}")
            if on < dt.date.fromisoformat(row["treatment_date"]):
                raise KapnotesError(f"{on} is before the treatment date {row['treatment_date']}")
            key = load_private_key(key_path) if key_path else None
            add_addendum(store, session_id, clinician_id,
                         submission_text(row["form_version"], on, confirmation), key=key)
        finally:
            store.close()
        click.echo(f"recorded: the REMS form of {session_id} submitted on {on.isoformat()}")
