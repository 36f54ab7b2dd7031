"""Commands of the note lifecycle: sign, cosign, addendum, verify, audit."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kapnotes.cli.app import cli, db_option, open_db


@cli.command()
@click.argument("session_id")
@click.option(
    "--clinician", "clinician_id", required=True, help="The signing clinician's id (the author)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Clinic configuration (JSON) for the safety rules [default: the cited defaults].",
)
@db_option
def sign(
    session_id: str, clinician_id: str, config_path: Path | None, db_path: Path | None
) -> None:
    """Sign and lock a draft note as its author (refused while a blocking finding stands).

    \b
    Example:
      kapnotes sign cl-001-dose-01 --clinician dr-ames
    """
    from kapnotes.lifecycle import needs_cosignature
    from kapnotes.lifecycle import sign as sign_session
    from kapnotes.rules.config import ClinicConfig

    config = ClinicConfig.from_path(config_path) if config_path else None
    store = open_db(db_path)
    try:
        signed = sign_session(store, session_id, clinician_id, config=config)
        pending = needs_cosignature(store, signed)
    finally:
        store.close()
    g = signed.signatures[0]
    click.echo(
        f"signed {session_id} by {g.signer_name}, {g.credentials} at {g.signed_at.isoformat()}"
    )
    click.echo(f"content SHA-256 {g.content_hash}")
    if pending:
        click.echo(
            "awaiting the supervisor's co-signature: kapnotes cosign SESSION_ID --clinician SUPERVISOR"
        )


@cli.command()
@click.argument("session_id")
@click.option("--clinician", "clinician_id", required=True, help="The supervisor's clinician id.")
@db_option
def cosign(session_id: str, clinician_id: str, db_path: Path | None) -> None:
    """Co-sign (attest) the signed note of a pre-licensed clinician you supervise.

    \b
    Example:
      kapnotes cosign cl-002-integ-01 --clinician th-ortiz
    """
    from kapnotes.lifecycle import cosign as cosign_session

    store = open_db(db_path)
    try:
        s = cosign_session(store, session_id, clinician_id)
    finally:
        store.close()
    g = s.signatures[-1]
    click.echo(
        f"co-signed {session_id} by {g.signer_name}, {g.credentials} at {g.signed_at.isoformat()}"
    )


@cli.command()
@click.argument("session_id")
@click.option("--clinician", "clinician_id", required=True, help="The author of the addendum.")
@click.option("--text", required=True, help="The text of the addendum.")
@click.option(
    "--amendment", is_flag=True, help="A correction of the note (needs --reason), not an addition."
)
@click.option("--reason", default=None, help="Why (required for an amendment).")
@db_option
def addendum(
    session_id: str,
    clinician_id: str,
    text: str,
    amendment: bool,
    reason: str | None,
    db_path: Path | None,
) -> None:
    """Append a dated, signed addendum (or amendment) to a signed note.

    \b
    Examples:
      kapnotes addendum cl-001-intake-01 --clinician th-ortiz --text "Late entry: spoke with PCP."
      kapnotes addendum cl-001-intake-01 --clinician th-ortiz --amendment \\
          --reason "wrong medication dose recorded" --text "Sertraline is 50 mg, not 100 mg."
    """
    from kapnotes.lifecycle import add_addendum
    from kapnotes.model import AddendumKind

    if amendment and not reason:
        raise click.UsageError("an amendment needs --reason")
    kind = AddendumKind.AMENDMENT if amendment else AddendumKind.ADDENDUM
    store = open_db(db_path)
    try:
        a = add_addendum(store, session_id, clinician_id, text, kind=kind, reason=reason)
    finally:
        store.close()
    click.echo(
        f"{kind.value} {a.id} added to {session_id} by {clinician_id} at {a.written_at.isoformat()}"
    )


@cli.command()
@db_option
def verify(db_path: Path | None) -> None:
    """Verify the store: audit chain, signed notes, addenda, triggers, SQLite integrity.

    Exits 1 and names the first failing row or note when anything does not check out.

    \b
    Example:
      kapnotes verify --db clinic.db
    """
    from kapnotes.store.verify import verify as verify_store

    store = open_db(db_path)
    try:
        report = verify_store(store)
    finally:
        store.close()
    summary = (
        f"{report.audit_rows} audit rows, {report.sessions} sessions ({report.signed_sessions} signed, "
        f"{report.signatures} signatures), {report.addenda} addenda"
    )
    if report.ok:
        click.echo(f"ok: {summary}")
        return
    click.secho(f"FAILED: {len(report.problems)} problem(s) in {summary}", fg="red", err=True)
    for p in report.problems:
        click.echo(f"  {p}", err=True)
    raise click.exceptions.Exit(1)


@cli.command("audit")
@click.option("--client", "client_id", default=None, help="Only this client's rows.")
@click.option("--limit", type=click.IntRange(1), default=None)
@db_option
def audit_cmd(client_id: str | None, limit: int | None, db_path: Path | None) -> None:
    """Print the audit log (JSON lines, oldest first).

    \b
    Example:
      kapnotes audit --client cl-001
    """
    store = open_db(db_path)
    try:
        for row in store.audit_log(patient=client_id, limit=limit):
            click.echo(json.dumps(row, ensure_ascii=False))
    finally:
        store.close()
