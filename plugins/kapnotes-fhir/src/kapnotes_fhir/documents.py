"""Notes as FHIR: DocumentReferences (with the rendered note) and the Composition of a document.

How a note's lifecycle becomes DocumentReferences (one per *version*, each with its own id):

* A **draft** note: one DocumentReference, ``docStatus`` ``preliminary``, the note as it stands.
* A **signed** note: the note as signed (without addenda), ``docStatus`` ``final``.
* Each **addendum** (adds information; the original stands): its own DocumentReference with the
  addendum's text, ``relatesTo`` ``appends`` -> the version current when it was written;
  ``docStatus`` ``final`` when the addendum is signed, else ``preliminary``.
* Each **signed amendment** (corrects the note): a new version of the whole note, re-rendered
  with the addenda up to and including the amendment, ``docStatus`` ``amended``, ``relatesTo``
  ``replaces`` -> the previous version, which becomes ``status`` ``superseded``. An amendment
  **not signed** yet is a proposed correction, exported as an addendum is: ``preliminary``, no
  authenticator, ``appends`` -> the current version, which stays current.

So an EHR that follows ``replaces`` shows the latest version and keeps the earlier ones, and
nothing ever overwrites what was signed. A rendered note is attached as Word
(``application/vnd.openxmlformats-officedocument.wordprocessingml.document``, with zip
timestamps fixed so that the same note is the same bytes) and/or UTF-8 text, as
``note_content`` says.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from kapnotes.model import Addendum as RecordAddendum
from kapnotes.model import (
    AddendumKind,
    Client,
    NoteStatus,
    Session,
    SignatureRole,
    TreatmentCourse,
    evolve,
)
from kapnotes.notes.document import (
    Block,
    BulletList,
    Fields,
    Figure,
    Note,
    Paragraph,
    Section,
    SignatureBlock,
    Table,
)
from kapnotes.notes.sanitize import clean, plain
from kapnotes_fhir import codes
from kapnotes_fhir.context import Entry, ExportContext, period, prune, when

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain; charset=utf-8"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# --- rendering ------------------------------------------------------------------------------------


def build_note(ctx: ExportContext, course: TreatmentCourse, client: Client | None, s: Session) -> Note:
    """The session's note in the export's note format (default: the format for its kind)."""
    from kapnotes.batch import default_format
    from kapnotes.plugins import registry
    from kapnotes.rendering import build_note as build

    name = ctx.settings.note_format
    if name is None or not registry().note_formats.get(name).applies_to(s):
        name = default_format(s.kind)
    return build(s, format=name, course=course, client=client, clinic=ctx.clinic, clinicians=ctx.clinicians)


def stable_docx(data: bytes) -> bytes:
    """A .docx with fixed zip timestamps: the same note gives the same bytes on every run."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _attachments(ctx: ExportContext, note: Note, title: str, created: dt.datetime) -> list[tuple[bytes, str, str]]:
    """The note's files as ``note_content`` asks: ``(data, media type, file name)``."""
    from kapnotes.rendering import export_note

    out = []
    for kind in ctx.settings.note_content:
        if kind == "docx":
            out.append((stable_docx(export_note(note, to="docx")), DOCX, f"{title}.docx"))
        else:
            out.append((export_note(note, to="text"), TEXT, f"{title}.txt"))
    return out


