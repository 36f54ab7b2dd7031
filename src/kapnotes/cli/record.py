"""Commands on the record: import, check, export, schema, search, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kapnotes.cli.app import (
    audited,
    cli,
    db_option,
    echo_problems,
    file_or_folder_output,
    file_output,
    no_audit_option,
    open_db,
    refuse_folder_output,
)
from kapnotes.errors import InvalidError, KapnotesError
from kapnotes.outputs import atomic_write, ensure_folder

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.model import Document


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust-signatures",
    is_flag=True,
    help="Store signatures as given, unverified (a record migrated from a system you trust).",
)
@click.option(
    "--strict-extensions",
    is_flag=True,
    help="Refuse extension namespaces that no installed plugin declares (default: keep them).",
)
@db_option
def import_(
    files: tuple[Path, ...], trust_signatures: bool, strict_extensions: bool,
    db_path: Path | None,
) -> None:
    """Import kapnotes JSON documents into the database (all or nothing).

    Every file is checked first; if any has a problem, every problem is listed with its JSON
    path and nothing is written. A signature is accepted only if it verifies against a key
    registered in the database (kapnotes keys) and no blocking finding stands; otherwise its
    note is imported as a draft and the refused signature is listed.

    \b
    Example:
      kapnotes import clinic-2026-03.json --db clinic.db
    """
    import contextlib

    from kapnotes.serialization import load
    from kapnotes.serialization import strict_extensions as strict

    docs = []
    failed = False
    with click.progressbar(files, label="Checking", file=sys.stderr, show_pos=True) as bar:
        for f in bar:
            try:
                with strict() if strict_extensions else contextlib.nullcontext():
                    docs.append(load(f))
            except InvalidError as exc:
                failed = True
                click.echo(err=True)
                echo_problems(exc)
    if failed:
        raise click.exceptions.Exit(1)
    from kapnotes.lifecycle import import_document

    doc = docs[0] if len(docs) == 1 else _merge(docs)
    store = open_db(db_path, must_exist=False)
    refused: tuple[str, ...] = ()
    try:
        clashes = [(f, store.id_clashes(d)) for f, d in zip(files, docs, strict=True)]
        for f, problems in clashes:
            if problems:
                echo_problems(InvalidError(problems, source=str(f)))
        if any(problems for _, problems in clashes):
            raise click.exceptions.Exit(1)
        if trust_signatures:
            summary = store.save(doc)
        else:
            result = import_document(store, doc)
            summary, refused = result.summary, result.refused
    finally:
        store.close()
    for line in refused:
        click.echo(f"refused: {line}", err=True)
    click.echo(
        f"imported {summary.clients} client(s), {summary.courses} course(s): "
        f"{summary.sessions_written} session(s) written, {summary.sessions_unchanged} unchanged, "
        f"{summary.addenda_added} addend{'um' if summary.addenda_added == 1 else 'a'} added "
        f"into {store.path}"
    )


def _merge(docs: list[Document]) -> Document:
    """One document from several (so that all files are saved in one transaction)."""
    from kapnotes.model import Document

    def by_id(items: list[Any]) -> tuple[Any, ...]:
        seen: dict[str, Any] = {}
        for x in items:
            if x.id in seen and seen[x.id] != x:
                raise KapnotesError(
                    f"{type(x).__name__.lower()} {x.id!r} differs between the files"
                )
            seen[x.id] = x
        return tuple(seen.values())

    clinics = {d.clinic for d in docs if d.clinic is not None}
    if len({c.id for c in clinics}) > 1:
        raise KapnotesError("the files belong to different clinics")
    return Document(
        clinic=next(iter(clinics), None),
        clinicians=by_id([c for d in docs for c in d.clinicians]),
        clients=by_id([c for d in docs for c in d.clients]),
        courses=by_id([c for d in docs for c in d.courses]),
        psychotherapy_notes=by_id([n for d in docs for n in d.psychotherapy_notes]),
        groups=by_id([g for d in docs for g in d.groups]),
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Clinic configuration (JSON) with the safety thresholds [default: the cited defaults].",
)
@click.option(
    "--client", "client_ids", multiple=True, help="Database: check only this client (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@db_option
def check(
    files: tuple[Path, ...],
    config_path: Path | None,
    client_ids: tuple[str, ...],
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Check documents (or the database) and report problems and safety findings.

    Lists every problem with its JSON path, then the findings of the safety rules (severity,
    code, session, path, message). Exits 1 if a file has a problem or a finding is blocking
    (blocking findings stop signing); writes nothing. Without FILES, checks the database.

    \b
    Examples:
      kapnotes check record.json
      kapnotes check --config clinic.json --db clinic.db --client cl-002
    """
    from kapnotes.rules.config import ClinicConfig
    from kapnotes.rules.engine import blocking, evaluate
    from kapnotes.serialization import load

    config = ClinicConfig.from_path(config_path) if config_path else ClinicConfig.default()
    docs: list[tuple[str, Document]] = []
    failed = False
    if files:
        for f in files:
            try:
                docs.append((str(f), load(f)))
            except InvalidError as exc:
                failed = True
                echo_problems(exc)
    else:
        store = open_db(db_path, read_only="auto")
        try:
            docs.append((str(store.path), store.document(client_ids=list(client_ids) or None)))
        finally:
            store.close()
    _warn_unknown_types(docs)
    findings = [(name, finding) for name, doc in docs for finding in evaluate(doc, config)]
    if as_json:
        click.echo(json.dumps([{"source": name, **f.as_dict()} for name, f in findings], indent=2))
    else:
        for name, _ in docs:
            mine = [finding for n, finding in findings if n == name]
            n_block = len(blocking(mine))
            click.echo(
                f"{name}: {'ok' if not mine else f'{len(mine)} finding(s), {n_block} blocking'}"
            )
            for finding in mine:
                click.echo(f"  {finding}")
    if failed or blocking([finding for _, finding in findings]):
        raise click.exceptions.Exit(1)


