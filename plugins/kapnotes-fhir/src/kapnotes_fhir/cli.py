"""``kapnotes fhir-import``: questionnaire responses from a patient portal into the record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kapnotes.cli.app import db_option, open_db
from kapnotes_fhir.context import NOTE_CONTENT, FhirExportError, Settings


@click.command("fhir-import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--actor", default=None, help="Who imports (audit log) [default: $KAPNOTES_ACTOR or your login].")
@click.option("--mrn-system", default=None, help="Accept subject identifiers of this system only.")
@click.option("--identifier-base", default=None,
              help="The --identifier-base the responses were exported with (kapnotes' own export: "
                   "its measures are recognized, not added again).")
@db_option
def fhir_import(files: tuple[Path, ...], actor: str | None, mrn_system: str | None, identifier_base: str | None,
                db_path: Path | None) -> None:
    """Import FHIR QuestionnaireResponses (PHQ-9, GAD-7, ...) as measures of their sessions.

    FILES are JSON (one resource, or a Bundle) or NDJSON (one resource per line). Each response
    goes to the session of its encounter, else to the session of its patient whose time span
    contains its authored time, else (authored at home, between sessions) to the patient's
    course whose span holds that day, as an at-home measure. Everything is checked first: if
    any response is malformed, matches no session or course, or targets a signed note, every
    problem is listed with its JSON path and nothing is written.

    \b
    Example:
      kapnotes fhir-import portal-2026-03-02.ndjson --db clinic.db
    """
    from kapnotes.exporting import ExportOptions
    from kapnotes_fhir.importer import import_files

    if identifier_base is not None:  # checked as the export checks it, before the store is opened
        Settings.from_options(ExportOptions(extra={"identifier_base": identifier_base}), note_content=NOTE_CONTENT)
    store = open_db(db_path)
    try:
        summary = import_files(store, files, actor=actor or store.actor, mrn_system=mrn_system,
                               identifier_base=identifier_base)
    finally:
        store.close()
    home = f" ({summary.at_home} at home, into their courses)" if summary.at_home else ""
    click.echo(
        f"imported {summary.added} measure(s) into {summary.sessions} session(s){home}; "
        f"{summary.unchanged} already present"
    )


FHIR_EXPORTERS = ("fhir-transactions", "fhir-transaction", "fhir-collection", "fhir-ndjson", "fhir-document")
#: Command-line options that only one exporter reads, by option name: (flag, exporter). Given
#: with another exporter they would change nothing, so they are refused (a config file may hold
#: them for every exporter it is used with).
ONLY_FOR = {"max_entries": ("--max-entries", "fhir-transactions"), "split": ("--split", "fhir-transactions"),
            "workers": ("--workers", "fhir-ndjson"), "session_id": ("--session", "fhir-document")}


def read_config(path: Path) -> dict[str, Any]:
    """The options of a FHIR export config file: a JSON object of option names (``max_entries``...)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FhirExportError(f"{path}: not a readable JSON object of FHIR export options ({exc})") from None
    if not isinstance(data, dict):
        raise FhirExportError(f"{path}: must be a JSON object of FHIR export options, got {type(data).__name__}")
    return data


@click.command("fhir-export")
@click.option("--to", "to", type=click.Choice(FHIR_EXPORTERS), default="fhir-transactions", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The directory (fhir-transactions, fhir-ndjson) or file to write.")
@click.option("--client", "client_ids", multiple=True, help="Export only this client (repeatable).")
@click.option("--session", "session_id", default=None, help="fhir-document: the signed note's session.")
@click.option("--config", "config", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A JSON object of options (the names below with _ for -); the command line wins.")
@click.option("--identifier-base", default=None, help="Base URI of the clinic's identifier systems (MRN, ...).")
@click.option("--note-content", default=None, help="docx,text | text | docx | none.")
@click.option("--note-attachment", type=click.Choice(["inline", "binary"]), default=None,
              help="A note's files inline in its DocumentReference, or as Binary resources [default: inline].")
@click.option("--max-entries", type=int, default=None, help="fhir-transactions: entries per Bundle [default: 500].")
@click.option("--split", type=click.Choice(["patient", "none"]), default=None,
              help="fhir-transactions: one patient per Bundle [default: patient].")
@click.option("--workers", type=int, default=None,
              help="fhir-ndjson: worker processes (1: this process only) [default: the CPUs available].")
@click.option("--actor", default=None, help="Who exports (audit log) [default: $KAPNOTES_ACTOR or your login].")
@db_option
def fhir_export(to: str, output: Path, client_ids: tuple[str, ...], session_id: str | None, config: Path | None,
                identifier_base: str | None, note_content: str | None, note_attachment: str | None,
                max_entries: int | None, split: str | None, workers: int | None, actor: str | None,
                db_path: Path | None) -> None:
    """Export the record as FHIR with its options checked (an unknown name lists the known ones).

    \b
    Example:
      kapnotes fhir-export -o post/ --max-entries 200 --identifier-base https://ehr.example.org/sid/kap
    """
    from kapnotes.exporting import ExportOptions, RecordView, export_record
    from kapnotes.outputs import atomic_write, ensure_folder
    from kapnotes.plugins import registry

    given = {"identifier_base": identifier_base, "note_content": note_content, "note_attachment": note_attachment,
             "max_entries": max_entries, "split": split, "session_id": session_id, "workers": workers}
    for name, (flag, only) in ONLY_FOR.items():
        if given[name] is not None and to != only:
            raise click.UsageError(f"{flag} applies to --to {only} only (this export is --to {to})")
    extra = read_config(config) if config is not None else {}
    extra.update({k: v for k, v in given.items() if v is not None})
    Settings.from_options(ExportOptions(extra=extra), note_content=NOTE_CONTENT)  # refuse before opening the store
    store = open_db(db_path)
    try:
        if actor:
            store.actor = actor
        view = RecordView.of_store(store, client_ids=list(client_ids) or None)
        missing = sorted(set(client_ids) - {c.id for c in view.clients})
        if missing:
            raise FhirExportError(f"no client {', '.join(map(repr, missing))} in the database")
        directory = output if registry().record_exporters.get(to).writes_directory else None
        if directory is not None:
            ensure_folder(directory)  # the user's path: a clear error, not the exporter's
        elif output.is_dir():
            raise FhirExportError(f"cannot write {output}: it is a folder (give a file name)")
        result = export_record(
            view, to, options=ExportOptions(extra=extra), directory=directory, audit=False
        )
        if directory is None:
            atomic_write(output, result)  # whole or not at all (a full disk leaves the old file)
        # audited once written: a failed export leaves no row
        store.record_export(to, [c.id for c in view.clients], psychotherapy_notes=0)
    finally:
        store.close()
    if directory is not None:
        click.echo(f"wrote {len(result)} file(s) to {output}", err=True)
    else:
        click.echo(f"wrote {output} ({len(result)} bytes)", err=True)