def content(
    ctx: ExportContext, key: str, files: list[tuple[bytes, str, str]], created: dt.datetime, subject: dict[str, str]
) -> tuple[list[Entry], list[dict[str, Any]]]:
    """``DocumentReference.content`` of ``files``, and the ``Binary`` resources it points to.

    ``note_attachment`` ``inline``: the data in the attachment, no Binary. ``binary``: one
    Binary per file (its ``securityContext`` the patient, so that a server applies the patient's
    access rules), the attachment with ``url`` ``Binary/<id>``, ``size`` and SHA-1 ``hash``.
    """
    binaries: list[Entry] = []
    out = []
    for n, (data, media, name) in enumerate(files):
        attachment: dict[str, Any] = {"contentType": media, "language": "en"}
        encoded = base64.b64encode(data).decode("ascii")
        if ctx.settings.note_attachment == "binary":
            file_key = f"{key}/file/{n}"
            binary = Entry(  # no business identifier: Binary has no identifier element (it is PUT by id)
                {"resourceType": "Binary", "id": ctx.refs.id("Binary", file_key), "contentType": media,
                 "securityContext": subject, "data": encoded},
                (ctx.systems.of("file"), file_key),
            )
            binaries.append(binary)
            attachment.update(
                url=f"Binary/{binary.id}", size=len(data),
                hash=base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),  # R4: SHA-1, base64
            )
        else:
            attachment["data"] = encoded
        attachment.update(title=name, creation=when(created))
        out.append({"attachment": attachment})
    return binaries, out


# --- lifecycle helpers ---------------------------------------------------------------------------


def author_signature_time(s: Session) -> dt.datetime | None:
    times = [g.signed_at for g in s.signatures if g.role is SignatureRole.AUTHOR]
    return min(times) if times else None


def author_id(s: Session) -> str | None:
    """The clinician who signed as author (None for a draft)."""
    return next((g.clinician_id for g in s.signatures if g.role is SignatureRole.AUTHOR), None)


def latest_time(s: Session) -> dt.datetime:
    """When the note last changed: the last addendum or signature, else its end or start."""
    times = [g.signed_at for g in s.signatures] + [a.written_at for a in s.addenda]
    times += [a.signature.signed_at for a in s.addenda if a.signature is not None]
    return max(times) if times else (s.end or s.start)


def note_key(s: Session, addendum: RecordAddendum | None = None) -> str:
    """The key of a note version: the session id, or ``<session>/addendum/<id>``."""
    return s.id if addendum is None else f"{s.id}/addendum/{addendum.id}"


# --- DocumentReferences --------------------------------------------------------------------------


def document_references(
    ctx: ExportContext, course: TreatmentCourse, client: Client | None, s: Session
) -> Iterator[Entry]:
    """The DocumentReferences of one session's note (see the module docstring)."""
    if s.status is NoteStatus.DRAFT:
        yield from _docref(ctx, course, client, s, s, key=note_key(s), doc_status="preliminary",
                      status="current", date=s.end or s.start)
        return
    amendments = [a for a in s.addenda if in_force(a)]
    signed = author_signature_time(s) or latest_time(s)
    original = evolve(s, status=NoteStatus.SIGNED, addenda=())
    legacy = s.status is NoteStatus.AMENDED and not any(a.kind is AddendumKind.AMENDMENT for a in s.addenda)
    first_status = "amended" if legacy else "final"
    yield from _docref(ctx, course, client, s, original, key=note_key(s), doc_status=first_status,
                  status="superseded" if amendments else "current", date=signed)
    current = note_key(s)
    for k, a in enumerate(s.addenda):
        key = note_key(s, a)
        if in_force(a):
            version = evolve(s, status=NoteStatus.AMENDED, addenda=s.addenda[: k + 1])
            last = a is amendments[-1]
            yield from _docref(ctx, course, client, s, version, key=key, doc_status="amended",
                          status="current" if last else "superseded", date=_addendum_time(a),
                          relates=("replaces", current), author=a.author_id)
            current = key
        else:
            yield from _addendum_docref(ctx, course, s, a, key, target=current)


def in_force(a: RecordAddendum) -> bool:
    """Whether ``a`` is an amendment that makes a new version of the note: a **signed** one. An
    amendment not signed yet is a proposed correction: exported as a preliminary document that
    appends to the current version, which it neither replaces nor supersedes."""
    return a.kind is AddendumKind.AMENDMENT and a.signature is not None


def _addendum_time(a: RecordAddendum) -> dt.datetime:
    return a.signature.signed_at if a.signature is not None else a.written_at