def _warn_unknown_types(docs: list[tuple[str, Document]]) -> None:
    """Warn (standard error, exit unchanged) of data whose plugin is not installed."""
    from kapnotes.plugins import describe_plugins
    from kapnotes.serialization.unknown_types import (
        unknown_extension_warning,
        unknown_extensions,
        unknown_interventions,
        unknown_type_warning,
    )

    _warn_unknown_instruments(docs)
    unknown = [(name, path, iv) for name, doc in docs for path, iv in unknown_interventions(doc)]
    namespaces = [(name, path, ns) for name, doc in docs for path, ns in unknown_extensions(doc)]
    if not unknown and not namespaces:
        return
    failed = [p["name"] for p in describe_plugins() if not p["loaded"]]
    for name, path, iv in unknown:
        click.echo(f"warning: {name}: {unknown_type_warning(path, iv, failed)}", err=True)
    for name, path, ns in namespaces:
        host = _host_of(path)
        click.echo(f"warning: {name}: {unknown_extension_warning(path, ns, host, failed)}",
                   err=True)


def _host_of(path: str) -> str:
    """``$.courses[0].sessions[2].dosing.extensions.x`` -> ``the dosing record``."""
    import re

    owner = path.rsplit(".extensions.", 1)[0]
    last = re.sub(r"\[\d+\]$", "", owner.rsplit(".", 1)[-1])
    return {
        "clinicians": "a clinician", "clients": "a client", "courses": "a course",
        "sessions": "a session", "dosing": "a dosing record", "monitoring": "a monitoring entry",
        "measures": "a measure administration",
    }.get(last, last)


def _warn_unknown_instruments(docs: list[tuple[str, Document]]) -> None:
    """Warn (standard error, exit unchanged) of measures of an instrument no plugin registers."""
    from kapnotes.plugins import registry
    from kapnotes.validation import unknown_instruments

    instruments = list(registry().instruments)
    for name, doc in docs:
        for problem in unknown_instruments(doc, instruments):
            click.echo(f"warning: {name}: {problem}", err=True)


