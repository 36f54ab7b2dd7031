"""The format-neutral note: what every note format produces and every exporter consumes.

A :class:`Note` knows nothing of SOAP or Word. It has a title, a letterhead, a patient banner,
header facts, sections made of blocks, signature blocks and addenda. N note formats x M exporters
meet here, so that no code is written N x M times.

All text is kept exactly as given (any Unicode, control characters included); exporters make it
safe for their medium with :mod:`kapnotes.notes.sanitize`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Union

import attrs

Label = str


@attrs.frozen
class Paragraph:
    """A paragraph of running text. ``label`` (optional) is shown in bold before the text."""

    text: str
    label: str | None = None


@attrs.frozen
class BulletList:
    """A list of short items."""

    items: tuple[str, ...]


@attrs.frozen
class Fields:
    """Labelled values shown as a two-column table ("Dose: 35 mg")."""

    items: tuple[tuple[Label, str], ...]


@attrs.frozen
class Table:
    """A table with a header row. Every row has as many cells as there are columns."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None

    def __attrs_post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table row {i} has {len(row)} cells, expected {len(self.columns)}"
                )


@attrs.frozen
class Figure:
    """An image (PNG) with a caption; ``width_in`` is the printed width in inches."""

    image: bytes = attrs.field(repr=False)
    caption: str
    media_type: Literal["image/png"] = "image/png"
    width_in: float = 6.0


@attrs.frozen
class SignatureBlock:
    """Who signed (or must sign) the note. ``signed_at`` None means not signed yet."""

    signer: str
    credentials: str
    role: str  # "author", "co-signer (supervisor)", ...
    signed_at: dt.datetime | None = None
    content_hash: str | None = None
    statement: str | None = None


Block = Union[Paragraph, BulletList, Fields, Table, Figure, SignatureBlock]


@attrs.frozen
class Section:
    """A titled part of a note. ``key`` is stable (``subjective``); ``heading`` is shown."""

    key: str
    heading: str
    blocks: tuple[Block, ...]


@attrs.frozen
class Addendum:
    """Text appended to a note after it was signed; shown after the body, never merged into it."""

    kind: Literal["addendum", "amendment"]
    author: str
    credentials: str
    written_at: dt.datetime
    text: str
    signature: SignatureBlock | None = None
    reason: str | None = None


@attrs.frozen
class PatientBanner:
    """Identifies the client on every page."""

    name: str
    date_of_birth: dt.date | None
    mrn: str | None


@attrs.frozen
class Letterhead:
    """The clinic, shown in the page header."""

    clinic_name: str
    lines: tuple[str, ...] = ()  # address, phone, ...


CONFIDENTIALITY = (
    "CONFIDENTIAL: protected health information. Disclosure only as permitted by law "
    "(45 CFR Parts 160 and 164; 42 CFR Part 2 where it applies)."
)


@attrs.frozen
class Note:
    """A clinical note, independent of any output format."""

    title: str
    format: str  # name of the note format that built it ("soap")
    letterhead: Letterhead
    patient: PatientBanner
    facts: tuple[tuple[Label, str], ...]  # the session facts table
    sections: tuple[Section, ...]
    signatures: tuple[SignatureBlock, ...] = ()
    addenda: tuple[Addendum, ...] = ()
    status: Literal["draft", "signed", "amended"] = "draft"
    author: str = ""
    created: dt.datetime | None = None
    subject: str | None = None  # e.g. "KAP dosing session 2026-03-02"
    confidentiality: str = CONFIDENTIALITY
    #: On a draft, the findings that stop signing (``KAP-RISK-002: ...``), shown under the
    #: DRAFT banner.
    blocking: tuple[str, ...] = ()

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def iter_text(self) -> list[str]:
        """Every piece of text in the note, in reading order (for tests and plain search)."""
        out: list[str] = [self.title, self.letterhead.clinic_name, *self.letterhead.lines]
        out += [self.patient.name, self.patient.mrn or ""]
        out += list(self.blocking)
        for k, v in self.facts:
            out += [k, v]
        for s in self.sections:
            out.append(s.heading)
            for b in s.blocks:
                out += _block_text(b)
        for sig in self.signatures:
            out += _block_text(sig)
        for a in self.addenda:
            out += [a.author, a.credentials, a.text, a.reason or ""]
            if a.signature is not None:
                out += _block_text(a.signature)
        return [t for t in out if t]


def _block_text(b: Block) -> list[str]:
    if isinstance(b, Paragraph):
        return [b.label or "", b.text]
    if isinstance(b, BulletList):
        return list(b.items)
    if isinstance(b, Fields):
        return [x for kv in b.items for x in kv]
    if isinstance(b, Table):
        return [*b.columns, *(c for r in b.rows for c in r), b.caption or ""]
    if isinstance(b, Figure):
        return [b.caption]
    if isinstance(b, SignatureBlock):
        return [b.signer, b.credentials, b.role, b.content_hash or "", b.statement or ""]
    raise TypeError(f"not a note block: {b!r}")
