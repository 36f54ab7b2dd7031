"""The note lifecycle: draft -> signed (locked) -> amended, with co-signatures and addenda.

* :func:`sign` — the author signs a draft: refused while a blocking safety finding stands (the
  findings are listed); records signer, credentials (as they are today), time and the SHA-256 of
  the session's canonical content. From then on SQLite itself refuses any change to the session.
* :func:`cosign` — a supervisor attests the note of a pre-licensed clinician they supervise.
* :func:`add_addendum` — a dated, authored, signed addendum or amendment, appended after the
  original (never merged into it); an amendment marks the note amended.

Given the signer's private key (``key=``, see :mod:`kapnotes.keys`), each signature is also an
Ed25519 signature over its canonical payload (:mod:`kapnotes.signatures`), chained to the note's
previous signature or addendum and covering the client, course and clinicians the note shows.
A clinician with a registered key must sign with it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from kapnotes.errors import KapnotesError, NotFoundError
from kapnotes.model import (
    Addendum,
    AddendumKind,
    Clinician,
    Document,
    NoteStatus,
    Role,
    Session,
    Signature,
    SignatureRole,
    TreatmentCourse,
    evolve,
)
from kapnotes.rules.base import Finding
from kapnotes.rules.config import ClinicConfig
from kapnotes.signatures import (
    PublicKey,
    addendum_subject,
    chain_tip,
    note_items,
    raw_public_key,
    seal,
    session_context_hash,
    session_subject,
)
from kapnotes.store import SaveSummary, Store
from kapnotes.store.content import addendum_content_hash, session_content_hash

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

AUTHOR_STATEMENT = (
    "Electronically signed by the author, who attests that this note is accurate and complete."
)
COSIGN_STATEMENT = "Reviewed and co-signed by the supervising clinician."
ADDENDUM_STATEMENT = "Electronically signed by the author of this addendum."
ATTEST_STATEMENT = (
    "I ordered this treatment, was available onsite during administration and monitoring, and "
    "attest to the medical content of this record."
)


class SigningError(KapnotesError):
    """A signature was refused (wrong state, wrong clinician, or blocking findings)."""


class SigningRefused(SigningError):
    """Signing refused while blocking safety findings stand; ``findings`` lists them."""

    def __init__(self, session_id: str, findings: list[Finding]) -> None:
        self.findings = findings
        lines = "".join(f"\n  {f}" for f in findings)
        super().__init__(
            f"session {session_id!r} cannot be signed: {len(findings)} blocking finding(s){lines}"
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _clinician(store: Store, clinician_id: str) -> Clinician:
    try:
        return store.clinicians()[clinician_id]
    except KeyError:
        raise NotFoundError(f"no clinician {clinician_id!r}") from None


def sign(
    store: Store,
    session_id: str,
    clinician_id: str,
    *,
    at: dt.datetime | None = None,
    config: ClinicConfig | None = None,
    statement: str = AUTHOR_STATEMENT,
    key: Ed25519PrivateKey | None = None,
) -> Session:
    """Sign a draft as its author; returns the signed session.

    The author must be one of the session's clinicians. Refused while a blocking finding of the
    safety rules stands (:class:`SigningRefused` lists them).
    """
    from kapnotes.rules.engine import blocking, check_session

    course, session = store.session(session_id)
    if session.status is not NoteStatus.DRAFT:
        raise SigningError(
            f"session {session_id!r} is already {session.status.value}; add an addendum instead"
        )
    clinician = _clinician(store, clinician_id)
    if clinician_id not in session.clinician_ids():
        raise SigningError(
            f"{clinician.name} ({clinician_id}) is not a clinician of session {session_id!r}"
        )
    document = store.document(client_ids=[course.client_id])
    stopping = blocking(
        check_session(session, config, course=course, document=document, registry=store.registry)
    )
    if stopping:
        raise SigningRefused(session_id, stopping)
    signature = _signature(store, course, session, clinician, SignatureRole.AUTHOR, at, statement, key)
    store.append_signature(session_id, signature, NoteStatus.SIGNED, actor=clinician_id)
    return evolve(session, status=NoteStatus.SIGNED, signatures=(signature,))


def cosign(
    store: Store,
    session_id: str,
    supervisor_id: str,
    *,
    at: dt.datetime | None = None,
    statement: str = COSIGN_STATEMENT,
    key: Ed25519PrivateKey | None = None,
) -> Session:
    """Co-sign (attest) the signed note of a pre-licensed clinician as their supervisor."""
    course, session = store.session(session_id)
    author = _clinician(store, _author_signature(session, "co-sign").clinician_id)
    supervisor = _clinician(store, supervisor_id)
    if author.licensed:
        raise SigningError(f"{author.name} is licensed: their notes need no co-signature")
    if author.supervisor_id != supervisor_id:
        raise SigningError(f"{supervisor.name} is not the supervisor of {author.name}")
    return _countersign(
        store, course, session, supervisor, SignatureRole.COSIGNER, "co-signed", at, statement, key
    )


def attest(
    store: Store,
    session_id: str,
    prescriber_id: str,
    *,
    at: dt.datetime | None = None,
    statement: str = ATTEST_STATEMENT,
    key: Ed25519PrivateKey | None = None,
) -> Session:
    """Add the prescriber's attestation of the medical part to a signed dosing note.

    The prescriber must hold the prescriber role, and be the dosing record's ordering clinician
    when one is named; which roles a dosing note needs is clinic policy
    (``ClinicConfig.signing``, checked by the ``dosing-attestation`` rule). ``key``: the
    prescriber's signing key (see :func:`sign`).
    """
    course, session = store.session(session_id)
    _author_signature(session, "attest")
    prescriber = _clinician(store, prescriber_id)
    if Role.PRESCRIBER not in prescriber.roles:
        raise SigningError(f"{prescriber.name} is not a prescriber")
    ordering = session.dosing.ordering_clinician_id if session.dosing is not None else None
    if ordering is not None and ordering != prescriber_id:
        raise SigningError(
            f"{prescriber.name} did not order this dose (the ordering clinician is {ordering})"
        )
    return _countersign(
        store,
        course,
        session,
        prescriber,
        SignatureRole.PRESCRIBER_ATTESTATION,
        "attested by its prescriber",
        at,
        statement,
        key,
    )


def _author_signature(session: Session, action: str) -> Signature:
    """The note's author signature, which a co-signature or attestation follows."""
    for signature in session.signatures:
        if signature.role is SignatureRole.AUTHOR:
            return signature
    raise SigningError(f"session {session.id!r} has no author signature to {action}")


