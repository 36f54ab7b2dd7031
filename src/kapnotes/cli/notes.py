"""Commands of the note pipeline: render, formats, plugins."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kapnotes.cli.app import (
    LazyChoice,
    audited,
    cli,
    db_key,
    db_option,
    file_output,
    no_audit_option,
    open_db,
)
from kapnotes.errors import KapnotesError
from kapnotes.outputs import atomic_write, safe_component

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.rules.config import ClinicConfig


def _session_kinds() -> list[str]:
    from kapnotes.model import SessionKind

    return [k.value for k in SessionKind]


@cli.command()
@click.argument("session_id", required=False)
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Render from a kapnotes JSON document instead of the database.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    default=None,
    help="Note format (see `kapnotes formats`) [default: by session kind].",
)
@click.option("--to", "to", default="docx", show_default=True, help="Note exporter.")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    callback=file_output,
    default=None,
    help="Output file [default: SESSION_ID.EXT; '-' for standard output].",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A clinic .docx template (styles and letterhead).",
)
@click.option(
    "--client", "client_id", default=None, help="Batch: render every session of this client."
)
@click.option(
    "--all", "all_sessions", is_flag=True, help="Batch: render every session in the database."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Batch: directory to write the notes into.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Batch: worker processes [default: number of CPUs].",
)
@click.option(
    "--kind",
    type=LazyChoice(_session_kinds),
    default=None,
    help="Batch: only sessions of this kind.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Clinic configuration (JSON): its `notes` group sets the format per session kind.",
)
@no_audit_option
@db_option
def render(
    session_id: str | None,
    source: Path | None,
    fmt: str | None,
    to: str,
    output: Path | None,
    template: Path | None,
    client_id: str | None,
    all_sessions: bool,
    out_dir: Path | None,
    workers: int | None,
    kind: str | None,
    config_path: Path | None,
    no_audit: bool,
    db_path: Path | None,
) -> None:
    """Render a session as a note (Word by default), or many sessions in a batch.

    Without --format each session gets the format of its kind (the clinic configuration's
    `notes` group, else kapnotes' default). In a batch, a format meant for some session kinds
    (kap-dosing) renders those sessions and lists how many of other kinds it left out.

    \b
    Examples:
      kapnotes render cl-001-dose-01                      # -> cl-001-dose-01.docx
      kapnotes render cl-001-dose-01 -f soap --to markdown -o -
      kapnotes render cl-001-integ-01 --from record.json --template clinic.docx
      kapnotes render --client cl-001 --out notes/
      kapnotes render --all --out notes/ --to docx
      kapnotes render --client cl-001 --kind dosing -f kap-dosing --to markdown --out notes/

    Every note rendered from the database is recorded in its audit log once written. A store
    on read-only media opens read-only: render then needs --no-audit.
    """
    from kapnotes.plugins import registry
    from kapnotes.rules.config import ClinicConfig

    exporter = registry().exporters.get(to)
    if fmt is not None:
        registry().note_formats.get(fmt)
    config = ClinicConfig.from_path(config_path) if config_path else None
    if client_id or all_sessions:
        if session_id or source:
            raise click.UsageError("give SESSION_ID or a batch option (--client/--all), not both")
        if out_dir is None:
            raise click.UsageError("a batch needs --out DIR")
        _batch(db_path, out_dir, fmt, to, template, client_id, workers, no_audit, kind, config)
        return
    if kind is not None:
        raise click.UsageError("--kind selects sessions of a batch (--client/--all)")
    if session_id is None:
        raise click.UsageError("give a SESSION_ID, or --client ID / --all with --out DIR")
    to_stdout = output is not None and str(output) == "-"
    path = output or Path(f"{safe_component(session_id)}.{exporter.extension}")
    if source is not None:
        if no_audit:
            raise click.UsageError("--no-audit is for notes rendered from the database")
        data = _render_document(session_id, source, fmt, to, template, config)
        _write(data, None if to_stdout else path)
    else:
        data = _render_stored(
            session_id, fmt, to, template, db_path, no_audit, path, to_stdout, config
        )
    if not to_stdout:
        click.echo(f"wrote {path} ({len(data)} bytes)", err=True)


def _render_stored(
    session_id: str,
    fmt: str | None,
    to: str,
    template: Path | None,
    db_path: Path | None,
    no_audit: bool,
    path: Path,
    to_stdout: bool,
    config: ClinicConfig | None = None,
) -> bytes:
    from kapnotes.batch import render_stored

    store = open_db(db_path, read_only="auto")
    try:
        audit = audited(store, no_audit, "render")
        data = render_stored(store, session_id, format=fmt, to=to, template=template, audit=False,
                             config=config)
        _write(data, None if to_stdout else path)
        if audit:  # a stored note left the store: audited once it was written
            store.record_renders([session_id], to=to, format=fmt)
    finally:
        store.close()
    return data


def _write(data: bytes, path: Path | None) -> None:
    """To ``path`` (complete or not at all), or to standard output for ``None``."""
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        atomic_write(path, data)


def _render_document(
    session_id: str,
    source: Path,
    fmt: str | None,
    to: str,
    template: Path | None,
    config: ClinicConfig | None = None,
) -> bytes:
    from kapnotes.batch import default_format
    from kapnotes.rendering import render as render_session
    from kapnotes.serialization import load

    doc = load(source)
    try:
        _, session = doc.find_session(session_id)
    except KeyError:
        raise KapnotesError(f"no session {session_id!r} in {source}") from None
    name = fmt or default_format(session.kind, config)
    return render_session(session, document=doc, format=name, to=to, template=template)


def _batch(
    db_path: Path | None,
    out_dir: Path,
    fmt: str | None,
    to: str,
    template: Path | None,
    client_id: str | None,
    workers: int | None,
    no_audit: bool,
    kind: str | None = None,
    config: ClinicConfig | None = None,
) -> None:
    from kapnotes.batch import render_all

    store = open_db(db_path, read_only="auto")
    skipped: list[str] = []
    try:
        audit = audited(store, no_audit, "render")
        if client_id is not None:
            store.client(client_id)  # a clear error for an unknown client
        total = sum(1 for _sid, k in store.session_kinds(client_id) if kind in (None, k.value))
        with click.progressbar(
            length=total, label="Rendering", file=sys.stderr, show_pos=True
        ) as bar:
            n = 0
            for _ in render_all(
                store,
                out_dir,
                to=to,
                format=fmt,
                client_id=client_id,
                template=template,
                workers=workers,
                key=db_key(),
                kind=kind,
                config=config,
                skipped=skipped,
                audit=audit,
            ):
                bar.update(1)
                n += 1
    finally:
        store.close()
    click.echo(f"wrote {n} note(s) to {out_dir}", err=True)
    if skipped:
        click.echo(
            f"left out {len(skipped)} session(s) of kinds that note format {fmt!r} does not "
            f"document (render them without --format, or with --kind): {', '.join(skipped)}",
            err=True,
        )


@cli.command()
def formats() -> None:
    """List note formats and exporters, with what each is for.

    \b
    Example:
      kapnotes formats
    """
    from kapnotes.plugins import registry

    reg = registry()
    click.echo("Note formats (render --format):")
    for e in reg.note_formats.entries():
        kinds = (
            ", ".join(sorted(k.value for k in e.value.session_kinds))
            if e.value.session_kinds
            else "any session"
        )
        click.echo(f"  {e.name:<16} {e.value.description} [{kinds}] ({_origin(e.plugin)})")
    click.echo("Note exporters (render --to):")
    for x in reg.exporters.entries():
        click.echo(f"  {x.name:<16} {x.value.description} ({_origin(x.plugin)})")
    click.echo("Record exporters (export --to):")
    for r in reg.record_exporters.entries():
        click.echo(f"  {r.name:<16} {r.value.description} ({_origin(r.plugin)})")


def _origin(plugin: str) -> str:
    return "built-in" if plugin.startswith("kapnotes.default_plugins.") else f"plugin {plugin}"


@cli.command()
@click.option("--all", "include_builtin", is_flag=True, help="Include the built-in plugins.")
def plugins(include_builtin: bool) -> None:
    """List installed plugins as JSON: name, version and hooks.

    \b
    Example:
      kapnotes plugins --all
    """
    from kapnotes.cli.app import cli as root
    from kapnotes.plugins import describe_plugins, registry

    root.list_commands(click.get_current_context())  # plugin commands, so their failures show
    registry()  # load and register everything, so broken plugins are reported
    click.echo(json.dumps(describe_plugins(include_builtin=include_builtin), indent=2))


def _listing(rows: Sequence[Mapping[str, object]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['name']:<28} {r['description']} ({_origin(str(r['plugin']))})")
        if r["source"]:
            click.echo(f"{'':<28} source: {r['source']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON: name, plugin, description, source.")
def instruments(as_json: bool) -> None:
    """List the standardized instruments (scores, outcomes): name, plugin, purpose, source.

    \b
    Example:
      kapnotes instruments --json
    """
    from kapnotes.plugins import registry

    rows = [
        {
            "name": e.name,
            "plugin": e.plugin,
            "title": e.value.title,
            "description": e.value.description,
            "source": e.value.source,
            "outcome_measure": e.value.is_outcome_measure,
            "aliases": list(e.value.spellings[1:]),
        }
        for e in registry().instruments.entries()
    ]
    _listing(rows, as_json)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON: name, plugin, description, source.")
def rules(as_json: bool) -> None:
    """List the safety and documentation rules that `check` and `sign` run.

    \b
    Example:
      kapnotes rules
    """
    from kapnotes.plugins import registry

    rows = [
        {
            "name": e.name,
            "plugin": e.plugin,
            "description": e.value.description,
            "source": e.value.source,
            "session_kinds": sorted(k.value for k in e.value.applies_to or ()) or ["any"],
            "codes": list(e.value.codes),
        }
        for e in registry().rules.entries()
    ]
    _listing(rows, as_json)
