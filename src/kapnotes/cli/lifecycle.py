"""Commands of the note lifecycle: sign, cosign, addendum, keys, verify, audit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kapnotes.cli.app import cli, db_option, file_output, open_db
from kapnotes.errors import KapnotesError
from kapnotes.outputs import atomic_write

F = TypeVar("F", bound=Callable[..., Any])


def key_option(f: F) -> F:
    return click.option(
        "--key",
        "key_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The signer's private key file (kapnotes keys new); "
        "passphrase from $KAPNOTES_SIGNING_KEY_PASSPHRASE.",
    )(f)


def _load_key(path: Path | None) -> Any:
    if path is None:
        return None
    from kapnotes.keys import load_private_key

    return load_private_key(path)


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
@key_option
@db_option
def sign(
    session_id: str,
    clinician_id: str,
    config_path: Path | None,
    key_path: Path | None,
    db_path: Path | None,
) -> None:
    """Sign and lock a draft note as its author (refused while a blocking finding stands).

    \b
    Example:
      kapnotes sign cl-001-dose-01 --clinician dr-ames --key ~/.kapnotes/dr-ames.pem
    """
    from kapnotes.lifecycle import needs_cosignature
    from kapnotes.lifecycle import sign as sign_session
    from kapnotes.rules.config import ClinicConfig

    config = ClinicConfig.from_path(config_path) if config_path else None
    store = open_db(db_path)
    try:
        signed = sign_session(
            store, session_id, clinician_id, config=config, key=_load_key(key_path)
        )
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
@key_option
@db_option
def cosign(
    session_id: str, clinician_id: str, key_path: Path | None, db_path: Path | None
) -> None:
    """Co-sign (attest) the signed note of a pre-licensed clinician you supervise.

    \b
    Example:
      kapnotes cosign cl-002-integ-01 --clinician th-ortiz
    """
    from kapnotes.lifecycle import cosign as cosign_session

    _countersign(cosign_session, "co-signed", session_id, clinician_id, key_path, db_path)


def _countersign(
    add: Any,
    verb: str,
    session_id: str,
    clinician_id: str,
    key_path: Path | None,
    db_path: Path | None,
) -> None:
    """Add a second signature (``add``: lifecycle.cosign or lifecycle.attest) and say so."""
    store = open_db(db_path)
    try:
        s = add(store, session_id, clinician_id, key=_load_key(key_path))
    finally:
        store.close()
    g = s.signatures[-1]
    click.echo(f"{verb} {session_id} by {g.signer_name}, {g.credentials} at {g.signed_at.isoformat()}")


@cli.command()
@click.argument("session_id")
@click.option("--clinician", "clinician_id", required=True, help="The prescriber's clinician id.")
@key_option
@db_option
def attest(
    session_id: str, clinician_id: str, key_path: Path | None, db_path: Path | None
) -> None:
    """Attest, as the prescriber, the medical part of a signed dosing note.

    The clinic's signing policy (ClinicConfig.signing) says which roles a dosing note needs;
    by default the author signs and the ordering prescriber attests.

    \b
    Example:
      kapnotes attest cl-001-dose-01 --clinician dr-ames
    """
    from kapnotes.lifecycle import attest as attest_session

    _countersign(attest_session, "attested", session_id, clinician_id, key_path, db_path)


@cli.command()
@click.argument("session_id")
@click.option("--clinician", "clinician_id", required=True, help="The author of the addendum.")
@click.option("--text", required=True, help="The text of the addendum.")
@click.option(
    "--amendment", is_flag=True, help="A correction of the note (needs --reason), not an addition."
)
@click.option("--reason", default=None, help="Why (required for an amendment).")
@key_option
@db_option
def addendum(
    session_id: str,
    clinician_id: str,
    text: str,
    amendment: bool,
    reason: str | None,
    key_path: Path | None,
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
        a = add_addendum(
            store, session_id, clinician_id, text, kind=kind, reason=reason, key=_load_key(key_path)
        )
    finally:
        store.close()
    click.echo(
        f"{kind.value} {a.id} added to {session_id} by {clinician_id} at {a.written_at.isoformat()}"
    )


@cli.command()
@click.argument(
    "record", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    metavar="SEQ:HASH",
    help="An earlier published audit head the chain must extend (repeatable).",
)
@click.option(
    "--keys",
    "keys_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Trusted public keys (kapnotes keys export) to check signatures with.",
)
@click.option(
    "--require-signatures",
    is_flag=True,
    help="Fail on any signature made without a key (no digital signature).",
)
@db_option
def verify(
    record: Path | None,
    anchors: tuple[str, ...],
    keys_path: Path | None,
    require_signatures: bool,
    db_path: Path | None,
) -> None:
    """Verify the store (or an exported RECORD): nothing altered, removed or forged.

    Checks the schema and triggers (before anything re-creates them), SQLite's integrity, the
    audit chain and the published heads it must extend, every session's content hash and every
    row derived from it, every signature and addendum (Ed25519, against the registered or the
    given keys) and every row against the audit row that recorded it. Exits 1 naming each table,
    row and what differs. An exported RECORD (JSON) is verified without any store, with --keys.

    \b
    Examples:
      kapnotes verify --db clinic.db
      kapnotes verify --db clinic.db --anchor 1842:5be1...c09a --keys clinic-keys.json
      kapnotes verify record.json --keys clinic-keys.json
    """
    from kapnotes.store.audit import Head

    try:
        heads = [Head.parse(a) for a in anchors]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    keys = _read_keys(keys_path) if keys_path else None
    if record is not None:
        _verify_record(record, keys, heads)
        return
    from kapnotes.cli.app import db_key
    from kapnotes.store import default_path, open_store
    from kapnotes.store.verify import verify as verify_store

    store = open_store(db_path or default_path(), key=db_key(), migrate=False, read_only="auto")
    try:
        report = verify_store(
            store, anchors=heads, keys=keys, require_signatures=require_signatures
        )
    finally:
        store.close()
    summary = (
        f"{report.audit_rows} audit rows, {report.sessions} sessions ({report.signed_sessions} signed, "
        f"{report.signatures} signatures), {report.addenda} addenda; "
        f"{report.unsigned} of the signatures and signed addenda carry no digital signature"
    )
    if report.ok:
        click.echo(f"ok: {summary}; audit head {report.head}")
        return
    click.secho(f"FAILED: {len(report.problems)} problem(s) in {summary}", fg="red", err=True)
    for p in report.problems:
        click.echo(f"  {p}", err=True)
    raise click.exceptions.Exit(1)


def _read_keys(path: Path) -> list[Any]:
    from kapnotes.signatures import public_keys_from_data

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KapnotesError(f"cannot read the public keys {path}: {exc}") from None
    return public_keys_from_data(data, str(path))


def _verify_record(record: Path, keys: list[Any] | None, heads: list[Any]) -> None:
    from kapnotes.serialization import load
    from kapnotes.signatures import verify_document

    if keys is None:
        raise click.UsageError("verifying a RECORD needs --keys (the clinic's trusted public keys)")
    if heads:
        raise click.UsageError("--anchor checks a store's audit chain, not a RECORD")
    doc = load(record)
    problems = verify_document(doc, keys)
    # An exported record has no audit log to back a signature: every one must verify.
    notes = sum(1 for c in doc.courses for s in c.sessions if s.signatures)
    if not problems:
        click.echo(f"ok: {record}: {notes} signed note(s), every signature verified")
        return
    click.secho(f"FAILED: {len(problems)} problem(s) in {record}", fg="red", err=True)
    for p in problems:
        click.echo(f"  {p}", err=True)
    raise click.exceptions.Exit(1)


@cli.group("audit", invoke_without_command=True)
@click.option("--client", "client_id", default=None, help="Only this client's rows.")
@click.option("--limit", type=click.IntRange(1), default=None)
@db_option
@click.pass_context
def audit_cmd(
    ctx: click.Context, client_id: str | None, limit: int | None, db_path: Path | None
) -> None:
    """Print the audit log (JSON lines, oldest first); `audit head` prints the chain head.

    \b
    Examples:
      kapnotes audit --client cl-001
      kapnotes audit head --db clinic.db >> published-heads.txt
    """
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    if ctx.invoked_subcommand is not None:
        return
    store = open_db(db_path, read_only="auto")
    try:
        for row in store.audit_log(patient=client_id, limit=limit):
            click.echo(json.dumps(row, ensure_ascii=False))
    finally:
        store.close()


@audit_cmd.command("head")
@db_option
@click.pass_context
def audit_head(ctx: click.Context, db_path: Path | None) -> None:
    """Print the audit chain head (SEQ:HASH) to publish outside the store.

    Keep each printed head somewhere the store's owner cannot rewrite (another system, an
    e-mail, a printed report); `kapnotes verify --anchor SEQ:HASH` later proves that the chain
    still extends it: no row published in it was removed or rewritten.

    \b
    Example:
      kapnotes audit head --db clinic.db
    """
    store = open_db(db_path or ctx.obj.get("db_path"), read_only="auto")
    try:
        click.echo(str(store.audit_head()))
    finally:
        store.close()


@cli.group("keys")
def keys_cmd() -> None:
    """Clinicians' signing keys: create, list, revoke, export the public keys."""