def _countersign(
    store: Store,
    course: TreatmentCourse,
    session: Session,
    signer: Clinician,
    role: SignatureRole,
    done: str,
    at: dt.datetime | None,
    statement: str,
    key: Ed25519PrivateKey | None,
) -> Session:
    """Append a second signature of ``role`` (once per note) to a signed note."""
    if any(s.role is role for s in session.signatures):
        raise SigningError(f"session {session.id!r} is already {done}")
    signature = _signature(store, course, session, signer, role, at, statement, key)
    store.append_signature(session.id, signature, session.status, actor=signer.id)
    return evolve(session, signatures=(*session.signatures, signature))


def needs_cosignature(store: Store, session: Session) -> bool:
    """Whether a signed note awaits its supervisor's co-signature."""
    clinicians = store.clinicians()
    authors = [s for s in session.signatures if s.role is SignatureRole.AUTHOR]
    cosigned = any(s.role is SignatureRole.COSIGNER for s in session.signatures)
    return bool(authors) and not cosigned and not clinicians[authors[0].clinician_id].licensed


def add_addendum(
    store: Store,
    session_id: str,
    clinician_id: str,
    text: str,
    *,
    kind: AddendumKind = AddendumKind.ADDENDUM,
    reason: str | None = None,
    at: dt.datetime | None = None,
    key: Ed25519PrivateKey | None = None,
) -> Addendum:
    """Append a signed addendum (or amendment, with a reason) to a signed note."""
    _, session = store.session(session_id)
    if session.status is NoteStatus.DRAFT:
        raise SigningError(
            f"session {session_id!r} is a draft: edit it instead; addenda follow signing"
        )
    clinician = _clinician(store, clinician_id)
    when = at or _now()
    body = Addendum(
        id=f"{session_id}-add-{secrets.token_hex(4)}",
        kind=kind,
        author_id=clinician_id,
        written_at=when,
        text=text,
        reason=reason,
    )
    signature = Signature(
        clinician_id=clinician_id,
        signer_name=clinician.name,
        credentials=clinician.credentials,
        role=SignatureRole.AUTHOR,
        signed_at=when,
        content_hash=addendum_content_hash(body),
        statement=ADDENDUM_STATEMENT,
        previous_hash=chain_tip(note_items(session)) if key is not None else None,
    )
    _check_key(store, clinician_id, when, key)
    if key is not None:
        signature = seal(addendum_subject(session_id, body.id), signature, key)
    addendum = evolve(body, signature=signature)
    store.append_addendum(session_id, addendum, actor=clinician_id)
    return addendum


def _check_key(
    store: Store, clinician_id: str, when: dt.datetime, key: Ed25519PrivateKey | None
) -> None:
    """A clinician with a registered key signs with it; a given key must be theirs, valid then."""
    from kapnotes.signatures import key_id_of

    registered = store.public_keys(clinician_id)
    if key is None:
        if any(k.usable_at(when) is None for k in registered):
            raise SigningError(
                f"{clinician_id} has a registered signing key: sign with it (--key FILE)"
            )
        return
    key_id = key_id_of(raw_public_key(key))
    mine = next((k for k in registered if k.key_id == key_id), None)
    if mine is None:
        raise SigningError(f"key {key_id} is not a registered key of {clinician_id}")
    reason = mine.usable_at(when)
    if reason:
        raise SigningError(f"cannot sign as {clinician_id}: {reason}")


