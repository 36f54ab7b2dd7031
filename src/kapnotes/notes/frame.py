"""The note frame: what every note has around its sections.

The letterhead, the patient banner, the session facts, the signature blocks (or an unsigned
author block for a draft), the addenda, and :func:`note_frame`, which assembles a
:class:`~kapnotes.notes.document.Note` from sections: the one frame every format uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from kapnotes.model import Addendum as RecordAddendum
from kapnotes.model import (
    AddendumKind,
    Clinician,
    Role,
    Session,
    Signature,
    SignatureRole,
)
from kapnotes.notes.document import (
    Addendum,
    Letterhead,
    Note,
    PatientBanner,
    Section,
    SignatureBlock,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.wording import LIST_SEP, format_date, format_minutes, format_span, format_value

__all__ = [
    "clinician_name",
    "clinician_parts",
    "letterhead",
    "note_addenda",
    "note_addendum",
    "note_author",
    "note_frame",
    "patient_banner",
    "session_facts",
    "signature_block",
    "signature_blocks",
]

# =============================================================================================
# People
# =============================================================================================


def clinician_parts(ctx: NoteContext, clinician_id: str) -> tuple[str, str]:
    """``(name, credentials)`` of a clinician; the id and no credentials when unknown."""
    c: Clinician | None = ctx.clinicians.get(clinician_id)
    return (c.name, c.credentials) if c is not None else (clinician_id, "")


def clinician_name(ctx: NoteContext, clinician_id: str) -> str:
    """How a clinician reference is shown wherever a name is enough."""
    return clinician_parts(ctx, clinician_id)[0]


# =============================================================================================
# The parts of every note: letterhead, banner, facts, signatures, addenda
# =============================================================================================


def letterhead(ctx: NoteContext) -> Letterhead:
    """The clinic's name, address, phone and NPI."""
    clinic = ctx.clinic
    if clinic is None:
        return Letterhead(clinic_name="")
    out: list[str] = []
    if clinic.address is not None:
        a = clinic.address
        out += list(a.lines)
        place = " ".join(p for p in (a.state, a.postal_code) if p)
        out.append(", ".join(p for p in (a.city, place) if p))
    if clinic.phone:
        out.append(f"Phone {clinic.phone}")
    if clinic.npi:
        out.append(f"NPI {clinic.npi}")
    return Letterhead(clinic_name=clinic.name, lines=tuple(line for line in out if line))


def patient_banner(ctx: NoteContext) -> PatientBanner:
    """The client's name, date of birth and MRN (the course's client id without a client)."""
    client = ctx.client
    if client is None:
        fallback = ctx.course.client_id if ctx.course is not None else ""
        return PatientBanner(name=fallback, date_of_birth=None, mrn=None)
    return PatientBanner(name=client.name.display, date_of_birth=client.date_of_birth, mrn=client.mrn)


def session_facts(
    ctx: NoteContext, omits: Callable[[str], bool] = lambda _path: False
) -> tuple[tuple[str, str], ...]:
    """Date, time span with UTC offset, duration, kind, modality, location, clinicians with
    roles, people present, note status and session id; ``omits(path)`` leaves a field out."""
    s = ctx.session
    facts: list[tuple[str, str, str]] = [
        ("start", "Date", format_date(s.start.date())),
        ("start", "Time", format_span(s.start, s.end)),
        ("end", "Duration", format_minutes(s.duration_minutes) if s.duration_minutes else ""),
        ("kind", "Session type", format_value(s.kind)),
        ("modality", "Modality", format_value(s.modality)),
        ("location", "Location", s.location or ""),
        ("clinicians", "Clinicians", LIST_SEP.join(_session_clinician(ctx, s, i)
                                                   for i in range(len(s.clinicians)))),
        ("present", "People present", LIST_SEP.join(_person(p.name, p.relationship)
                                                    for p in s.present)),
        ("status", "Note status", format_value(s.status)),
        ("id", "Session ID", s.id),
    ]
    return tuple((label, text) for path, label, text in facts if text and not omits(path))


def _session_clinician(ctx: NoteContext, s: Session, i: int) -> str:
    c = s.clinicians[i]
    return f"{ctx.clinician_label(c.clinician_id)} ({format_value(c.role)})"


def _person(name: str, relationship: str | None) -> str:
    return f"{name} ({relationship})" if relationship else name


def signature_block(sig: Signature) -> SignatureBlock:
    """A signature of the record as a note's signature block."""
    return SignatureBlock(
        signer=sig.signer_name,
        credentials=sig.credentials,
        role=format_value(sig.role),
        signed_at=sig.signed_at,
        content_hash=sig.content_hash,
        statement=sig.statement,
    )


