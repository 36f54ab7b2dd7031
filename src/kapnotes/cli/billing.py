"""``kapnotes bill``: suggest the service lines of a session, each with its reason and source."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from kapnotes.cli.app import cli, db_option, file_output, open_db
from kapnotes.errors import KapnotesError


@cli.command()
@click.argument("session_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the bill as JSON.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Clinic configuration (JSON); its billing section changes the code rules.",
)
@click.option("--rules", "list_rules", is_flag=True, help="List the code rules and their sources.")
@db_option
def bill(
    session_id: str | None,
    as_json: bool,
    config_path: Path | None,
    list_rules: bool,
    db_path: Path | None,
) -> None:
    """Suggest the service lines of a session: codes, units, clinicians, reasons, sources.

    Codes come from the session's kind, the clinicians' recorded times (psychotherapy minutes
    kept apart from E/M time), measures and dosing. A code whose source is not verified is
    flagged (verified: false, and a finding); conflicts in what the session records (an add-on
    without an E/M service, time below a code's minimum, codes never billed together) are
    findings, not codes. The exit status is 0 even with findings; 1 for bad input.

    \b
    Examples:
      kapnotes bill cl-001-prep-01
      kapnotes bill cl-001-prep-01 --json > bill.json
      kapnotes bill --rules --config clinic.json
    """
    from kapnotes.billing import bill as suggest_bill
    from kapnotes.billing import code_rules
    from kapnotes.billing.engine import apply_config, rule_dict
    from kapnotes.rules.config import ClinicConfig

    config = ClinicConfig.from_path(config_path) if config_path else ClinicConfig.default()
    if list_rules:
        rules = apply_config(code_rules(), config.billing)
        if as_json:
            click.echo(json.dumps([rule_dict(r) for r in rules], indent=2, ensure_ascii=False))
            return
        for r in rules:
            state = "" if r.enabled else " (off)"
            click.echo(f"{r.name}{state}: {r.code} [{r.verification}] {r.citation}")
        return
    if session_id is None:
        raise click.UsageError("give a SESSION_ID (or --rules)")
    store = open_db(db_path)
    try:
        course, _ = store.session(session_id)  # NotFoundError names an unknown session
        doc = store.document(client_ids=[course.client_id])
    finally:
        store.close()
    result = suggest_bill(doc, session_id, config=config)
    clinicians = {c.id: c for c in doc.clinicians}
    if as_json:
        click.echo(json.dumps(result.as_dict(clinicians), indent=2, ensure_ascii=False))
        return
    click.echo(f"{result.session_id} ({result.date.isoformat()}, client {result.client_id})")
    if not result.lines:
        click.echo("  no billable service found")
    for x in result.lines:
        flag = "" if x.verified else f"  UNVERIFIED ({x.status})"
        line = x.line
        click.echo(
            f"  {line.code} x{line.units} POS {line.place_of_service} "
            f"{line.rendering_clinician_id} {','.join(line.diagnoses)}{flag}"
        )
        click.echo(f"      {x.reason}")
        click.echo(f"      source: {x.source}")
    for f in result.findings:
        click.echo(f"  {f.severity.value.upper()} {f.code} {f.path}: {f.message}")


def _day(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-03-02, got {value!r}",
                                 param_hint=what) from None


@cli.command()
@click.option("--session", "session_id", default=None, help="The superbill of this session.")
@click.option("--client", "client_id", default=None, help="The superbill of this client...")
@click.option("--from", "from_", default=None, help="...from this date (YYYY-MM-DD).")
@click.option("--until", "until", default=None, help="...to this date, inclusive.")
@click.option("-o", "--output", "output", required=True, type=click.Path(), callback=file_output,
              help="The file to write (.docx, .md, .txt or .csv; - for standard output, with --to).")
@click.option("--to", "to", default=None,
              help="Note exporter (docx, markdown, text) or csv [default: from the extension].")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Clinic configuration (JSON): its billing section (rules, fees_cents).",
)
@db_option
def superbill(
    session_id: str | None,
    client_id: str | None,
    from_: str | None,
    until: str | None,
    output: Path,
    to: str | None,
    config_path: Path | None,
    db_path: Path | None,
) -> None:
    """Write a superbill: the service lines of a session or of a client's date range.

    Each session gives the lines it records, or the suggested ones (kapnotes bill) when it
    records none; suggested codes whose source is not verified are marked UNVERIFIED, and the
    superbill ends with every code rule used and its source. Word and the other note exporters
    go through the note pipeline (format "superbill"); .csv writes one row per line.

    \b
    Examples:
      kapnotes superbill --session cl-001-prep-01 -o superbill.docx
      kapnotes superbill --client cl-001 --from 2026-01-01 --until 2026-03-31 -o q1.csv
    """
    from kapnotes.billing import _scorer, code_rules
    from kapnotes.billing.superbill import RANGE_KEY, superbill_csv, superbill_lines
    from kapnotes.outputs import atomic_write
    from kapnotes.rendering import context_for, export_note, run_format
    from kapnotes.rules.config import ClinicConfig

    if (session_id is None) == (client_id is None):
        raise click.UsageError("give --session ID, or --client ID with --from and --until")
    start, end = _day(from_, "--from"), _day(until, "--until")
    config = ClinicConfig.from_path(config_path) if config_path else ClinicConfig.default()
    kind = to or {".csv": "csv", ".md": "markdown", ".txt": "text"}.get(
        output.suffix.lower(), "docx")
    store = open_db(db_path)
    try:
        if session_id is not None:
            course, session = store.session(session_id)
            start = end = session.start.date()
        else:
            assert client_id is not None
            if start is None or end is None:
                raise click.UsageError("--client needs --from and --until")
            if end < start:
                raise click.BadParameter("must not be before --from", param_hint="--until")
            courses = store.courses_of(client_id)
            found = [(c, s) for c in courses for s in c.sessions
                     if start <= s.start.date() <= end]
            if not found:
                raise KapnotesError(
                    f"client {client_id!r} has no session from {start} to {end}")
            course, session = found[0]
        doc = store.document(client_ids=[course.client_id])
    finally:
        store.close()
    clinicians = {c.id: c for c in doc.clinicians}
    if kind == "csv":
        lines, _rules = superbill_lines(course, start, end, rules=code_rules(),
                                        config=config.billing, clinicians=clinicians,
                                        score=_scorer())
        data = superbill_csv(lines, course.client_id, clinicians)
    else:
        ctx = context_for(session, course=course, document=doc,
                          extra={RANGE_KEY: (start, end), "config": config})
        data = export_note(run_format("superbill", ctx), to=kind, subject=session.id)
    if str(output) == "-":  # standard output, as `kapnotes export -o -`
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    atomic_write(output, data)
    click.echo(f"wrote {output}", err=True)