@keys_cmd.command("new")
@click.option("--clinician", "clinician_id", required=True, help="Whose key.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    callback=file_output,
    help="The private key file to create (mode 0600; never overwritten; keep it off the store).",
)
@click.option(
    "--valid-from",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z"]),
    default=None,
    help="Start of validity [default: now]; a date is midnight UTC.",
)
@click.option(
    "--valid-until",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z"]),
    default=None,
    help="End of validity (rotation) [default: none].",
)
@db_option
def keys_new(
    clinician_id: str,
    out: Path,
    valid_from: dt.datetime | None,
    valid_until: dt.datetime | None,
    db_path: Path | None,
) -> None:
    """Create a clinician's Ed25519 signing key and register its public key.

    The private key goes to --out (encrypted with $KAPNOTES_SIGNING_KEY_PASSPHRASE when set),
    never into the store; the public key is registered with its validity and audited.

    \b
    Example:
      kapnotes keys new --clinician dr-ames --out ~/.kapnotes/dr-ames.pem
    """
    from kapnotes.keys import new_private_key, save_private_key
    from kapnotes.signatures import raw_public_key

    start = _utc(valid_from) or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    store = open_db(db_path)
    try:
        if clinician_id not in store.clinicians():
            raise KapnotesError(f"no clinician {clinician_id!r}")
        key = new_private_key()
        save_private_key(key, out)
        try:
            registered = store.register_public_key(
                clinician_id, raw_public_key(key), valid_from=start, valid_until=_utc(valid_until)
            )
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    finally:
        store.close()
    click.echo(f"registered {registered.key_id} for {clinician_id}, valid from {start.isoformat()}")
    click.echo(f"private key written to {out} (keep it safe: whoever holds it signs as {clinician_id})")


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


