"""``kapnotes fhir-import``: questionnaire responses from a patient portal into the record."""

from __future__ import annotations

from pathlib import Path

import click

from kapnotes.cli.app import db_option, open_db


@click.command("fhir-import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--actor", default=None, help="Who imports (audit log) [default: $KAPNOTES_ACTOR or your login].")
@click.option("--mrn-system", default=None, help="Accept subject identifiers of this system only.")
@db_option
def fhir_import(files: tuple[Path, ...], actor: str | None, mrn_system: str | None, db_path: Path | None) -> None:
    """Import FHIR QuestionnaireResponses (PHQ-9, GAD-7, ...) as measures of their sessions.

    FILES are JSON (one resource, or a Bundle) or NDJSON (one resource per line). Each response
    goes to the session of its encounter, else to the session of its patient whose time span
    contains its authored time. Everything is checked first: if any response is malformed,
    matches no session, or targets a signed note, every problem is listed with its JSON path and
    nothing is written.

    \b
    Example:
      kapnotes fhir-import portal-2026-03-02.ndjson --db clinic.db
    """
    from kapnotes_fhir.importer import import_files

    store = open_db(db_path)
    try:
        summary = import_files(store, files, actor=actor or store.actor, mrn_system=mrn_system)
    finally:
        store.close()
    click.echo(
        f"imported {summary.added} measure(s) into {summary.sessions} session(s); "
        f"{summary.unchanged} already present"
    )