@cli.command()
@click.option(
    "--to",
    "to",
    default="json",
    show_default=True,
    help="Record exporter (see `kapnotes formats`).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    callback=file_or_folder_output,
    default=None,
    help="File (or directory, for exporters that write several files); '-' or none: standard output.",
)
@click.option("--client", "client_ids", multiple=True, help="Export only this client (repeatable).")
@click.option(
    "--session",
    "session_id",
    default=None,
    help="The session, for exporters of one note (fhir-document).",
)
@click.option(
    "--deidentify",
    is_flag=True,
    help="HIPAA Safe Harbor de-identified JSON (see docs/deidentification.md).",
)
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With --deidentify: the file holding your pseudonym key (kept by you, never exported).",
)
@click.option(
    "--dates",
    type=click.Choice(["shift", "year"]),
    default="shift",
    show_default=True,
    help="With --deidentify: shift dates per client (intervals kept), or keep only the year.",
)
@click.option(
    "--include-psychotherapy-notes",
    "authorization_ref",
    default=None,
    metavar="AUTHORIZATION",
    help="Include psychotherapy notes under this authorization on file (45 CFR 164.508(a)(2)).",
)
@click.option(
    "--purpose",
    default=None,
    help="With --include-psychotherapy-notes: the purpose of the disclosure.",
)
@click.option(
    "--granted-by",
    default=None,
    help="With --include-psychotherapy-notes: who signed the authorization.",
)
@click.option(
    "--actor",
    default=None,
    help="Who exports (audit log) [default: $KAPNOTES_ACTOR or your login].",
)
@no_audit_option
@db_option
def export(
    to: str,
    output: Path | None,
    client_ids: tuple[str, ...],
    session_id: str | None,
    deidentify: bool,
    secret_file: Path | None,
    dates: str,
    authorization_ref: str | None,
    purpose: str | None,
    granted_by: str | None,
    actor: str | None,
    no_audit: bool,
    db_path: Path | None,
) -> None:
    """Export the record (or some clients) from the database.

    Psychotherapy notes are never exported unless you name the authorization on file. Every
    export is recorded in the audit log. A store on read-only media opens read-only: export
    then needs --no-audit (and never carries psychotherapy notes).

    \b
    Examples:
      kapnotes export --to json -o record.json
      kapnotes export --to json --client cl-001 | jq .courses
      kapnotes export --deidentify --secret-file study.key -o research.json
      kapnotes export --to fhir-document --session cl-001-intake-01 -o note.json
    """
    from kapnotes.exporting import Authorization, ExportOptions, RecordView, export_record
    from kapnotes.plugins import registry

    extra: dict[str, Any] = {}
    if deidentify:
        if to != "json":
            raise click.UsageError("--deidentify writes de-identified JSON: leave --to at json")
        if secret_file is None:
            raise click.UsageError("--deidentify needs --secret-file (the key of the pseudonyms)")
        if authorization_ref:
            raise click.UsageError("a de-identified export never carries psychotherapy notes")
        to = "deidentified-json"
        extra.update(secret=secret_file.read_bytes().strip(), dates=dates)
    if session_id is not None:
        extra["session_id"] = session_id
    exporter = registry().record_exporters.get(to)
    authorization = None
    if authorization_ref is not None:
        if not purpose or not granted_by:
            raise click.UsageError("--include-psychotherapy-notes needs --purpose and --granted-by")
        authorization = Authorization(
            reference=authorization_ref, purpose=purpose, granted_by=granted_by
        )
    if exporter.writes_directory and output is None:
        raise KapnotesError(f"exporter {to!r} writes a directory: give one with -o DIR")
    if not exporter.writes_directory and output is not None:
        refuse_folder_output(click.get_current_context(), output)
    store = open_db(db_path, read_only="auto")
    try:
        if actor:
            store.actor = actor
        view = RecordView.of_store(
            store, client_ids=list(client_ids) or None, authorization=authorization
        )
        audit = audited(store, no_audit, "export")
        missing = sorted(set(client_ids) - {c.id for c in view.clients})
        if missing:
            raise KapnotesError(f"no client {', '.join(map(repr, missing))} in the database")
        to_stdout = output is None or str(output) == "-"
        if exporter.writes_directory:
            assert output is not None
            ensure_folder(output)
        result = export_record(
            view, to, options=ExportOptions(extra=extra), directory=output, audit=False
        )
        # Written (or sent) before the audit row says it was: a failed export leaves no row.
        if not exporter.writes_directory and not to_stdout:
            assert output is not None
            atomic_write(output, result)
        elif to_stdout:
            sys.stdout.buffer.write(result)
            sys.stdout.buffer.flush()
        if audit:
            store.record_export(
                to, [c.id for c in view.clients], psychotherapy_notes=len(view.psychotherapy_notes)
            )
    finally:
        store.close()
    if exporter.writes_directory:
        click.echo(f"wrote {len(result)} file(s) to {output}", err=True)
    elif not to_stdout:
        click.echo(f"wrote {output} ({len(result)} bytes)", err=True)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    callback=file_output,
    default=None,
    help="Write to FILE [default: standard output].",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the kapnotes document format.

    \b
    Example:
      kapnotes schema -o kapnotes-document.schema.json
    """
    from kapnotes.serialization.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        atomic_write(output, text.encode("utf-8"))


@cli.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@db_option
def search(text: str, limit: int, db_path: Path | None) -> None:
    """Search session narratives (full text, word stems) and list matching sessions.

    \b
    Example:
      kapnotes search "critical voice"
    """
    store = open_db(db_path, read_only="auto")
    try:
        hits = store.search(text, limit=limit)
    finally:
        store.close()
    for h in hits:
        click.echo(f"{h.session_id}\t{h.client_id}\t{h.kind}\t{h.start}\t{h.snippet}")
    if not hits:
        click.echo("no matches", err=True)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-out"),
    show_default=True,
    help="Directory to write the demo clinic into.",
)
@click.option(
    "--clients",
    default=4,
    show_default=True,
    type=click.IntRange(3, 500),
    help="Number of synthetic clients.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Clinic configuration (JSON): its `notes` group sets the format per session kind.",
)
def demo(out_dir: Path, clients: int, config_path: Path | None) -> None:
    """Build a synthetic KAP clinic: database, JSON record, and notes.

    Writes DIR/kapnotes.db (recreated), DIR/record.json and what the installed plugins add
    (Word notes, outcome charts). Everything is synthetic and the same on every run.

    \b
    Example:
      kapnotes demo --out demo-out
    """
    from kapnotes.demo import build_demo
    from kapnotes.rules.config import ClinicConfig

    config = ClinicConfig.from_path(config_path) if config_path else None
    for line in build_demo(out_dir, clients=clients, config=config):
        click.echo(line)