@keys_cmd.command("list")
@db_option
def keys_list(db_path: Path | None) -> None:
    """List the registered public keys (JSON lines).

    \b
    Example:
      kapnotes keys list --db clinic.db
    """
    store = open_db(db_path, read_only="auto")
    try:
        for k in store.public_keys():
            click.echo(json.dumps(k.to_data()))
    finally:
        store.close()


@keys_cmd.command("revoke")
@click.argument("key_id")
@click.option(
    "--at",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z"]),
    default=None,
    help="From when the key is no longer trusted (e.g. when it was lost) [default: now].",
)
@db_option
def keys_revoke(key_id: str, at: dt.datetime | None, db_path: Path | None) -> None:
    """Revoke a key: signatures it made at or after --at no longer verify.

    \b
    Example:
      kapnotes keys revoke ed25519:5be1c09a3f2e7d41 --at 2026-03-01
    """
    when = _utc(at) or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    store = open_db(db_path)
    try:
        store.revoke_public_key(key_id, at=when)
    finally:
        store.close()
    click.echo(f"revoked {key_id} from {when.isoformat()}")


@keys_cmd.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    callback=file_output,
    default=None,
    help="File to write [default: standard output].",
)
@db_option
def keys_export(out: Path | None, db_path: Path | None) -> None:
    """Write the public keys, to verify signatures elsewhere (kapnotes verify --keys).

    Give this file to whoever verifies by a channel the store's owner does not control.

    \b
    Example:
      kapnotes keys export --out clinic-keys.json
    """
    from kapnotes.signatures import public_keys_data

    store = open_db(db_path, read_only="auto")
    try:
        text = json.dumps(public_keys_data(store.public_keys()), indent=2) + "\n"
    finally:
        store.close()
    if out is None:
        click.echo(text, nl=False)
    else:
        atomic_write(out, text.encode("utf-8"))
        click.echo(f"wrote {out}", err=True)