def _draft_author(ctx: NoteContext) -> str | None:
    """The clinician expected to sign a draft: the first therapist, else the first clinician."""
    s = ctx.session
    therapists = [c.clinician_id for c in s.clinicians if c.role is Role.THERAPIST]
    ids = therapists or [c.clinician_id for c in s.clinicians]
    return ids[0] if ids else None


def signature_blocks(ctx: NoteContext) -> tuple[SignatureBlock, ...]:
    """Every signature line: the session's signatures, and unsigned lines for those still due
    (a draft's author and, for a pre-licensed author, the supervisor; a dosing record's
    ordering prescriber, who attests the medical part)."""
    s = ctx.session
    blocks = _signature_lines(ctx)
    ordering = s.dosing.ordering_clinician_id if s.dosing is not None else None
    attested = any(sig.role is SignatureRole.PRESCRIBER_ATTESTATION for sig in s.signatures)
    if ordering is not None and not attested:
        blocks.append(_unsigned(ctx, ordering, SignatureRole.PRESCRIBER_ATTESTATION))
    return tuple(blocks)


def _signature_lines(ctx: NoteContext) -> list[SignatureBlock]:
    s = ctx.session
    if s.signatures:
        return [signature_block(sig) for sig in s.signatures]
    author = _draft_author(ctx)
    if author is None:
        return [SignatureBlock(signer="", credentials="", role=format_value(SignatureRole.AUTHOR))]
    blocks = [_unsigned(ctx, author, SignatureRole.AUTHOR)]
    clinician = ctx.clinicians.get(author)
    if clinician is not None and not clinician.licensed and clinician.supervisor_id:
        blocks.append(_unsigned(ctx, clinician.supervisor_id, SignatureRole.COSIGNER))
    return blocks


def _unsigned(ctx: NoteContext, clinician_id: str, role: SignatureRole) -> SignatureBlock:
    name, credentials = clinician_parts(ctx, clinician_id)
    return SignatureBlock(signer=name, credentials=credentials, role=format_value(role))


def note_author(ctx: NoteContext) -> str:
    """The author: who signed as author, else who is expected to sign the draft."""
    for sig in ctx.session.signatures:
        if sig.role is SignatureRole.AUTHOR:
            return sig.signer_name
    author = _draft_author(ctx)
    return clinician_name(ctx, author) if author else ""


def note_addendum(ctx: NoteContext, a: RecordAddendum) -> Addendum:
    """An addendum of the record as a note addendum (author resolved to name and credentials)."""
    name, credentials = clinician_parts(ctx, a.author_id)
    if a.author_id not in ctx.clinicians and a.signature is not None:
        name, credentials = a.signature.signer_name, a.signature.credentials
    return Addendum(
        kind="amendment" if a.kind is AddendumKind.AMENDMENT else "addendum",
        author=name,
        credentials=credentials,
        written_at=a.written_at,
        text=a.text,
        signature=signature_block(a.signature) if a.signature is not None else None,
        reason=a.reason,
    )


def note_addenda(ctx: NoteContext) -> tuple[Addendum, ...]:
    """Every addendum and amendment, in the order written."""
    return tuple(note_addendum(ctx, a) for a in ctx.session.addenda)




def note_frame(
    ctx: NoteContext,
    *,
    title: str,
    format: str,
    sections: Sequence[Section | None],
    subject: str,
    omits: Callable[[str], bool] | None = None,
    created: dt.datetime | None = None,
) -> Note:
    """A note of ``ctx.session``: ``sections`` (None entries left out) in the frame every note
    has (letterhead, patient banner, session facts, signatures, addenda, the status, the author,
    and on a draft the findings that block signing). ``omits`` leaves facts out of the session
    facts (a format's ``omitted`` map); ``created`` defaults to ``ctx.generated_at``."""
    s = ctx.session
    from kapnotes.notes.topics.course import blocking_findings

    return Note(
        title=title,
        format=format,
        letterhead=letterhead(ctx),
        patient=patient_banner(ctx),
        facts=session_facts(ctx, omits) if omits is not None else session_facts(ctx),
        sections=tuple(sec for sec in sections if sec is not None),
        signatures=signature_blocks(ctx),
        addenda=note_addenda(ctx),
        status=s.status.value,
        author=note_author(ctx),
        created=created if created is not None else ctx.generated_at,
        subject=subject,
        blocking=blocking_findings(ctx),
    )