def _docref(
    ctx: ExportContext,
    course: TreatmentCourse,
    client: Client | None,
    s: Session,
    version: Session,
    *,
    key: str,
    doc_status: str,
    status: str,
    date: dt.datetime,
    relates: tuple[str, str] | None = None,
    author: str | None = None,
) -> Iterator[Entry]:
    note = build_note(ctx, course, client, version)
    binaries, attached = content(
        ctx, key, _attachments(ctx, note, key.replace("/", "_"), date), date, ctx.patient(course.client_id)
    )
    yield from binaries
    signer = author or author_id(s)
    authors = [signer] if signer else s.clinician_ids()
    body = prune(
        {
            "status": status,
            "docStatus": doc_status,
            "type": codes.PROGRESS_NOTE.concept(),
            "category": [codes.CLINICAL_NOTE.concept()],
            "subject": ctx.patient(course.client_id),
            "date": when(date),
            "author": [r for cid in authors if (r := ctx.practitioner(cid)) is not None],
            "authenticator": ctx.practitioner(signer) if doc_status != "preliminary" else None,
            "custodian": ctx.organization(),
            "relatesTo": [{"code": relates[0], "target": ctx.ref("DocumentReference", relates[1])}] if relates else [],
            "description": plain(note.title),
            "content": attached,
            "context": {"encounter": [ctx.ref("Encounter", s.id)], "period": period(s.start, s.end)},
        }
    )
    yield ctx.new("DocumentReference", key, "note", body)


def addendum_text(ctx: ExportContext, s: Session, a: RecordAddendum) -> str:
    """The text of an addendum, with who wrote and signed it, as its DocumentReference carries."""
    who = ctx.clinicians.get(a.author_id)
    lines = [
        f"{'Amendment' if a.kind is AddendumKind.AMENDMENT else 'Addendum'} to the note of session {s.id}",
        f"Written {when(a.written_at)} by {f'{who.name}, {who.credentials}' if who else a.author_id}",
    ]
    if a.reason:
        lines.append(f"Reason: {plain(a.reason)}")
    if a.signature is not None:
        g = a.signature
        lines.append(f"Signed {when(g.signed_at)} by {g.signer_name}, {g.credentials} (sha256 {g.content_hash})")
    else:
        lines.append("Not signed")
    return "\n".join(lines) + "\n\n" + plain(a.text) + "\n"


def _addendum_docref(
    ctx: ExportContext, course: TreatmentCourse, s: Session, a: RecordAddendum, key: str, *, target: str
) -> Iterator[Entry]:
    date = _addendum_time(a)
    data = addendum_text(ctx, s, a).encode("utf-8")
    binaries, attached = content(
        ctx, key, [(data, TEXT, f"{key.replace('/', '_')}.txt")], date, ctx.patient(course.client_id)
    )
    yield from binaries
    body = prune(
        {
            "status": "current",
            "docStatus": "final" if a.signature is not None else "preliminary",
            "type": codes.PROGRESS_NOTE.concept(),
            "category": [codes.CLINICAL_NOTE.concept()],
            "subject": ctx.patient(course.client_id),
            "date": when(date),
            "author": [r] if (r := ctx.practitioner(a.author_id)) is not None else [],
            "authenticator": ctx.practitioner(a.author_id) if a.signature is not None else None,
            "custodian": ctx.organization(),
            "relatesTo": [{"code": "appends", "target": ctx.ref("DocumentReference", target)}],
            "description": (f"Amendment (not signed) to the note of session {s.id}" if a.kind is AddendumKind.AMENDMENT
                            else f"Addendum to the note of session {s.id}"),
            "content": attached,
            "context": {"encounter": [ctx.ref("Encounter", s.id)], "period": period(s.start, s.end)},
        }
    )
    yield ctx.new("DocumentReference", key, "note", body)


