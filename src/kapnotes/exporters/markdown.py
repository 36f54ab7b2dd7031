"""Markdown exporter: a :class:`~kapnotes.notes.document.Note` as CommonMark + GFM tables.

The same content as the Word note, top to bottom: the letterhead, the client banner, the
confidentiality line, a quoted ``DRAFT — NOT SIGNED`` notice for a draft, the title (``#``) with
its subject and status line, the session facts table, each section (``##``) with its blocks,
the signature blocks and the addenda (``###`` each).

* Paragraph: ``**Label:** text``; line breaks in the text are hard line breaks.
* Bullet list: ``- item``. Fields: one ``**Label:** value`` line each.
* Table: a GFM table after an italic ``Table:`` caption line; line breaks in a cell are ``<br>``.
* Figure: the PNG inline as a ``data:`` URI, then an italic ``Figure:`` caption line.

Every string from the note is escaped by :mod:`kapnotes.notes.sanitize` (``md_text``,
``md_one_line``, ``md_cell``): text from the record cannot add formatting, links or HTML.
Output is UTF-8, ends with one newline, and is the same bytes for the same Note.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from kapnotes.exporters import (
    DRAFT_MARK,
    DRAFT_NOTICE,
    HASH_LABEL,
    ExportError,
    addendum_details,
    addendum_signature,
    addendum_title,
    label_text,
    note_meta,
    patient_banner,
    signature_view,
    signatures_to_show,
)
from kapnotes.exporting import ExportOptions
from kapnotes.notes.document import (
    Block,
    BulletList,
    Fields,
    Figure,
    Note,
    Paragraph,
    SignatureBlock,
    Table,
)
from kapnotes.notes.sanitize import md_cell, md_one_line, md_text

__all__ = ["MEDIA_TYPE", "export", "render"]

MEDIA_TYPE = "text/markdown; charset=utf-8; variant=GFM"
HARD_BREAK = "\\\n"


def export(note: Note, options: ExportOptions | None = None) -> bytes:
    """The note as Markdown (UTF-8 bytes). ``options`` are not used."""
    return render(note).encode("utf-8")


def render(note: Note) -> str:
    """The note as a Markdown string."""
    blocks: list[str] = [_letterhead(note), _banner(note), md_text(note.confidentiality)]
    if note.is_draft:
        blocks.append(f"> **{DRAFT_MARK}**{HARD_BREAK}> {DRAFT_NOTICE}")
        if note.blocking:
            lines = "\n".join(f"> - {md_one_line(b)}" for b in note.blocking)
            blocks.append(f"> **Signing is blocked until these findings are resolved:**\n>\n{lines}")
    blocks.append(f"# {md_one_line(note.title)}")
    blocks.append(_meta(note))
    if note.facts:
        blocks.append(_table(("Session facts", ""), note.facts))
    for section in note.sections:
        blocks.append(f"## {md_one_line(section.heading)}")
        blocks.extend(_block(b) for b in section.blocks)
    sigs = signatures_to_show(note)
    if sigs:
        blocks.append("## Signature" if len(sigs) == 1 else "## Signatures")
        blocks.extend(_signature(s) for s in sigs)
    if note.addenda:
        blocks.append("## Addenda")
        for i, addendum in enumerate(note.addenda, start=1):
            blocks.append(f"### {md_one_line(addendum_title(i, addendum))}")
            blocks.append(_lines(addendum_details(addendum)))
            blocks.append(md_text(addendum.text))
            blocks.append(_signature(addendum_signature(addendum)))
    return "\n\n".join(b for b in blocks if b) + "\n"


def _letterhead(note: Note) -> str:
    lines = [f"**{md_one_line(note.letterhead.clinic_name)}**"]
    lines += [md_text(line) for line in note.letterhead.lines]
    return HARD_BREAK.join(line for line in lines if line)


def _banner(note: Note) -> str:
    return " · ".join(f"**{label}:** {md_one_line(value)}" for label, value in patient_banner(note))


def _meta(note: Note) -> str:
    line = " · ".join(f"{label}: **{md_one_line(value)}**" for label, value in note_meta(note))
    if note.subject:
        return md_text(note.subject) + HARD_BREAK + line
    return line


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(block)
    if isinstance(block, BulletList):
        return "\n".join(f"- {md_text(item, indent='  ')}" for item in block.items)
    if isinstance(block, Fields):
        return _lines(block.items)
    if isinstance(block, Table):
        caption = f"*Table:* {md_text(block.caption)}" if block.caption else ""
        table = _table(block.columns, block.rows) if block.columns else ""
        return "\n\n".join(part for part in (caption, table) if part)
    if isinstance(block, Figure):
        return _figure(block)
    if isinstance(block, SignatureBlock):
        return _signature(block)
    raise ExportError(f"the Markdown exporter cannot show a {type(block).__name__} block")


def _paragraph(block: Paragraph) -> str:
    text = md_text(block.text)
    if block.label and md_one_line(block.label):
        return f"**{md_one_line(label_text(block.label))}** {text}".rstrip()
    return text


def _lines(items: Sequence[tuple[str, str]]) -> str:
    """``**Label:** value`` lines, joined by hard line breaks."""
    return HARD_BREAK.join(
        f"**{md_one_line(label_text(label))}** {md_text(value)}".rstrip() for label, value in items
    )


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(md_cell(c) for c in cells) + " |"

    out = [row(columns), "|" + "|".join(" --- " for _ in columns) + "|"]
    out += [row(r) for r in rows]
    return "\n".join(out)


def _figure(block: Figure) -> str:
    data = base64.b64encode(block.image).decode("ascii")
    image = f"![{md_one_line(block.caption)}](data:{block.media_type};base64,{data})"
    return f"{image}\n\n*Figure:* {md_text(block.caption)}"


def _signature(sig: SignatureBlock) -> str:
    view = signature_view(sig)
    lines = [f"**{md_one_line(view.headline)}**"]
    lines += [f"**{label}:** {md_text(value)}" for label, value in view.details]
    if view.content_hash:
        lines.append(f"**{HASH_LABEL}:** {md_text(view.content_hash)}")
    return HARD_BREAK.join(lines)
