"""``kapnotes bill``: suggest the service lines of a session, each with its reason and source."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kapnotes.cli.app import cli, db_option, open_db


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
