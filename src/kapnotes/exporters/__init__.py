"""The built-in note exporters, and the wording they share.

Each exporter module (:mod:`~kapnotes.exporters.docx`, :mod:`~kapnotes.exporters.markdown`,
:mod:`~kapnotes.exporters.text`, :mod:`~kapnotes.exporters.json`) has one entry point,
``export(note, options) -> bytes``, and is registered by
:mod:`kapnotes.default_plugins.exporters` through the ``register_exporters`` hook, like a
third-party exporter would be.

This package module holds what every exporter shows the same way, so that a note reads alike in
Word, Markdown and plain text: the draft mark, the patient banner, how dates, signatures and
addenda are worded. It imports nothing heavy (python-docx is imported by the Word exporter only).
All strings returned here are *raw* (as in the note); each exporter sanitizes them for its medium
with :mod:`kapnotes.notes.sanitize`.
"""

from __future__ import annotations

import attrs

from kapnotes.errors import KapnotesError
from kapnotes.notes.document import Addendum, Note, SignatureBlock
from kapnotes.notes.wording import format_date, format_datetime

__all__ = [
    "DRAFT_MARK",
    "DRAFT_NOTICE",
    "HASH_LABEL",
    "NOT_SIGNED",
    "ExportError",
    "SignatureView",
    "TemplateError",
    "addendum_details",
    "addendum_signature",
    "addendum_title",
    "format_date",
    "format_datetime",
    "label_text",
    "name_with_credentials",
    "note_meta",
    "patient_banner",
    "short_hash",
    "signature_view",
    "signatures_to_show",
]

DRAFT_MARK = "DRAFT — NOT SIGNED"
DRAFT_NOTICE = "This note has not been signed and is not part of the legal record until it is."
NOT_SIGNED = "Not signed"
HASH_LABEL = "Content hash (SHA-256)"


class ExportError(KapnotesError):
    """A note cannot be exported as asked (for example, a figure that is not a PNG image)."""


class TemplateError(ExportError):
    """A clinic's Word template cannot be used: missing, not a .docx, or lacking needed styles.

    :ivar path: the template path.
    :ivar missing_styles: names of the styles the template lacks (empty for other problems).
    """

    def __init__(self, path: object, message: str, missing_styles: tuple[str, ...] = ()) -> None:
        self.path = path
        self.missing_styles = missing_styles
        super().__init__(f"Word template {str(path)!r}: {message}")


def name_with_credentials(name: str, credentials: str) -> str:
    """``Dr. Ana Example, MD`` (just the name when there are no credentials)."""
    return f"{name}, {credentials}" if credentials.strip() else name


def label_text(label: str) -> str:
    """A field label as shown before its value: a colon is added unless it ends in punctuation."""
    return label if label.rstrip().endswith((":", "?", ".", "!")) else f"{label}:"


def patient_banner(note: Note) -> tuple[tuple[str, str], ...]:
    """What identifies the client on every page: name, date of birth and MRN (those recorded)."""
    items = [("Client", note.patient.name)]
    if note.patient.date_of_birth is not None:
        items.append(("DOB", format_date(note.patient.date_of_birth)))
    if note.patient.mrn:
        items.append(("MRN", note.patient.mrn))
    return tuple(items)


def note_meta(note: Note) -> tuple[tuple[str, str], ...]:
    """The note's own facts shown under its title: status, format, and when it was created."""
    items = [("Status", note.status.capitalize()), ("Note format", note.format)]
    if note.created is not None:
        items.append(("Created", format_datetime(note.created)))
    return tuple(items)


def short_hash(content_hash: str, head: int = 12, tail: int = 8) -> str:
    """``3f2a9c0e1b2d…a7b8c9d0``: enough to compare by eye; the full hash is shown as well."""
    if len(content_hash) <= head + tail + 1:
        return content_hash
    return f"{content_hash[:head]}…{content_hash[-tail:]}"


@attrs.frozen
class SignatureView:
    """A signature block as every exporter words it.

    :ivar signed: whether the block carries a signing time.
    :ivar headline: the statement (``Electronically signed by ...``) or ``Not signed``.
    :ivar details: labelled lines: signer, role, time signed.
    :ivar content_hash: the full hash, shown last (``None`` when there is none).
    """

    signed: bool
    headline: str
    details: tuple[tuple[str, str], ...]
    content_hash: str | None


def signature_view(sig: SignatureBlock) -> SignatureView:
    """How a signature block is worded (the same in every exporter)."""
    who = name_with_credentials(sig.signer, sig.credentials)
    details: list[tuple[str, str]] = [("Signer", who), ("Role", sig.role)]
    if sig.signed_at is not None:
        headline = sig.statement or (
            f"Electronically signed by {who} on {format_datetime(sig.signed_at, seconds=True)}"
        )
        details.append(("Signed", format_datetime(sig.signed_at, seconds=True)))
    else:
        headline = NOT_SIGNED
        if sig.statement:
            details.append(("Statement", sig.statement))
    return SignatureView(
        signed=sig.signed_at is not None,
        headline=headline,
        details=tuple(details),
        content_hash=sig.content_hash or None,
    )


def addendum_title(index: int, addendum: Addendum) -> str:
    """``Addendum 1 — 2026-03-05 10:12 +00:00`` (``index`` counts from 1)."""
    return f"{addendum.kind.capitalize()} {index} — {format_datetime(addendum.written_at)}"


def addendum_details(addendum: Addendum) -> tuple[tuple[str, str], ...]:
    """The labelled facts of an addendum: kind, author, time written and reason."""
    items = [
        ("Kind", addendum.kind.capitalize()),
        ("Author", name_with_credentials(addendum.author, addendum.credentials)),
        ("Written", format_datetime(addendum.written_at, seconds=True)),
    ]
    if addendum.reason:
        items.append(("Reason", addendum.reason))
    return tuple(items)


def signatures_to_show(note: Note) -> tuple[SignatureBlock, ...]:
    """The note's signature blocks; for a draft without any, one unsigned block for its author."""
    if note.signatures or not note.is_draft:
        return note.signatures
    return (SignatureBlock(note.author or "Author", "", "author"),)


def addendum_signature(addendum: Addendum) -> SignatureBlock:
    """An addendum's signature block, or an unsigned one for its author."""
    if addendum.signature is not None:
        return addendum.signature
    return SignatureBlock(addendum.author, addendum.credentials, f"author of the {addendum.kind}")
