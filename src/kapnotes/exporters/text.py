"""Plain-text exporter: a :class:`~kapnotes.notes.document.Note` as a readable UTF-8 text file.

The same content as the Word note, top to bottom: the letterhead, the client banner and the
confidentiality line between rules; a boxed ``DRAFT — NOT SIGNED`` notice for a draft; the title
(underlined), its subject and status line; the session facts; each section (heading underlined)
with its blocks; the signature blocks; the addenda.

* Fields and facts: labels padded so that the values line up.
* Tables: columns aligned by display width (wide East Asian characters count two, combining
  marks none), ``|`` between columns, a rule under the header row; a cell with line breaks
  takes several lines.
* A figure is named with its caption (an image cannot be shown in text).
* Running text is not re-wrapped: its line breaks are the record's.

Every string from the note goes through :func:`kapnotes.notes.sanitize.plain`: control characters
are shown as control pictures (``␛``), line endings are ``\\n``. Output ends with one newline and is
the same bytes for the same Note.
"""

from __future__ import annotations

import functools
import unicodedata
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
from kapnotes.notes.sanitize import one_line, plain

__all__ = ["MEDIA_TYPE", "display_width", "export", "render"]

MEDIA_TYPE = "text/plain; charset=utf-8"
RULE_WIDTH = 78
SIGN_HERE = "Signature: ______________________________    Date: ______________"


def export(note: Note, options: ExportOptions | None = None) -> bytes:
    """The note as plain text (UTF-8 bytes). ``options`` are not used."""
    return render(note).encode("utf-8")


def render(note: Note) -> str:
    """The note as a plain-text string."""
    blocks: list[str] = [_page_header(note)]
    if note.is_draft:
        bar = "*" * RULE_WIDTH
        blocking = "".join(f"\n  - {plain(b)}" for b in note.blocking)
        if blocking:
            blocking = "\nSigning is blocked until these findings are resolved:" + blocking
        blocks.append(f"{bar}\n*** {DRAFT_MARK} ***\n{DRAFT_NOTICE}{blocking}\n{bar}")
    blocks.append(_underlined(note.title, "="))
    meta = " | ".join(f"{label}: {plain(value)}" for label, value in note_meta(note))
    blocks.append(f"{plain(note.subject)}\n{meta}" if note.subject else meta)
    if note.facts:
        blocks.append(_fields(note.facts))
    for section in note.sections:
        blocks.append(_underlined(section.heading, "-"))
        blocks.extend(_block(b) for b in section.blocks)
    sigs = signatures_to_show(note)
    if sigs:
        blocks.append(_underlined("Signature" if len(sigs) == 1 else "Signatures", "-"))
        blocks.extend(_signature(s) for s in sigs)
    if note.addenda:
        blocks.append(_underlined("Addenda", "-"))
        for i, addendum in enumerate(note.addenda, start=1):
            blocks.append(_underlined(addendum_title(i, addendum), "~"))
            blocks.append(_fields(addendum_details(addendum)))
            blocks.append(plain(addendum.text))
            blocks.append(_signature(addendum_signature(addendum)))
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"


def _page_header(note: Note) -> str:
    lh = note.letterhead
    banner = " | ".join(f"{label}: {one_line(value)}" for label, value in patient_banner(note))
    lines = [plain(lh.clinic_name), *(plain(line) for line in lh.lines), "=" * RULE_WIDTH]
    lines += [banner, plain(note.confidentiality), "=" * RULE_WIDTH]
    return "\n".join(lines)


def _underlined(text: str, char: str) -> str:
    line, width = _one_line_width(text)
    return f"{line}\n{char * max(3, width)}"


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        text = plain(block.text)
        return f"{plain(label_text(block.label))} {text}" if block.label else text
    if isinstance(block, BulletList):
        return "\n".join("  - " + _indent(plain(item), "    ") for item in block.items)
    if isinstance(block, Fields):
        return _fields(block.items)
    if isinstance(block, Table):
        parts = [plain(block.caption)] if block.caption else []
        if block.columns:
            parts.append(_table(block.columns, block.rows))
        return "\n".join(parts)
    if isinstance(block, Figure):
        size = f"PNG image, {len(block.image)} bytes, not shown in plain text"
        return f"[Figure: {plain(block.caption)} ({size})]"
    if isinstance(block, SignatureBlock):
        return _signature(block)
    raise ExportError(f"the text exporter cannot show a {type(block).__name__} block")


def _indent(text: str, prefix: str) -> str:
    """Continuation lines of ``text`` indented by ``prefix`` (the first line is not)."""
    return text.replace("\n", "\n" + prefix)


def _fields(items: Sequence[tuple[str, str]]) -> str:
    """``Label : value`` lines with the values lined up."""
    labels = [_one_line_width(label) for label, _ in items]
    width = max((w for _, w in labels), default=0)
    indent = " " * (width + 3)
    lines = []
    for (label, w), (_, value) in zip(labels, items, strict=True):
        lines.append(f"{label}{' ' * (width - w)} : " + _indent(plain(value), indent))
    return "\n".join(lines)


@functools.lru_cache(maxsize=4096)  # labels and headings are a format's words: the same in every note
def _one_line_width(text: str) -> tuple[str, int]:
    """A label or heading on one line (:func:`one_line`), with its display width."""
    line = one_line(text)
    return line, display_width(line)


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned by display width; ``|`` between them; multi-line cells take more lines."""
    # every cell line with its display width, measured once (widths and padding both need it)
    grid = [[_cell_lines(c) for c in row] for row in (columns, *rows)]
    widths = [0] * len(columns)
    for row in grid:
        for i, cell in enumerate(row):
            for _, w in cell:
                if w > widths[i]:
                    widths[i] = w
    out = _table_row(grid[0], widths)
    out.append("-+-".join("-" * w for w in widths))
    for row in grid[1:]:
        out += _table_row(row, widths)
    return "\n".join(line.rstrip() for line in out)


@functools.lru_cache(maxsize=4096)  # cells repeat from note to note (labels, units, "-")
def _cell_lines(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((line, display_width(line)) for line in plain(text).replace("\t", " ").split("\n"))


def _table_row(cells: list[tuple[tuple[str, int], ...]], widths: list[int]) -> list[str]:
    height = max(len(c) for c in cells)
    if height == 1:  # the usual row: one line per cell
        return [" | ".join(cell[0][0] + " " * (width - cell[0][1]) for cell, width in zip(cells, widths, strict=True))]
    lines = []
    for k in range(height):
        parts = []
        for cell, width in zip(cells, widths, strict=True):
            text, w = cell[k] if k < len(cell) else ("", 0)
            parts.append(text + " " * (width - w))
        lines.append(" | ".join(parts))
    return lines


def _signature(sig: SignatureBlock) -> str:
    view = signature_view(sig)
    lines = [plain(view.headline)]
    lines += [f"  {label}: " + _indent(plain(value), "    ") for label, value in view.details]
    if view.content_hash:
        lines.append(f"  {HASH_LABEL}: {plain(view.content_hash)}")
    if not view.signed:
        lines += ["", "  " + SIGN_HERE]
    return "\n".join(lines)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced terminal: wide characters 2, combining marks 0."""
    if text.isascii() and text.isprintable():  # the usual case: one column a character
        return len(text)
    return sum(map(_char_width, text))


@functools.lru_cache(maxsize=1024)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