def _signature(
    store: Store,
    course: TreatmentCourse,
    session: Session,
    clinician: Clinician,
    role: SignatureRole,
    at: dt.datetime | None,
    statement: str,
    key: Ed25519PrivateKey | None,
) -> Signature:
    when = at or _now()
    _check_key(store, clinician.id, when, key)
    signature = Signature(
        clinician_id=clinician.id,
        signer_name=clinician.name,
        credentials=clinician.credentials,
        role=role,
        signed_at=when,
        content_hash=session_content_hash(session),
        statement=statement,
    )
    if key is None:
        return signature
    shown = session_context_hash(
        session, store.client(course.client_id), course, store.clinicians()
    )
    signature = evolve(
        signature, previous_hash=chain_tip(note_items(session)), context_hash=shown
    )
    return seal(session_subject(session.id), signature, key)


@attrs.frozen
class ImportResult:
    """What :func:`import_document` stored, and each signature it refused (with why)."""

    summary: SaveSummary
    refused: tuple[str, ...]


def import_document(
    store: Store,
    doc: Document,
    *,
    config: ClinicConfig | None = None,
    actor: str | None = None,
) -> ImportResult:
    """Save a document from elsewhere, accepting only signatures that prove themselves.

    A new signature (or signed addendum) is accepted only if its Ed25519 signature verifies
    against a key registered in this store (of its signer, valid at signing) and matches the
    content, and — for a note not yet stored as signed — no blocking safety finding stands.
    Otherwise the note is stored as a draft (its signatures and addenda left out), and each
    refused signature is reported; signatures already stored are kept as they are.
    """
    from kapnotes.rules.engine import blocking, check_session
    from kapnotes.signatures import check_signature

    keys = {k.key_id: k for k in store.public_keys()}
    stored = dict(store.conn.execute("SELECT id, status FROM sessions"))
    stored_sigs: dict[str, int] = {}
    for sid, n in store.conn.execute("SELECT session_id, count(*) FROM signatures GROUP BY session_id"):
        stored_sigs[sid] = n
    stored_addenda = {r[0] for r in store.conn.execute("SELECT id FROM addenda")}
    refused: list[str] = []
    courses = []
    for course in doc.courses:
        sessions = []
        for s in course.sessions:
            reasons = _import_refusals(
                s, course, doc, config, keys, stored_sigs.get(s.id, 0), stored_addenda, check_signature
            )
            locked = stored.get(s.id, NoteStatus.DRAFT.value) != NoteStatus.DRAFT.value
            if not locked and s.status is not NoteStatus.DRAFT:
                findings = blocking(
                    check_session(s, config, course=course, document=doc, registry=store.registry)
                )
                reasons += [f"blocking finding: {f}" for f in findings]
            if reasons and locked:  # keep what is stored; leave out what does not verify
                refused += [f"session {s.id}: left out: {r}" for r in reasons]
                kept = s.signatures[: stored_sigs.get(s.id, 0)]
                s = evolve(s, signatures=kept, addenda=tuple(
                    x for x in s.addenda if x.id in stored_addenda
                ))
            elif reasons:
                refused += [f"session {s.id}: imported as a draft: {r}" for r in reasons]
                s = evolve(s, status=NoteStatus.DRAFT, signatures=(), addenda=())
            sessions.append(s)
        courses.append(evolve(course, sessions=tuple(sessions)))
    summary = store.save(evolve(doc, courses=tuple(courses)), actor=actor)
    return ImportResult(summary=summary, refused=tuple(refused))


def _import_refusals(
    s: Session,
    course: TreatmentCourse,
    doc: Document,
    config: ClinicConfig | None,
    keys: dict[str, PublicKey],
    stored_signatures: int,
    stored_addenda: set[str],
    check: Callable[..., str | None],
) -> list[str]:
    """Why the new signatures and addenda of ``s`` cannot be accepted (empty: they can)."""
    from kapnotes.signatures import addendum_problems, session_subject

    content = session_content_hash(s)
    out = []
    if s.status is not NoteStatus.DRAFT and not s.signatures:
        out.append(f"marked {s.status.value} without a signature")
    for i, g in enumerate(s.signatures[stored_signatures:], start=stored_signatures):
        if g.content_hash != content:
            out.append(f"signature {i} by {g.clinician_id} does not match the content")
        reason = check(session_subject(s.id), g, keys)
        if reason:
            out.append(f"signature {i} by {g.clinician_id} refused: {reason}")
    for a in s.addenda:
        if a.id in stored_addenda:
            continue
        for kind, text in addendum_problems(s.id, a, keys, check):
            out.append(
                f"addendum {a.id} by {a.author_id} refused: {text}"
                if kind == "signature"
                else f"addendum {a.id} {text}"
            )
    return out
