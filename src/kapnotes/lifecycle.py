"""The note lifecycle: draft -> signed (locked) -> amended, with co-signatures and addenda.

* :func:`sign` — the author signs a draft: refused while a blocking safety finding stands (the
  findings are listed); records signer, credentials (as they are today), time and the SHA-256 of
  the session's canonical content. From then on SQLite itself refuses any change to the session.
* :func:`cosign` — a supervisor attests the note of a pre-licensed clinician they supervise.
* :func:`add_addendum` — a dated, authored, signed addendum or amendment, appended after the
  original (never merged into it); an amendment marks the note amended.
"""

from __future__ import annotations

import datetime as dt
import secrets

from kapnotes.errors import KapnotesError, NotFoundError
from kapnotes.model import (
    Addendum,
    AddendumKind,
    Clinician,
    NoteStatus,
    Role,
    Session,
    Signature,
    SignatureRole,
    evolve,
)
from kapnotes.rules.base import Finding
from kapnotes.rules.config import ClinicConfig
from kapnotes.store import Store
from kapnotes.store.content import addendum_content_hash, session_content_hash

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
    stopping = blocking(check_session(session, config, course=course, document=document))
    if stopping:
        raise SigningRefused(session_id, stopping)
    signature = _signature(session, clinician, SignatureRole.AUTHOR, at, statement)
    store.append_signature(session_id, signature, NoteStatus.SIGNED, actor=clinician_id)
    return evolve(session, status=NoteStatus.SIGNED, signatures=(signature,))


def cosign(
    store: Store,
    session_id: str,
    supervisor_id: str,
    *,
    at: dt.datetime | None = None,
    statement: str = COSIGN_STATEMENT,
) -> Session:
    """Co-sign (attest) the signed note of a pre-licensed clinician as their supervisor."""
    _, session = store.session(session_id)
    authors = [s for s in session.signatures if s.role is SignatureRole.AUTHOR]
    if not authors:
        raise SigningError(f"session {session_id!r} has no author signature to co-sign")
    author = _clinician(store, authors[0].clinician_id)
    supervisor = _clinician(store, supervisor_id)
    if author.licensed:
        raise SigningError(f"{author.name} is licensed: their notes need no co-signature")
    if author.supervisor_id != supervisor_id:
        raise SigningError(f"{supervisor.name} is not the supervisor of {author.name}")
    if any(s.role is SignatureRole.COSIGNER for s in session.signatures):
        raise SigningError(f"session {session_id!r} is already co-signed")
    signature = _signature(session, supervisor, SignatureRole.COSIGNER, at, statement)
    store.append_signature(session_id, signature, session.status, actor=supervisor_id)
    return evolve(session, signatures=(*session.signatures, signature))


def attest(
    store: Store,
    session_id: str,
    prescriber_id: str,
    *,
    at: dt.datetime | None = None,
    statement: str = ATTEST_STATEMENT,
) -> Session:
    """Add the prescriber's attestation of the medical part to a signed dosing note.

    The prescriber must hold the prescriber role, and be the dosing record's ordering clinician
    when one is named; which roles a dosing note needs is clinic policy
    (``ClinicConfig.signing``, checked by the ``dosing-attestation`` rule).
    """
    _, session = store.session(session_id)
    if not any(s.role is SignatureRole.AUTHOR for s in session.signatures):
        raise SigningError(f"session {session_id!r} has no author signature to attest")
    prescriber = _clinician(store, prescriber_id)
    if Role.PRESCRIBER not in prescriber.roles:
        raise SigningError(f"{prescriber.name} is not a prescriber")
    ordering = session.dosing.ordering_clinician_id if session.dosing is not None else None
    if ordering is not None and ordering != prescriber_id:
        raise SigningError(
            f"{prescriber.name} did not order this dose (the ordering clinician is {ordering})"
        )
    if any(s.role is SignatureRole.PRESCRIBER_ATTESTATION for s in session.signatures):
        raise SigningError(f"session {session_id!r} is already attested by its prescriber")
    signature = _signature(session, prescriber, SignatureRole.PRESCRIBER_ATTESTATION, at,
                           statement)
    store.append_signature(session_id, signature, session.status, actor=prescriber_id)
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
    )
    addendum = evolve(body, signature=signature)
    store.append_addendum(session_id, addendum, actor=clinician_id)
    return addendum


def _signature(
    session: Session,
    clinician: Clinician,
    role: SignatureRole,
    at: dt.datetime | None,
    statement: str,
) -> Signature:
    return Signature(
        clinician_id=clinician.id,
        signer_name=clinician.name,
        credentials=clinician.credentials,
        role=role,
        signed_at=at or _now(),
        content_hash=session_content_hash(session),
        statement=statement,
    )