# --- narrative (XHTML) ------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """Recorded text as XHTML: sanitized (no characters XML forbids), escaped, line breaks kept."""
    return html.escape(clean(text), quote=False).replace("\n", "<br/>")


def _block_xhtml(b: Block) -> str:
    if isinstance(b, Paragraph):
        label = f"<b>{_esc(b.label)}:</b> " if b.label else ""
        return f"<p>{label}{_esc(b.text)}</p>"
    if isinstance(b, BulletList):
        return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Fields):
        rows = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in b.items)
        return f"<table>{rows}</table>"
    if isinstance(b, Table):
        head = "".join(f"<th>{_esc(c)}</th>" for c in b.columns)
        rows = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in b.rows)
        caption = f"<caption>{_esc(b.caption)}</caption>" if b.caption else ""
        return f"<table>{caption}<tr>{head}</tr>{rows}</table>"
    if isinstance(b, Figure):
        return f"<p>[Figure: {_esc(b.caption)}]</p>"
    if isinstance(b, SignatureBlock):
        signed = f"signed {_esc(when(b.signed_at))}" if b.signed_at else "not signed"
        return f"<p>{_esc(b.signer)}, {_esc(b.credentials)} ({_esc(b.role)}): {signed}</p>"
    raise TypeError(f"not a note block: {b!r}")


def xhtml(inner: str) -> dict[str, str]:
    """A generated FHIR Narrative around ``inner``."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML_NS}">{inner}</div>'}


def section_narrative(section: Section) -> dict[str, str] | None:
    """The narrative of a note section (None for a section without blocks)."""
    if not section.blocks:
        return None
    return xhtml("".join(_block_xhtml(b) for b in section.blocks))


def composition(
    ctx: ExportContext,
    course: TreatmentCourse,
    client: Client | None,
    s: Session,
    data_refs: list[dict[str, str]],
) -> Entry:
    """The Composition of a signed note: sections from the note, addenda, and the recorded data."""
    note = build_note(ctx, course, client, s)
    sections: list[dict[str, Any]] = []
    for sec in note.sections:
        text = section_narrative(sec)
        if text is not None:
            sections.append({"title": plain(sec.heading), "text": text})
    for a in s.addenda:
        kind = "Amendment" if a.kind is AddendumKind.AMENDMENT else "Addendum"
        inner = "".join(f"<p>{_esc(line)}</p>" for line in addendum_text(ctx, s, a).split("\n\n", 1))
        sections.append({"title": f"{kind} {when(a.written_at)}", "text": xhtml(inner)})
    if data_refs:
        sections.append(
            {
                "title": "Recorded data",
                "text": xhtml(f"<p>{len(data_refs)} structured resources recorded in this session.</p>"),
                "entry": data_refs,
            }
        )
    attesters = [
        prune({"mode": codes.ATTESTATION_MODE[g.role.value], "time": when(g.signed_at), "party": ctx.practitioner(g.clinician_id)})
        for g in s.signatures
    ]
    signer = author_id(s)
    authors = [r for cid in ([signer] if signer else s.clinician_ids()) if (r := ctx.practitioner(cid)) is not None]
    org = ctx.organization()
    if not authors and org is not None:  # Composition.author is 1..*
        authors = [org]
    amended = any(in_force(a) for a in s.addenda) or (
        s.status is NoteStatus.AMENDED and not any(a.kind is AddendumKind.AMENDMENT for a in s.addenda)
    )
    body = prune(
        {
            "status": "amended" if amended else "final",
            "type": codes.PROGRESS_NOTE.concept(),
            "category": [codes.CLINICAL_NOTE.concept()],
            "subject": ctx.patient(course.client_id),
            "encounter": ctx.ref("Encounter", s.id),
            "date": when(latest_time(s)),
            "author": authors,
            "title": plain(note.title),
            "attester": attesters,
            "custodian": ctx.organization(),
            "section": sections,
        }
    )
    return ctx.new("Composition", s.id, "note", body, single_identifier=True)
